// Jest runs the library's unit tests in jsdom, zoneless, through jest-preset-angular.
const { createCjsPreset } = require('jest-preset-angular/presets');

/** @type {import('jest').Config} */
module.exports = {
  ...createCjsPreset({
    tsconfig: '<rootDir>/projects/token-refresh/tsconfig.spec.json',
  }),
  setupFilesAfterEnv: ['<rootDir>/jest.setup.ts'],
  roots: ['<rootDir>/projects/token-refresh/src'],
  testMatch: ['**/*.spec.ts'],
  moduleNameMapper: {
    '^ngx-token-refresh$': '<rootDir>/projects/token-refresh/src/public-api.ts',
  },
};
