// @ts-check
// ESLint for the whole workspace: typescript-eslint's strict, type-checked rules and angular-eslint's
// on all TypeScript; the recommended JavaScript rules on the Node scripts. `npm run lint` runs it with
// --max-warnings 0, and so does `npm test`.
import eslint from '@eslint/js';
import angular from 'angular-eslint';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'out-tsc/',
      'reports/',
      '.angular/',
      'bench/.bundle-apps/',
      '.demo-data/',
      '.stryker-tmp/',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [
      eslint.configs.recommended,
      ...tseslint.configs.strictTypeChecked,
      ...tseslint.configs.stylisticTypeChecked,
      ...angular.configs.tsRecommended,
    ],
    languageOptions: {
      parserOptions: {
        project: [
          './projects/token-refresh/tsconfig.spec.json',
          './projects/demo-app/tsconfig.app.json',
          './projects/demo-server/tsconfig.json',
          './e2e/tsconfig.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    processor: angular.processInlineTemplates,
    rules: {
      // `() => expr` that returns void is a common, readable callback (Angular's own code uses it).
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Status codes and counts in messages are numbers by nature.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Angular components, modules and directives may be empty classes; their decorator is the point.
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      // Angular's DI tokens are abstract classes implemented structurally by design (TokenStore,
      // EnvironmentInjector as Injector); this rule's nominal check contradicts that pattern.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@angular-eslint/component-selector': [
        'error',
        { type: 'element', prefix: ['app', 'ntr'], style: 'kebab-case' },
      ],
      '@angular-eslint/directive-selector': [
        'error',
        { type: 'attribute', prefix: ['app', 'ntr'], style: 'camelCase' },
      ],
    },
  },
  {
    // node:test's describe() and it() return promises that the runner itself awaits.
    files: ['projects/demo-server/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it'], package: 'node:test' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    extends: [eslint.configs.recommended],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        btoa: 'readonly',
        atob: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'readonly',
        globalThis: 'readonly',
        document: 'readonly',
        localStorage: 'readonly',
      },
    },
  },
);
