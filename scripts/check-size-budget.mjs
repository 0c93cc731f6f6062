// The size budget of `npm test`: builds a minimal production app with and without the default
// wiring of ngx-token-refresh (bench/bundle.mjs) and fails when what the page loads before the app
// starts grows by more than BUDGET_GZIP_BYTES, or when a part the app does not use is bundled.
import { BUDGET_GZIP_BYTES, measureBundles, OPTIONAL_PARTS } from '../bench/bundle.mjs';

const { rows, optionalParts } = measureBundles(['ngx-token-refresh'], { withRaw: false });
const ours = rows['ngx-token-refresh'];
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const failures = [];
if (ours.gzipDelta > BUDGET_GZIP_BYTES) {
  failures.push(
    `the default wiring adds ${kb(ours.gzipDelta)} gzip, over the ${kb(BUDGET_GZIP_BYTES)} budget`,
  );
}
for (const [part, { isUsed }] of Object.entries(OPTIONAL_PARTS)) {
  if (!isUsed && optionalParts[part]) {
    failures.push(`${part} is in the bundle of an app that does not use it`);
  }
}
console.log(
  `size budget: default wiring +${kb(ours.gzipDelta)} gzip (+${kb(ours.minifiedDelta)} minified) ` +
    `over a bare HttpClient app; budget ${kb(BUDGET_GZIP_BYTES)}`,
);
if (failures.length > 0) {
  console.error(`size budget: FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
