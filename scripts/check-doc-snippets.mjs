// Checks every TypeScript block of README.md and docs/*.md the way a user's app would see it: each
// block becomes one file of a throwaway project whose node_modules holds the workspace's packages
// plus `ngx-token-refresh` linked to the built dist/token-refresh (what a `file:` dependency installs),
// so `ngx-token-refresh` and `ngx-token-refresh/testing` resolve through the package's own exports.
// Every block is type-checked with the workspace's TypeScript and compiler options; blocks that are
// tests (they call describe/it/test) are then run by Jest with jest-preset-angular, zoneless, as a
// user's test would be. Needs `npm run build` first. Writes reports/doc-snippets.json in Jest's format,
// so CI counts these tests, and exits 1 naming the file and line of each failing block.
//
// A block must stand alone: its imports, then its code. Each generated file starts with as many blank
// lines as precede the block in its Markdown file, so every line and column reported below is the
// Markdown file's own. One thing is not installed here and is declared instead: the third-party
// modules in STUBBED_MODULES, which a guide imports as a user would but this workspace does not need.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist/token-refresh');
const REPORT = join(ROOT, 'reports/doc-snippets.json');

/** Modules a guide imports that this workspace does not install: their declared shape, for tsc. */
const STUBBED_MODULES = {
  '@capacitor/preferences': `
    export const Preferences: {
      get(options: { key: string }): Promise<{ value: string | null }>;
      set(options: { key: string; value: string }): Promise<void>;
      remove(options: { key: string }): Promise<void>;
      clear(): Promise<void>;
    };`,
};

/** The Markdown files whose TypeScript blocks are checked, relative to the workspace; the npm page too. */
function markdownFiles() {
  const docs = existsSync(join(ROOT, 'docs'))
    ? readdirSync(join(ROOT, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ['README.md', 'projects/token-refresh/README.md', ...docs];
}

/** Every ```ts / ```typescript block of one Markdown file, with the line its code starts on. */
export function extractBlocks(markdown, file) {
  const blocks = [];
  const lines = markdown.split('\n');
  let open = null;
  lines.forEach((line, index) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open === null && fence) {
      open = {
        fence: fence[2],
        indent: fence[1].length,
        language: fence[3],
        firstLine: index + 2,
        code: [],
      };
    } else if (open !== null && line.trim() === open.fence) {
      if (open.language === 'ts' || open.language === 'typescript') {
        blocks.push({ file, line: open.firstLine, code: open.code.join('\n') });
      }
      open = null;
    } else if (open !== null) {
      open.code.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  });
  if (open !== null) throw new Error(`${file}:${open.firstLine - 1}: a code block is never closed`);
  return blocks;
}

const isTest = (code) => /^\s*(describe|it|test)\(/m.test(code);
/** A block that imports Node's own modules is test set-up (a Jest setup file), not app code. */
const isTestSetup = (code) => /from 'node:/.test(code);

/** A file name that says where the block comes from: README.md line 40 -> README.md.L40.ts. */
const fileNameOf = (block) =>
  `${block.file.replaceAll('/', '__')}.L${block.line}${isTest(block.code) ? '.spec' : isTestSetup(block.code) ? '.setup' : ''}.ts`;

function createProject() {
  const dir = mkdtempSync(join(tmpdir(), 'ntr-doc-snippets-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '.bin' || name === '.package-lock.json' || name === 'ngx-token-refresh') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  symlinkSync(DIST, join(modules, 'ngx-token-refresh'));
  return dir;
}

function writeTsconfig(dir, name, { include, exclude = [], types }) {
  const workspace = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  // The workspace's options, less its path mapping (packages resolve through node_modules here, as
  // in a user's app) and its output folder (nothing is emitted).
  const compilerOptions = { ...workspace.compilerOptions };
  delete compilerOptions.paths;
  delete compilerOptions.outDir;
  writeFileSync(
    join(dir, name),
    JSON.stringify(
      {
        compilerOptions: { ...compilerOptions, noEmit: true, types, esModuleInterop: true },
        angularCompilerOptions: workspace.angularCompilerOptions,
        include,
        exclude,
      },
      null,
      2,
    ),
  );
}

/** Runs tsc on one tsconfig; returns its diagnostics as { path, line, column, text }. */
function typeCheck(dir, tsconfig) {
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--pretty', 'false'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return [];
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
    const diagnostics = [];
    for (const line of output.split('\n')) {
      const match = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
      if (match) {
        diagnostics.push({ path: match[1], line: +match[2], column: +match[3], text: match[4] });
      } else if (line.trim() && diagnostics.length > 0) {
        diagnostics[diagnostics.length - 1].text += `\n    ${line.trim()}`;
      } else if (line.trim()) {
        diagnostics.push({ path: null, line: 0, column: 0, text: line.trim() });
      }
    }
    return diagnostics;
  }
}

function runTests(dir) {
  writeFileSync(
    join(dir, 'jest.config.cjs'),
    `const { createCjsPreset } = require('jest-preset-angular/presets');
module.exports = {
  ...createCjsPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' }),
  rootDir: __dirname,
  testMatch: ['<rootDir>/snippets/*.spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/setup-jest.ts'],
};
`,
  );
  writeFileSync(
    join(dir, 'setup-jest.ts'),
    `import { setupZonelessTestEnv } from 'jest-preset-angular/setup-env/zoneless';\n\nsetupZonelessTestEnv();\n`,
  );
  mkdirSync(dirname(REPORT), { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/jest/bin/jest.js'),
        '--config',
        join(dir, 'jest.config.cjs'),
        '--ci',
        '--json',
        '--testLocationInResults',
        `--outputFile=${REPORT}`,
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch {
    // Jest exits 1 when a test fails; the report says which, and is read below.
  }
  if (!existsSync(REPORT)) throw new Error('doc snippets: Jest wrote no report');
  return JSON.parse(readFileSync(REPORT, 'utf8'));
}

function main() {
  if (!existsSync(join(DIST, 'package.json'))) {
    console.error('doc snippets: dist/token-refresh is missing; run `npm run build` first');
    process.exit(1);
  }
  const blocks = markdownFiles().flatMap((file) =>
    extractBlocks(readFileSync(join(ROOT, file), 'utf8'), file),
  );
  const dir = createProject();
  const byFileName = new Map();
  try {
    mkdirSync(join(dir, 'snippets'));
    for (const block of blocks) {
      const name = fileNameOf(block);
      byFileName.set(name, block);
      // Blank lines first, so line numbers are the Markdown file's; `export {}` makes every block a
      // module of its own, as a file in an app is, even one without imports.
      writeFileSync(
        join(dir, 'snippets', name),
        `${'\n'.repeat(block.line - 1)}${block.code}\nexport {};\n`,
      );
    }
    writeFileSync(
      join(dir, 'stubbed-modules.d.ts'),
      Object.entries(STUBBED_MODULES)
        .map(([name, body]) => `declare module '${name}' {${body}\n}\n`)
        .join('\n'),
    );
    // App code is checked without Jest's globals, tests with them, as an Angular CLI app does.
    writeTsconfig(dir, 'tsconfig.app.json', {
      include: ['snippets/*.ts', 'stubbed-modules.d.ts'],
      exclude: ['snippets/*.spec.ts', 'snippets/*.setup.ts'],
      types: [],
    });
    writeTsconfig(dir, 'tsconfig.spec.json', {
      include: ['snippets/*.spec.ts', 'snippets/*.setup.ts', 'stubbed-modules.d.ts'],
      types: ['jest', 'node'],
    });

    const tests = blocks.filter((block) => isTest(block.code));
    const hasTestCode = blocks.some((block) => isTest(block.code) || isTestSetup(block.code));
    const failures = [
      ...typeCheck(dir, 'tsconfig.app.json'),
      ...(hasTestCode ? typeCheck(dir, 'tsconfig.spec.json') : []),
    ].map((diagnostic) => {
      const block = diagnostic.path ? byFileName.get(diagnostic.path.split(/[\\/]/).pop()) : null;
      return block
        ? `${block.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.text}`
        : `(no block) ${diagnostic.path ?? ''} ${diagnostic.text}`;
    });

    let report = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, testResults: [] };
    if (tests.length > 0) report = runTests(dir);
    for (const suite of report.testResults) {
      const block = byFileName.get(suite.name.split(/[\\/]/).pop());
      const where = block ? `${block.file}:${block.line}` : relative(dir, suite.name);
      if (suite.status === 'failed' && suite.assertionResults.length === 0) {
        failures.push(`${where}: the test file failed to run:\n${suite.message}`);
      }
      for (const test of suite.assertionResults.filter((result) => result.status === 'failed')) {
        const line = test.location?.line ?? block?.line;
        failures.push(
          `${block?.file ?? where}:${line}: test "${test.fullName}" failed:\n${test.failureMessages.join('\n')}`,
        );
      }
    }
    if (tests.length === 0) writeFileSync(REPORT, JSON.stringify(report));

    // Jest's messages name the generated files; name the Markdown files instead, and drop Jest's
    // own frames, so each failure points at the guide.
    const readable = (text) =>
      text
        .split('\n')
        .filter((line) => !/node_modules[\\/]jest-/.test(line))
        .join('\n')
        .replaceAll(
          /[^\s(]*snippets[\\/]([\w.-]+\.ts)/g,
          (path, name) => byFileName.get(name)?.file ?? path,
        );
    failures.forEach((failure, index) => (failures[index] = readable(failure)));

    const files = new Set(blocks.map((block) => block.file));
    console.log(
      `doc snippets: ${blocks.length} TypeScript blocks in ${files.size} files type-checked against ` +
        `dist/token-refresh; ${tests.length} of them are tests: ${report.numPassedTests} passed, ` +
        `${report.numFailedTests} failed; stubbed third-party modules: ${Object.keys(STUBBED_MODULES).join(', ')}`,
    );
    if (failures.length > 0) {
      console.error(failures.map((failure) => `doc snippets: ${failure}`).join('\n\n'));
      console.error(`doc snippets: FAILED (${failures.length}); the project is kept in ${dir}`);
      process.exitCode = 1;
    }
  } finally {
    if (process.exitCode !== 1) rmSync(dir, { recursive: true, force: true });
  }
}

main();
