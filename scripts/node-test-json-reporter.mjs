// A reporter for Node's test runner that writes the counts in the shape of Jest's --json report
// (numPassedTests, numFailedTests, numPendingTests, numTodoTests), so that
// scripts/report-test-counts.mjs sums the demo server's tests with Jest's. Suites are not counted;
// a suite whose hook fails, or a file that fails to load, counts as one failed test.
export default async function* jsonReport(source) {
  const counts = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0 };
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite' && event.type === 'test:pass') continue;
    if (data.todo !== undefined && data.todo !== false) counts.numTodoTests++;
    else if (data.skip !== undefined && data.skip !== false) counts.numPendingTests++;
    else if (event.type === 'test:pass') counts.numPassedTests++;
    else if (
      data.details?.type !== 'suite' ||
      data.details.error?.failureType !== 'subtestsFailed' // a hook or the file itself failed
    ) {
      counts.numFailedTests++;
      failures.push({ name: data.name, file: data.file });
    }
  }
  counts.numTotalTests = counts.numPassedTests + counts.numFailedTests + counts.numPendingTests;
  counts.success = counts.numFailedTests === 0;
  yield `${JSON.stringify({ ...counts, failures }, null, 2)}\n`;
}
