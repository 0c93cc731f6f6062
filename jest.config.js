// Jest runs the library's unit tests in jsdom through jest-preset-angular: most of them zoneless (as
// Angular 22 apps are by default), and the *.zone.spec.ts files in a zone.js environment.
const { createCjsPreset } = require('jest-preset-angular/presets');

const preset = createCjsPreset({ tsconfig: '<rootDir>/projects/token-refresh/tsconfig.spec.json' });
const shared = {
  ...preset,
  roots: [
    '<rootDir>/projects/token-refresh/src',
    '<rootDir>/projects/token-refresh/testing',
    '<rootDir>/projects/token-refresh/schematics',
  ],
  moduleNameMapper: {
    '^ngx-token-refresh$': '<rootDir>/projects/token-refresh/src/public-api.ts',
    '^ngx-token-refresh/testing$': '<rootDir>/projects/token-refresh/testing/src/public-api.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'zoneless',
      setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.zone\\.spec\\.ts$'],
    },
    {
      ...shared,
      displayName: 'zone.js',
      setupFilesAfterEnv: ['<rootDir>/jest.setup-zone.ts'],
      testMatch: ['**/*.zone.spec.ts'],
    },
  ],
};
