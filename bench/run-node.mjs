// Runs measurements 1 to 5 in this process (started with --expose-gc) and prints their results as
// JSON on the last line, for run.mjs. `--quick` makes every measurement smaller.
import '@angular/compiler';

import {
  bursts,
  dpopHappyPath,
  happyPath,
  memory,
  releaseScaling,
  untouchedRequests,
} from './measurements.mjs';

const quick = process.argv.includes('--quick');
const log = (message) => process.stderr.write(`${message}\n`);

log('1/5 happy path');
const perRequest = happyPath(quick ? { requests: 20_000, rounds: 4 } : {});
log('2/5 skipped and foreign-origin requests');
const untouched = untouchedRequests(quick ? { requests: 20_000, rounds: 4 } : {});
log('3/5 bursts');
const burstRows = await bursts(quick ? { sizes: [1, 10, 100] } : {});
log('4/5 release scaling');
const release = releaseScaling(quick ? { sizes: [1_000, 10_000], rounds: 3 } : {});
log('5/5 memory');
const heap = await memory();
log('5b DPoP happy path');
const dpop = await dpopHappyPath(quick ? { requests: 4_000, rounds: 4 } : {});

console.log(
  JSON.stringify({ perRequest, untouched, bursts: burstRows, release, memory: heap, dpop }),
);
