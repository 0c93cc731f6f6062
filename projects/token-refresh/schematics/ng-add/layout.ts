// Layout of the files `ng add` edits, so that they read as if written by hand on every Angular major:
// Angular's `addRootProvider` appends providers to the last line of a multi-line array (app.config.ts
// on 20 to 22) and adds imports after the app's own, in the order it met them. The TypeScript used is
// the app's own (every Angular workspace has it), as Angular's own schematics do from 22 on.
import * as ts from 'typescript';

/** The modules whose imports `ng add` adds or extends. */
const OUR_MODULES = ['@angular/common/http', 'ngx-token-refresh'];
/** The providers `ng add` adds. */
const OUR_PROVIDERS = new Set(['provideHttpClient', 'provideTokenRefresh']);
/** Angular CLI's Prettier width; longer import lines are broken one name per line. */
const PRINT_WIDTH = 100;

/**
 * Lays out `edited`, the text of `original` after `ng add`: each element of a providers array that
 * holds one of our providers on its own line, and our imports (with the `imports` to add, by module)
 * merged, their names sorted, and placed among the package imports in module order. Everything else
 * is left as it was.
 */
export function layOut(
  path: string,
  original: string,
  edited: string,
  imports: ReadonlyMap<string, readonly string[]> = new Map(),
): string {
  let text = breakProviderArrays(path, edited);
  for (const module of OUR_MODULES) {
    text = tidyImports(path, original, text, module, imports.get(module) ?? []);
  }
  return text;
}

function breakProviderArrays(path: string, text: string): string {
  const source = parse(path, text);
  const arrays = new Set<ts.ArrayLiteralExpression>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      OUR_PROVIDERS.has(node.expression.text) &&
      ts.isArrayLiteralExpression(node.parent)
    ) {
      arrays.add(node.parent);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  const edits: { start: number; end: number; text: string }[] = [];
  for (const array of arrays) {
    const open = array.getStart(source);
    const outer = indentOf(text, open);
    const first = array.elements[0];
    const inner = isOnOwnLine(text, first.getStart(source))
      ? indentOf(text, first.getStart(source))
      : outer + indentUnit(text);
    let previousEnd = open + 1;
    let isBroken = false;
    for (const element of array.elements) {
      const start = element.getStart(source);
      if (lineOf(source, start) === lineOf(source, previousEnd)) {
        edits.push({ start: whitespaceBefore(text, start), end: start, text: `\n${inner}` });
        isBroken = true;
      }
      previousEnd = element.getEnd();
    }
    const close = array.getEnd() - 1;
    if (isBroken && lineOf(source, close) === lineOf(source, previousEnd)) {
      edits.push({ start: whitespaceBefore(text, close), end: close, text: `\n${outer}` });
    }
  }
  return applyEdits(text, edits);
}

function tidyImports(
  path: string,
  original: string,
  text: string,
  module: string,
  extra: readonly string[],
): string {
  const source = parse(path, text);
  const declarations = namedImportsOf(source, module);
  const names = [
    ...new Set([...declarations.flatMap((declaration) => namesOf(declaration, source)), ...extra]),
  ].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  if (names.length === 0) {
    return text;
  }
  const quote = /^import[^;]*?"/m.test(original) ? '"' : "'";
  const from = `from ${quote}${module}${quote};`;
  const oneLine = `import { ${names.join(', ')} } ${from}`;
  const line =
    oneLine.length <= PRINT_WIDTH
      ? oneLine
      : `import {\n${names.map((name) => `${indentUnit(text)}${name},`).join('\n')}\n} ${from}`;

  // Angular's insertImport extends the app's import or adds one after the app's imports, so the
  // first declaration is the app's own when the app imported the module already.
  if (declarations.length > 0 && namedImportsOf(parse(path, original), module).length > 0) {
    const [kept, ...added] = declarations;
    const edits = added.map((declaration) => wholeLines(text, source, declaration));
    edits.push({ start: kept.getStart(source), end: kept.getEnd(), text: line });
    return applyEdits(text, edits);
  }
  const withoutOurs = applyEdits(
    text,
    declarations.map((declaration) => wholeLines(text, source, declaration)),
  );
  return insertImport(parse(path, withoutOurs), withoutOurs, module, line);
}

/** Inserts `line` before the first package import that sorts after `module`, else after the last. */
function insertImport(source: ts.SourceFile, text: string, module: string, line: string): string {
  const imports = source.statements.filter(ts.isImportDeclaration);
  const packages = imports.filter((declaration) => !specifierOf(declaration).startsWith('.'));
  const next = packages.find(
    (declaration) => specifierOf(declaration).toLowerCase() > module.toLowerCase(),
  );
  if (next) {
    const at = next.getStart(source);
    return `${text.slice(0, at)}${line}\n${text.slice(at)}`;
  }
  const last = packages.at(-1);
  if (last) {
    const at = last.getEnd();
    return `${text.slice(0, at)}\n${line}${text.slice(at)}`;
  }
  if (source.statements.length === 0) {
    return `${line}\n`;
  }
  const at = (imports.length > 0 ? imports[0] : source.statements[0]).getStart(source);
  return `${text.slice(0, at)}${line}\n${imports.length > 0 ? '' : '\n'}${text.slice(at)}`;
}

/** `import { a, b } from 'module'` declarations: no default or namespace import, not type-only. */
function namedImportsOf(source: ts.SourceFile, module: string): ts.ImportDeclaration[] {
  return source.statements.filter(ts.isImportDeclaration).filter(
    (declaration) =>
      specifierOf(declaration) === module &&
      declaration.importClause !== undefined &&
      // Not `isTypeOnly`: TypeScript 6 deprecates it, and 5.x lacks its successor.
      !/^import\s+type\s/.test(declaration.getText()) &&
      declaration.importClause.name === undefined &&
      declaration.importClause.namedBindings !== undefined &&
      ts.isNamedImports(declaration.importClause.namedBindings),
  );
}

function namesOf(declaration: ts.ImportDeclaration, source: ts.SourceFile): string[] {
  const bindings = declaration.importClause?.namedBindings;
  return bindings && ts.isNamedImports(bindings)
    ? bindings.elements.map((element) => element.getText(source))
    : [];
}

function specifierOf(declaration: ts.ImportDeclaration): string {
  return ts.isStringLiteral(declaration.moduleSpecifier) ? declaration.moduleSpecifier.text : '';
}

/** An edit removing `node` with its line break. */
function wholeLines(
  text: string,
  source: ts.SourceFile,
  node: ts.Node,
): { start: number; end: number; text: string } {
  const end = text[node.getEnd()] === '\n' ? node.getEnd() + 1 : node.getEnd();
  return { start: node.getStart(source), end, text: '' };
}

function applyEdits(text: string, edits: { start: number; end: number; text: string }[]): string {
  return [...edits]
    .sort((a, b) => b.start - a.start)
    .reduce(
      (result, edit) => result.slice(0, edit.start) + edit.text + result.slice(edit.end),
      text,
    );
}

function parse(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
}

function lineOf(source: ts.SourceFile, position: number): number {
  return source.getLineAndCharacterOfPosition(position).line;
}

/** Where the spaces and tabs before `position` on its line begin. */
function whitespaceBefore(text: string, position: number): number {
  let start = position;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) {
    start--;
  }
  return start;
}

function isOnOwnLine(text: string, position: number): boolean {
  const start = whitespaceBefore(text, position);
  return start === 0 || text[start - 1] === '\n';
}

/** The indentation of the line that holds `position`. */
function indentOf(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** The file's indentation step: a tab, or the smallest number of leading spaces (2 if none). */
function indentUnit(text: string): string {
  if (/^\t/m.test(text)) {
    return '\t';
  }
  const widths = [...text.matchAll(/^( +)[^\s*]/gm)].map((match) => match[1].length);
  return ' '.repeat(widths.length > 0 ? Math.min(...widths) : 2);
}
