import { chain, Rule, SchematicsException, Tree } from '@angular-devkit/schematics';
import { addRootProvider } from '@schematics/angular/utility';
import { getWorkspace } from '@schematics/angular/utility/workspace';

/** Options of `ng add ngx-token-refresh`. */
export interface NgAddOptions {
  /** The application to change; the first application of the workspace when absent. */
  project?: string;
  /** The refresh endpoint, written into `provideTokenRefresh({ refreshUrl })`. */
  refreshUrl?: string;
}

/**
 * `ng add ngx-token-refresh`: registers `tokenRefreshInterceptor` with the app's `HttpClient` and adds
 * `provideTokenRefresh({ refreshUrl })`, in `app.config.ts` for a standalone app or in the root
 * `NgModule` otherwise. An existing `provideHttpClient(...)` call gets the interceptor added rather
 * than a second call beside it. Running it twice changes nothing the second time.
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
    const rules: Rule[] = [];
    const withHttpClient = sources.find((path) => read(tree, path).includes('provideHttpClient('));
    if (!sources.some((path) => read(tree, path).includes('tokenRefreshInterceptor'))) {
      rules.push(
        withHttpClient
          ? addInterceptorToExistingCall(withHttpClient)
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
        addRootProvider(
          projectName,
          ({ code, external }) =>
            code`${external('provideTokenRefresh', 'ngx-token-refresh')}({ refreshUrl: '${url}' })`,
        ),
      );
    }
    return chain(rules);
  };
}

/** Adds the interceptor to the app's own `provideHttpClient(...)` call, and the imports it needs. */
function addInterceptorToExistingCall(path: string): Rule {
  return (tree: Tree) => {
    let text = read(tree, path);
    text = text.includes('withInterceptors([')
      ? text.replace('withInterceptors([', 'withInterceptors([tokenRefreshInterceptor, ')
      : text.replace(/provideHttpClient\((\s*\))?/, (_, closing?: string) =>
          closing
            ? 'provideHttpClient(withInterceptors([tokenRefreshInterceptor]))'
            : 'provideHttpClient(withInterceptors([tokenRefreshInterceptor]), ',
        );
    text = ensureNamedImport(text, 'withInterceptors', '@angular/common/http');
    text = ensureNamedImport(text, 'tokenRefreshInterceptor', 'ngx-token-refresh');
    tree.overwrite(path, text);
  };
}

/** Adds `name` to the file's import from `module`, or a new import line after the last import. */
function ensureNamedImport(text: string, name: string, module: string): string {
  const existing = new RegExp(
    `import\\s*\\{([^}]*)\\}\\s*from\\s*['"]${module.replace(/[/.]/g, '\\$&')}['"];?`,
  );
  const match = existing.exec(text);
  if (match) {
    const names = match[1]
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    return names.includes(name)
      ? text
      : text.replace(
          match[0],
          `import { ${[...names, name].sort().join(', ')} } from '${module}';`,
        );
  }
  const lastImport = [...text.matchAll(/^import .*;$/gm)].pop();
  const line = `import { ${name} } from '${module}';\n`;
  if (lastImport?.index === undefined) {
    return line + text;
  }
  const end = lastImport.index + lastImport[0].length + 1;
  return text.slice(0, end) + line + text.slice(end);
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
