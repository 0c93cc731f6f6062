// `ng add ngx-token-refresh` as shipped: runs the compiled schematic of the built package
// (dist/token-refresh) on a freshly generated standalone app. Prints one JSON line of results.
const { SchematicTestRunner } = require('@angular-devkit/schematics/testing');
const { join } = require('node:path');

const collection = join(__dirname, '../dist/token-refresh/schematics/collection.json');

(async () => {
  const results = [];
  try {
    const runner = new SchematicTestRunner('ngx-token-refresh', collection);
    let tree = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
      name: 'workspace',
      newProjectRoot: 'projects',
      version: '22.0.0',
    });
    tree = await runner.runExternalSchematic(
      '@schematics/angular',
      'application',
      { name: 'shop', standalone: true },
      tree,
    );
    tree = await runner.runSchematic('ng-add', { refreshUrl: '/api/auth/refresh' }, tree);
    const config = tree.readContent('/projects/shop/src/app/app.config.ts');
    const ok =
      config.includes('provideHttpClient(withInterceptors([tokenRefreshInterceptor]))') &&
      config.includes("provideTokenRefresh({ refreshUrl: '/api/auth/refresh' })");
    results.push(
      ok
        ? { name: 'ng add: the packaged schematic wires a new app', passed: true }
        : { name: 'ng add: the packaged schematic wires a new app', passed: false, error: config },
    );
  } catch (error) {
    results.push({
      name: 'ng add: the packaged schematic runs',
      passed: false,
      error: String((error && error.stack) || error),
    });
  }
  console.log(JSON.stringify({ angular: 'workspace', results }));
})();
