// Prints one line, "tests: N passed, N failed[, N skipped]", summed over the JSON reports that the
// test runs wrote to reports/. Exits 1 when no report exists, so a run that executed nothing shows.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'reports';
const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of files) {
  const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(
  `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exit(files.length === 0 || passed === 0 ? 1 : 0);
