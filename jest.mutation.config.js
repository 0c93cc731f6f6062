// The unit tests of src/lib as StrykerJS runs them (`npm run mutation`). Stryker wraps the test
// environment so that it learns which test reaches which mutant. It takes the environment to wrap from
// the top level of the config (Node's when unset) and imposes it on every project, so the top level
// names jsdom, as the projects of jest.config.js do. The schematics' tests are left out: they test no
// code of src/lib.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testEnvironment: 'jsdom',
  // Per mutant, only the spec files that can hold a test reaching it (see the sequencer).
  testSequencer: '<rootDir>/scripts/mutation-test-sequencer.cjs',
  projects: base.projects.map((project) => ({
    ...project,
    // A mutant that leaves a promise or a queue hanging fails its tests after 1 s each (a user would
    // see the hang), instead of costing Stryker's timeout and a restart of the test runner. No unit
    // test waits on real time (fake timers), and none takes 0.2 s uninstrumented; the two property
    // tests, which take about 1 s, set their own timeout.
    testTimeout: 1_000,
    roots: project.roots.filter((root) => !root.endsWith('/schematics')),
  })),
};
