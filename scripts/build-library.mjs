// `npm run build`: the one way to build the publishable package in dist/token-refresh. ng-packagr
// empties the folder on every build, so the parts it does not make are added after it, every time:
// the compiled `ng add` schematic and the repository's LICENSE (ng-packagr only copies assets from
// inside projects/token-refresh). Every script that needs the library runs this rather than
// `ng build token-refresh`; `npm run pack` checks that nothing is missing from the tarball.
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist/token-refresh');
const require = createRequire(import.meta.url);

const run = (bin, args) =>
  execFileSync(process.execPath, [require.resolve(bin), ...args], { cwd: ROOT, stdio: 'inherit' });

run('@angular/cli/bin/ng.js', ['build', 'token-refresh']);
run('typescript/bin/tsc', ['-p', 'projects/token-refresh/schematics/tsconfig.json']);
copyFileSync(join(ROOT, 'LICENSE'), join(DIST, 'LICENSE'));
