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

  it("adds the interceptor and provideTokenRefresh with withCrossTab() to a standalone app's app.config.ts, laid out by hand", async () => {
    const tree = await runner.runSchematic(
      'ng-add',
      { refreshUrl: '/api/session/refresh' },
      await workspaceWithApp(true),
    );

    expect(tree.readContent('/projects/shop/src/app/app.config.ts')).toBe(
      lines(
        "import { provideHttpClient, withInterceptors } from '@angular/common/http';",
        "import { ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';",
        "import { provideRouter } from '@angular/router';",
        "import { provideTokenRefresh, tokenRefreshInterceptor, withCrossTab } from 'ngx-token-refresh';",
        "import { routes } from './app.routes';",
        '',
        'export const appConfig: ApplicationConfig = {',
        '  providers: [',
        '    provideBrowserGlobalErrorListeners(),',
        '    provideRouter(routes),',
        '    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),',
        "    provideTokenRefresh({ refreshUrl: '/api/session/refresh' }, withCrossTab())",
        '  ]',
        '};',
      ),
    );
  });

  it('adds the providers to the root NgModule of a module-based app, one per line, without withCrossTab() for a session per tab', async () => {
    const tree = await runner.runSchematic(
      'ng-add',
      { refreshUrl: '/api/auth/refresh', crossTab: false },
      await workspaceWithApp(false),
    );

    expect(tree.readContent('/projects/shop/src/app/app-module.ts')).toBe(
      lines(
        "import { provideHttpClient, withInterceptors } from '@angular/common/http';",
        "import { NgModule, provideBrowserGlobalErrorListeners } from '@angular/core';",
        "import { BrowserModule } from '@angular/platform-browser';",
        "import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';",
        "import { AppRoutingModule } from './app-routing-module';",
        "import { App } from './app';",
        '',
        '@NgModule({',
        '  declarations: [',
        '    App',
        '  ],',
        '  imports: [',
        '    BrowserModule,',
        '    AppRoutingModule',
        '  ],',
        '  providers: [',
        '    provideBrowserGlobalErrorListeners(),',
        '    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),',
        "    provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),",
        '  ],',
        '  bootstrap: [App]',
        '})',
        'export class AppModule { }',
      ),
    );
  });

  it('puts the interceptor first in an existing provideHttpClient call and merges the imports', async () => {
    const app = await workspaceWithApp(true);
    const path = '/projects/shop/src/app/app.config.ts';
    app.overwrite(
      path,
      lines(
        "import { provideHttpClient, withFetch } from '@angular/common/http';",
        "import { ApplicationConfig } from '@angular/core';",
        '',
        'export const appConfig: ApplicationConfig = {',
        '  providers: [provideHttpClient(withFetch())],',
        '};',
      ),
    );

    const tree = await runner.runSchematic('ng-add', { crossTab: false }, app);

    expect(tree.readContent(path)).toBe(
      lines(
        "import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';",
        "import { ApplicationConfig } from '@angular/core';",
        "import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';",
        '',
        'export const appConfig: ApplicationConfig = {',
        '  providers: [',
        '    provideHttpClient(withInterceptors([tokenRefreshInterceptor]), withFetch()),',
        "    provideTokenRefresh({ refreshUrl: '/api/auth/refresh' })",
        '  ],',
        '};',
      ),
    );
  });

  it('adds the interceptor as a line of its own to a withInterceptors list written one per line', async () => {
    const app = await workspaceWithApp(true);
    const path = '/projects/shop/src/app/app.config.ts';
    app.overwrite(
      path,
      lines(
        'import { ApplicationConfig } from "@angular/core";',
        'import { provideHttpClient, withInterceptors } from "@angular/common/http";',
        'import { authInterceptor } from "./auth.interceptor";',
        '',
        'export const appConfig: ApplicationConfig = {',
        '  providers: [',
        '    provideHttpClient(',
        '      withInterceptors([',
        '        authInterceptor,',
        '      ]),',
        '    ),',
        '  ],',
        '};',
      ),
    );

    const tree = await runner.runSchematic('ng-add', { crossTab: false }, app);

    expect(tree.readContent(path)).toBe(
      lines(
        'import { ApplicationConfig } from "@angular/core";',
        'import { provideHttpClient, withInterceptors } from "@angular/common/http";',
        'import { provideTokenRefresh, tokenRefreshInterceptor } from "ngx-token-refresh";',
        'import { authInterceptor } from "./auth.interceptor";',
        '',
        'export const appConfig: ApplicationConfig = {',
        '  providers: [',
        '    provideHttpClient(',
        '      withInterceptors([',
        '        tokenRefreshInterceptor,',
        '        authInterceptor,',
        '      ]),',
        '    ),',
        "    provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),",
        '  ],',
        '};',
      ),
    );
  });

  it('adds a providers list to bootstrapApplication in main.ts when the app has no app.config.ts', async () => {
    const app = await workspaceWithApp(true);
    app.delete('/projects/shop/src/app/app.config.ts');
    app.overwrite(
      '/projects/shop/src/main.ts',
      lines(
        "import { bootstrapApplication } from '@angular/platform-browser';",
        "import { App } from './app/app';",
        '',
        'bootstrapApplication(App).catch((err) => console.error(err));',
      ),
    );

    const tree = await runner.runSchematic('ng-add', { crossTab: false }, app);

    expect(tree.readContent('/projects/shop/src/main.ts')).toBe(
      lines(
        "import { provideHttpClient, withInterceptors } from '@angular/common/http';",
        "import { bootstrapApplication } from '@angular/platform-browser';",
        "import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';",
        "import { App } from './app/app';",
        '',
        'bootstrapApplication(App, {',
        '  providers: [',
        '    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),',
        "    provideTokenRefresh({ refreshUrl: '/api/auth/refresh' })",
        '  ]',
        '}).catch((err) => console.error(err));',
      ),
    );
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

function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}
