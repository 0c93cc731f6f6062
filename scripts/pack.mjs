// `npm run pack` (part of `npm test`, after `npm run build`): packs dist/token-refresh exactly as
// `npm publish` would, into reports/pack/, and fails unless the tarball is complete and well formed:
// every file a user relies on is in it (a library-only rebuild drops the compiled `ng add` schematic
// and LICENSE), every path package.json points at exists, publint finds nothing at any level, and
// @arethetypeswrong/cli (esm-only profile: Angular packages are ESM) resolves every entry point's types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'reports/pack');
const ATTW = join(
  dirname(createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json')),
  'dist/index.js',
);

/** Files the package must contain, whatever package.json says. */
export const REQUIRED_FILES = [
  'LICENSE',
  'README.md',
  'package.json',
  'fesm2022/ngx-token-refresh.mjs',
  'fesm2022/ngx-token-refresh-testing.mjs',
  'types/ngx-token-refresh.d.ts',
  'types/ngx-token-refresh-testing.d.ts',
  'schematics/collection.json',
  'schematics/package.json',
  'schematics/ng-add/index.js',
  'schematics/ng-add/schema.json',
];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// `./`: npm 11 reads a bare `dist/token-refresh` as a GitHub repository.
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', './dist/token-refresh', '--pack-destination', OUT, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString(),
);
const tarball = join(OUT, packed.filename);
const files = new Set(packed.files.map((file) => file.path));
const failures = [];

for (const path of REQUIRED_FILES) {
  if (!files.has(path)) {
    failures.push(`${path} is missing (build with \`npm run build\`, not \`ng build\`)`);
  }
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'dist/token-refresh/package.json'), 'utf8'));
const collection = JSON.parse(
  readFileSync(join(ROOT, 'dist/token-refresh/schematics/collection.json'), 'utf8'),
);
const referenced = [
  manifest.module,
  manifest.typings,
  manifest.schematics,
  ...Object.values(manifest.exports).flatMap((conditions) => Object.values(conditions)),
  ...Object.values(collection.schematics).flatMap(({ factory, schema }) => [
    `schematics/${factory.split('#')[0]}.js`,
    `schematics/${schema}`,
  ]),
];
for (const path of referenced.map((path) => path.replace(/^\.\//, '').replace(/\/\.\//g, '/'))) {
  if (!files.has(path)) {
    failures.push(`package.json or collection.json points at ${path}, which is not in the tarball`);
  }
}

const { messages, pkg } = await publint({
  pack: { tarball: readFileSync(tarball).buffer },
  level: 'suggestion',
  strict: true,
});
for (const message of messages) {
  failures.push(`publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`);
}

try {
  execFileSync(process.execPath, [ATTW, tarball, '--profile', 'esm-only'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (error) {
  // attw exits non-zero on a problem and prints its table on stdout.
  failures.push(`@arethetypeswrong/cli --profile esm-only:\n${error.stdout ?? error}`);
}

if (failures.length > 0) {
  console.error(`pack: ${tarball} is not publishable:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `pack: ${packed.filename}, ${files.size} files, ${(packed.size / 1024).toFixed(1)} KB; ` +
    'all required files present, publint and attw (esm-only) clean',
);
