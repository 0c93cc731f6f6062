/**
 * @jest-environment node
 */
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';

// The test runner loads the package-manager task, which imports the ESM-only spinner `ora`; Jest's
// CommonJS loader cannot require it, and no test here installs packages.
jest.mock('ora', () => ({
  __esModule: true,
  default: () => ({ start: () => ({}), stop: () => ({}) }),
}));

const COLLECTION = join(__dirname, '../collection.json');

describe('ng add ngx-token-refresh', () => {
  const runner = new SchematicTestRunner('ngx-token-refresh', COLLECTION);

  async function workspaceWithApp(standalone: boolean): Promise<UnitTestTree> {
    const workspace = await runner.runExternalSchematic('@schematics/angular', 'workspace', {
      name: 'workspace',
      newProjectRoot: 'projects',
      version: '22.0.0',
    });
    return runner.runExternalSchematic(
      '@schematics/angular',
      'application',
      { name: 'shop', standalone },
      workspace,
    );
  }

  it("adds the interceptor and provideTokenRefresh to a standalone app's app.config.ts", async () => {
    const tree = await runner.runSchematic(
      'ng-add',
      { refreshUrl: '/api/session/refresh' },
      await workspaceWithApp(true),
    );

    const config = tree.readContent('/projects/shop/src/app/app.config.ts');
    expect(config).toContain('provideHttpClient(withInterceptors([tokenRefreshInterceptor]))');
    expect(config).toContain("provideTokenRefresh({ refreshUrl: '/api/session/refresh' })");
    expect(config).toContain(
      "import { provideHttpClient, withInterceptors } from '@angular/common/http';",
    );
    expect(config).toContain(
      "import { tokenRefreshInterceptor, provideTokenRefresh } from 'ngx-token-refresh';",
    );
  });

  it('adds the providers to the root NgModule of a module-based app', async () => {
    const tree = await runner.runSchematic(
      'ng-add',
      { refreshUrl: '/api/auth/refresh' },
      await workspaceWithApp(false),
    );

    const module = tree.files.find((path) =>
      /\/projects\/shop\/src\/app\/app[.-]module\.ts$/.test(path),
    );
    const text = tree.readContent(module ?? '');
    expect(text).toContain('provideHttpClient(withInterceptors([tokenRefreshInterceptor]))');
    expect(text).toContain("provideTokenRefresh({ refreshUrl: '/api/auth/refresh' })");
  });

  it('adds the interceptor to an existing provideHttpClient call instead of adding a second one', async () => {
    const app = await workspaceWithApp(true);
    const path = '/projects/shop/src/app/app.config.ts';
    app.overwrite(
      path,
      app
        .readContent(path)
        .replace(
          "import { provideRouter } from '@angular/router';",
          "import { provideRouter } from '@angular/router';\nimport { provideHttpClient, withFetch } from '@angular/common/http';",
        )
        .replace('provideRouter(routes)', 'provideRouter(routes), provideHttpClient(withFetch())'),
    );

    const tree = await runner.runSchematic('ng-add', {}, app);

    const config = tree.readContent(path);
    expect(config.match(/provideHttpClient\(/g)).toHaveLength(1);
    expect(config).toContain(
      'provideHttpClient(withInterceptors([tokenRefreshInterceptor]), withFetch())',
    );
    expect(config).toContain(
      "import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';",
    );
    expect(config).toContain("provideTokenRefresh({ refreshUrl: '/api/auth/refresh' })");
  });

  it('changes nothing when run a second time', async () => {
    const once = await runner.runSchematic('ng-add', {}, await workspaceWithApp(true));
    const before = once.readContent('/projects/shop/src/app/app.config.ts');

    const twice = await runner.runSchematic('ng-add', {}, once);

    expect(twice.readContent('/projects/shop/src/app/app.config.ts')).toBe(before);
  });

  it('rejects an empty refresh URL with an error naming the option', async () => {
    await expect(
      runner.runSchematic('ng-add', { refreshUrl: ' ' }, await workspaceWithApp(true)),
    ).rejects.toThrow('ngx-token-refresh: "refreshUrl" must be a non-empty URL.');
  });
});
