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
  projects: base.projects.map((project) => ({
    ...project,
    // A mutant that leaves a promise or a queue hanging fails its test after 2 s (a user would see
    // the hang), instead of costing Stryker's whole-run timeout and a restart of the test runner. No
    // unit test waits on real time: they use fake timers, so 2 s is far above any of them.
    testTimeout: 2_000,
    roots: project.roots.filter((root) => !root.endsWith('/schematics')),
  })),
};
