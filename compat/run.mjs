// Compatibility matrix: packs the built library (npm pack ./dist/token-refresh), installs the tarball into
// a minimal app of each Angular major that peerDependencies claims, from the registry, and runs
// compat/smoke.mjs there. Writes reports/compat.json in Jest's count format, so CI counts these tests.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One app per entry, each with an exact, complete set of Angular packages, so every run installs the
 * same thing. `cli` is the major's @schematics/angular (with @angular-devkit/schematics and the
 * TypeScript it supports), for running `ng add` as shipped there. The server-rendering app uses
 * 22.2.0: the newest @angular/platform-server this project's registry has, and Angular's packages
 * must share one version.
 */
export const MATRIX = {
  'angular-20': { angular: '20.3.35', cli: '20.3.43', typescript: '5.9.3', smoke: 'smoke.mjs' },
  'angular-21': { angular: '21.2.26', cli: '21.2.28', typescript: '5.9.3', smoke: 'smoke.mjs' },
  'angular-22': { angular: '22.2.6', cli: '22.2.7', typescript: '6.0.3', smoke: 'smoke.mjs' },
  'angular-22-ssr': {
    angular: '22.2.0',
    extra: ['platform-browser', 'platform-server'],
    smoke: 'ssr-smoke.mjs',
  },
};

const work = mkdtempSync(join(tmpdir(), 'ntr-compat-'));
const npm = (args, cwd) =>
  execFileSync('npm', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  }).toString();

npm(['pack', join(ROOT, 'dist/token-refresh'), '--pack-destination', work, '--silent'], ROOT);
const tarball = join(
  work,
  readdirSync(work).find((name) => name.endsWith('.tgz')),
);

/** Runs `script` in `app`; its last output line is `{ angular, results }`. */
function runSmoke(app, script, args) {
  try {
    const output = execFileSync(process.execPath, [script, ...args], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    return JSON.parse(output.toString().trim().split('\n').pop());
  } catch (error) {
    return {
      angular: 'unknown',
      results: [{ name: `${script} ran`, passed: false, error: String(error.stderr ?? error) }],
    };
  }
}

const report = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, majors: {} };
for (const [major, versions] of Object.entries(MATRIX)) {
  const app = join(work, major);
  mkdirSync(app);
  const extra = Object.fromEntries(
    (versions.extra ?? []).map((name) => [`@angular/${name}`, versions.angular]),
  );
  const schematics = versions.cli
    ? {
        '@angular-devkit/schematics': versions.cli,
        '@schematics/angular': versions.cli,
        typescript: versions.typescript,
      }
    : {};
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: `ngx-token-refresh-compat-${major}`,
        private: true,
        type: 'module',
        dependencies: {
          '@angular/common': versions.angular,
          '@angular/compiler': versions.angular,
          '@angular/core': versions.angular,
          ...extra,
          ...schematics,
          'ngx-token-refresh': `file:${tarball}`,
          rxjs: '7.8.2',
          tslib: '2.8.1',
        },
      },
      null,
      2,
    ),
  );
  process.stderr.write(`${major} (${versions.angular}): installing...\n`);
  npm(['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], app);
  copyFileSync(join(ROOT, 'compat', versions.smoke), join(app, versions.smoke));
  const outcomes = [runSmoke(app, versions.smoke, [])];
  if (versions.cli) {
    // `ng add` as shipped, with this major's own generators and schematics utilities.
    copyFileSync(join(ROOT, 'compat/ng-add-smoke.cjs'), join(app, 'ng-add-smoke.cjs'));
    outcomes.push(runSmoke(app, 'ng-add-smoke.cjs', [join(ROOT, 'compat/ng-add', major)]));
  }
  report.majors[major] = {
    angular: outcomes[0].angular,
    results: outcomes.flatMap((outcome) => outcome.results),
  };
  for (const result of report.majors[major].results) {
    result.passed ? report.numPassedTests++ : report.numFailedTests++;
    process.stderr.write(
      `  ${result.passed ? 'ok  ' : 'FAIL'} ${result.name}${result.passed ? '' : `\n${result.error}`}\n`,
    );
  }
}

mkdirSync(join(ROOT, 'reports'), { recursive: true });
writeFileSync(join(ROOT, 'reports/compat.json'), `${JSON.stringify(report, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
console.log(`compat: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
process.exit(report.numFailedTests === 0 ? 0 : 1);
