// StrykerJS mutation testing of the library (`npm run mutation`; CONTRIBUTING shows the scores). It
// plants small bugs in src/lib, one at a time, and checks that a unit test fails for each.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.mutation.config.js',
    enableFindRelatedTests: true,
  },
  // Mutants that do not compile are discarded before any test runs.
  checkers: ['typescript'],
  tsconfigFile: 'projects/token-refresh/tsconfig.spec.json',
  coverageAnalysis: 'perTest',
  mutate: [
    'projects/token-refresh/src/lib/**/*.ts',
    '!projects/token-refresh/src/lib/**/*.spec.ts',
    '!projects/token-refresh/src/lib/spec-helpers.ts',
    // Types only: nothing to mutate.
    '!projects/token-refresh/src/lib/token-refresh-events.ts',
  ],
  plugins: ['@stryker-mutator/*', './scripts/stryker-dev-messages.mjs'],
  ignorers: ['dev-mode-messages'],
  // Only what the unit tests and the type check need goes into Stryker's sandbox.
  ignorePatterns: [
    '/bench',
    '/compat',
    '/docs',
    '/e2e',
    '/projects/demo-app',
    '/projects/demo-server',
    '/dist',
    '/out-tsc',
    '/.angular',
    '/.demo-data',
    '/coverage',
  ],
  // Static mutants (module-level constants) are reached by every test of every file that imports them:
  // each costs a run of the whole suite with a fresh module registry. They are listed as ignored.
  ignoreStatic: true,
  // Two type-checker processes and one test runner while mutants are type-checked, then three test
  // runners: on 2 cores, a third runner uses the time the others spend waiting on Jest's start-up.
  concurrency: 3,
  // Room for a few tests that each fail on Jest's 1 s timeout (a queue left hanging) within one mutant
  // run, before Stryker calls it a timeout and restarts the test runner (slow).
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: 85 },
};
