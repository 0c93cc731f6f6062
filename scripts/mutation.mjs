// `npm run mutation`: StrykerJS over projects/token-refresh/src/lib, incremental from the committed
// baseline, so that a run retests only the mutants that a change of source or tests can affect.
//
//   npm run mutation                     incremental run (starts from mutation-baseline.json.gz on a
//                                        fresh clone); any other argument goes to `stryker run`
//   npm run mutation -- --force          full run: every mutant is tested again
//   npm run mutation:save-baseline       after a run: stores its results as the new baseline, to commit
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const BASELINE = 'mutation-baseline.json.gz';
/** Where Stryker reads and writes its incremental results (`incrementalFile` in stryker.config.mjs). */
const INCREMENTAL = 'reports/mutation/stryker-incremental.json';

const args = process.argv.slice(2);

if (args[0] === '--save-baseline') {
  if (!existsSync(INCREMENTAL)) {
    console.error(`mutation: ${INCREMENTAL} is missing; run \`npm run mutation\` first.`);
    process.exit(1);
  }
  writeFileSync(BASELINE, gzipSync(readFileSync(INCREMENTAL), { level: 9 }));
  console.log(`mutation: ${BASELINE} now holds the results of the last run.`);
  process.exit(0);
}

if (!existsSync(INCREMENTAL) && existsSync(BASELINE)) {
  mkdirSync(dirname(INCREMENTAL), { recursive: true });
  writeFileSync(INCREMENTAL, gunzipSync(readFileSync(BASELINE)));
  console.log(`mutation: starting from the committed baseline (${BASELINE}).`);
}

const stryker = spawnSync('stryker', ['run', ...args], { stdio: 'inherit', shell: false });
if (stryker.error) {
  console.error(`mutation: could not start stryker: ${stryker.error.message}`);
  process.exit(1);
}
process.exit(stryker.status ?? 1);
