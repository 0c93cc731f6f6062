import { chain, Rule, SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { addRootProvider } from '@schematics/angular/utility';
import { getWorkspace } from '@schematics/angular/utility/workspace';

import { layOut } from './layout';

/** Options of `ng add ngx-token-refresh`. */
export interface NgAddOptions {
  /** The application to change; the first application of the workspace when absent. */
  project?: string;
  /** The refresh endpoint, written into `provideTokenRefresh({ refreshUrl })`. */
  refreshUrl?: string;
  /** Whether the app's tabs share one session: then `withCrossTab()` is added (the default). */
  crossTab?: boolean;
}

/**
 * `ng add ngx-token-refresh`: registers `tokenRefreshInterceptor` with the app's `HttpClient` and adds
 * `provideTokenRefresh({ refreshUrl })` (with `withCrossTab()` when the app's tabs share one session,
 * the default answer), in `app.config.ts` for a standalone app or in the root `NgModule` otherwise. An existing `provideHttpClient(...)` call gets the interceptor added rather
 * than a second call beside it. Running it twice changes nothing the second time. The edited files
 * are laid out as by hand: one provider per line, imports merged, sorted and placed by module.
 */
export function ngAdd(options: NgAddOptions): Rule {
  return async (tree: Tree) => {
    const refreshUrl = (options.refreshUrl ?? '/api/auth/refresh').trim();
    if (refreshUrl === '') {
      throw new SchematicsException('ngx-token-refresh: "refreshUrl" must be a non-empty URL.');
    }
    const workspace = await getWorkspace(tree);
    const projectName =
      options.project ??
      [...workspace.projects.entries()].find(
        ([, project]) => project.extensions['projectType'] === 'application',
      )?.[0];
    const project = projectName ? workspace.projects.get(projectName) : undefined;
    if (!projectName || !project) {
      throw new SchematicsException(
        `ngx-token-refresh: no application "${options.project ?? ''}" in this workspace.`,
      );
    }
    const sources = sourceFilesOf(tree, project.sourceRoot ?? `${project.root}/src`);
    const originals = new Map(sources.map((path) => [path, read(tree, path)]));
    /** Imports to add, by file and module; `layOut` merges them with Angular's. */
    const imports = new Map<string, Map<string, string[]>>();
    const rules: Rule[] = [];
    const withHttpClient = sources.find((path) => read(tree, path).includes('provideHttpClient('));
    if (!sources.some((path) => read(tree, path).includes('tokenRefreshInterceptor'))) {
      rules.push(
        withHttpClient
          ? addInterceptorToExistingCall(withHttpClient, imports)
          : addRootProvider(
              projectName,
              ({ code, external }) =>
                code`${external('provideHttpClient', '@angular/common/http')}(${external('withInterceptors', '@angular/common/http')}([${external('tokenRefreshInterceptor', 'ngx-token-refresh')}]))`,
            ),
      );
    }
    if (!sources.some((path) => read(tree, path).includes('provideTokenRefresh('))) {
      const url = refreshUrl.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
      rules.push(
        addRootProvider(projectName, ({ code, external }) =>
          options.crossTab === false
            ? code`${external('provideTokenRefresh', 'ngx-token-refresh')}({ refreshUrl: '${url}' })`
            : code`${external('provideTokenRefresh', 'ngx-token-refresh')}({ refreshUrl: '${url}' }, ${external('withCrossTab', 'ngx-token-refresh')}())`,
        ),
      );
    }
    rules.push((edited: Tree) => {
      for (const [path, original] of originals) {
        const text = read(edited, path);
        if (text !== original) {
          edited.overwrite(path, layOut(path, original, text, imports.get(path)));
        }
      }
    });
    return chain(rules);
  };
}

/**
 * Puts the interceptor first in the app's own `provideHttpClient(...)` call: into its
 * `withInterceptors([...])`, or as a new first feature. The imports it needs go into `imports`.
 */
function addInterceptorToExistingCall(
  path: string,
  imports: Map<string, Map<string, string[]>>,
): Rule {
  return (tree: Tree) => {
    const text = read(tree, path);
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const call = findCall(source, 'provideHttpClient');
    if (!call) {
      return;
    }
    const withInterceptors = call.arguments.find((argument): argument is ts.CallExpression =>
      isCallOf(argument, 'withInterceptors'),
    );
    const list = withInterceptors?.arguments[0];
    const insertion =
      list && ts.isArrayLiteralExpression(list)
        ? insertFirst(text, source, list, 'tokenRefreshInterceptor')
        : insertFirst(text, source, call, 'withInterceptors([tokenRefreshInterceptor])');
    tree.overwrite(path, text.slice(0, insertion.at) + insertion.text + text.slice(insertion.at));
    imports.set(
      path,
      new Map([
        ['@angular/common/http', ['withInterceptors']],
        ['ngx-token-refresh', ['tokenRefreshInterceptor']],
      ]),
    );
  };
}

/** Where and what to insert so that `item` becomes the first element or argument of `node`. */
function insertFirst(
  text: string,
  source: ts.SourceFile,
  node: ts.ArrayLiteralExpression | ts.CallExpression,
  item: string,
): { at: number; text: string } {
  const items = ts.isArrayLiteralExpression(node) ? node.elements : node.arguments;
  if (items.length === 0) {
    // Just inside `[` or `(`.
    const at = ts.isArrayLiteralExpression(node)
      ? node.getStart(source) + 1
      : text.indexOf('(', node.expression.getEnd()) + 1;
    return { at, text: item };
  }
  const at = items[0].getStart(source);
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const before = text.slice(lineStart, at);
  // A list written one item per line gets one more line.
  return { at, text: /^[ \t]*$/.test(before) ? `${item},\n${before}` : `${item}, ` };
}

function findCall(node: ts.Node, name: string): ts.CallExpression | undefined {
  return isCallOf(node, name) ? node : ts.forEachChild(node, (child) => findCall(child, name));
}

function isCallOf(node: ts.Node, name: string): node is ts.CallExpression {
  return (
    ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name
  );
}

function sourceFilesOf(tree: Tree, root: string): string[] {
  const files: string[] = [];
  tree.getDir(root).visit((path) => {
    if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
      files.push(path);
    }
  });
  return files;
}

function read(tree: Tree, path: string): string {
  return tree.readText(path);
}
