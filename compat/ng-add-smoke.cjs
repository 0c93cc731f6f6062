// `ng add ngx-token-refresh` as shipped, on one Angular major: run by compat/run.mjs inside that
// major's app, where the packed library is installed beside the major's own @schematics/angular.
// Generates a standalone and an NgModule app with that major's own generators, runs the packaged
// schematic (found as the CLI finds it, through package.json's "schematics"), and compares each edited
// file with compat/ng-add/<major>/<file>.txt, exactly. UPDATE_COMPAT_GOLDENS=1 rewrites those files.
// Usage: node ng-add-smoke.cjs <golden folder>. Prints one JSON line: { angular, results: [...] }.
const { SchematicTestRunner } = require('@angular-devkit/schematics/testing');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const goldens = process.argv[2];
const version = require('@schematics/angular/package.json').version;
const packageRoot = join(process.cwd(), 'node_modules/ngx-token-refresh');
const collection = join(
  packageRoot,
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).schematics,
);

const APPS = [
  // Both answers to "do the tabs share one session?": yes (the default) adds withCrossTab().
  {
    name: 'standalone app, tabs share a session: app.config.ts',
    standalone: true,
    file: 'app.config.ts',
    crossTab: true,
  },
  {
    name: 'NgModule app, a session per tab: app-module.ts',
    standalone: false,
    file: 'app-module.ts',
    crossTab: false,
  },
];

(async () => {
  const results = [];
  for (const app of APPS) {
    const name = `ng add on ${version}, ${app.name}`;
    try {
      const runner = new SchematicTestRunner('ngx-token-refresh', collection);
      let tree = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
        name: 'workspace',
        newProjectRoot: 'projects',
        version,
      });
      tree = await runner.runExternalSchematic(
        '@schematics/angular',
        'application',
        { name: 'shop', standalone: app.standalone },
        tree,
      );
      tree = await runner.runSchematic(
        'ng-add',
        { refreshUrl: '/api/auth/refresh', crossTab: app.crossTab },
        tree,
      );
      const edited = tree.readContent(`/projects/shop/src/app/${app.file}`);
      const golden = join(goldens, `${app.file}.txt`);
      if (process.env.UPDATE_COMPAT_GOLDENS === '1') {
        mkdirSync(goldens, { recursive: true });
        writeFileSync(golden, edited);
      }
      const expected = existsSync(golden) ? readFileSync(golden, 'utf8') : '(no golden file)';
      results.push(
        edited === expected
          ? { name, passed: true }
          : {
              name,
              passed: false,
              error: `${golden} differs; ng add wrote:\n${edited}`,
            },
      );
    } catch (error) {
      results.push({ name, passed: false, error: String((error && error.stack) || error) });
    }
  }
  console.log(JSON.stringify({ angular: version, results }));
})();
