// Measurement 6: the cost of each variant in a minimal production Angular app, built with
// @angular/build. Generates one app per variant under bench/.bundle-apps/ (not committed), builds
// it, and measures its main bundle. Also used by scripts/check-size-budget.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const APPS = join(ROOT, 'bench/.bundle-apps');

/** The providers of each variant's app, as TypeScript source. */
const APP_SOURCES = {
  bare: { imports: '', providers: 'provideHttpClient()' },
  'naive-attach': {
    imports: `import { HttpInterceptorFn } from '@angular/common/http';`,
    providers: `provideHttpClient(withInterceptors([naiveAttach]))`,
    code: `
const naiveAttach: HttpInterceptorFn = (request, next) => {
  const token = localStorage.getItem('access');
  return next(token ? request.clone({ setHeaders: { Authorization: \`Bearer \${token}\` } }) : request);
};`,
  },
  'naive-retry': {
    imports: `import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { catchError, switchMap, throwError } from 'rxjs';`,
    providers: `provideHttpClient(withInterceptors([naiveRetry]))`,
    code: `
const withBearer = (request: any, token: string | null) =>
  token ? request.clone({ setHeaders: { Authorization: \`Bearer \${token}\` } }) : request;
const naiveRetry: HttpInterceptorFn = (request, next) => {
  if (request.url.endsWith('/refresh')) return next(request);
  const http = inject(HttpClient);
  return next(withBearer(request, localStorage.getItem('access'))).pipe(
    catchError((error) =>
      error instanceof HttpErrorResponse && error.status === 401
        ? http.post<{ accessToken: string }>('/api/auth/refresh', { refreshToken: localStorage.getItem('refresh') }).pipe(
            switchMap(({ accessToken }) => {
              localStorage.setItem('access', accessToken);
              return next(withBearer(request, accessToken));
            }),
          )
        : throwError(() => error),
    ),
  );
};`,
  },
  'naive-queue': {
    imports: `import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { catchError, Observable, switchMap, throwError } from 'rxjs';`,
    providers: `provideHttpClient(withInterceptors([naiveQueue]))`,
    code: `
let isRefreshing = false;
let pending: Array<(token: string | null, error?: unknown) => void> = [];
const withBearer = (request: any, token: string | null) =>
  token ? request.clone({ setHeaders: { Authorization: \`Bearer \${token}\` } }) : request;
const naiveQueue: HttpInterceptorFn = (request, next) => {
  if (request.url.endsWith('/refresh')) return next(request);
  const http = inject(HttpClient);
  return next(withBearer(request, localStorage.getItem('access'))).pipe(
    catchError((error) => {
      if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
      const waiter = new Observable<string>((subscriber) => {
        pending.push((token, failure) => (failure ? subscriber.error(failure) : (subscriber.next(token!), subscriber.complete())));
      });
      if (!isRefreshing) {
        isRefreshing = true;
        http.post<{ accessToken: string }>('/api/auth/refresh', { refreshToken: localStorage.getItem('refresh') }).subscribe({
          next: ({ accessToken }) => { localStorage.setItem('access', accessToken); const all = pending; pending = []; isRefreshing = false; all.forEach((w) => w(accessToken)); },
          error: (failure) => { const all = pending; pending = []; isRefreshing = false; all.forEach((w) => w(null, failure)); },
        });
      }
      return waiter.pipe(switchMap((token) => next(withBearer(request, token))));
    }),
  );
};`,
  },
  '@auth0/angular-jwt': {
    imports: `import { importProvidersFrom } from '@angular/core';
import { withInterceptorsFromDi } from '@angular/common/http';
import { JwtModule } from '@auth0/angular-jwt';`,
    providers: `provideHttpClient(withInterceptorsFromDi()),
    importProvidersFrom(JwtModule.forRoot({ config: { tokenGetter: () => localStorage.getItem('access'), allowedDomains: ['localhost'] } }))`,
  },
  'angular-auth-oidc-client': {
    imports: `import { authInterceptor, provideAuth } from 'angular-auth-oidc-client';`,
    providers: `provideHttpClient(withInterceptors([authInterceptor()])),
    provideAuth({ config: { authority: 'https://auth.example.com', clientId: 'my-spa', redirectUrl: window.location.origin, responseType: 'code', scope: 'openid offline_access', useRefreshToken: true, silentRenew: true, secureRoutes: ['/api/'] } })`,
  },
  'ngx-auth': {
    imports: `import { importProvidersFrom } from '@angular/core';
import { withInterceptorsFromDi } from '@angular/common/http';
import { AUTH_SERVICE, AuthModule } from 'ngx-auth';
import { map, of } from 'rxjs';`,
    providers: `provideHttpClient(withInterceptorsFromDi()),
    importProvidersFrom(AuthModule),
    { provide: AUTH_SERVICE, useFactory: () => {
      const http = inject(HttpClient);
      return {
        isAuthorized: () => of(!!localStorage.getItem('access')),
        getAccessToken: () => of(localStorage.getItem('access')),
        refreshToken: () => http.post<{ accessToken: string }>('/api/auth/refresh', {}).pipe(map((a) => localStorage.setItem('access', a.accessToken))),
        refreshShouldHappen: (response: { status: number }) => response.status === 401,
        verifyRefreshToken: (request: { url: string }) => request.url.endsWith('/refresh'),
      };
    } }`,
  },
  'ngx-token-refresh': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] })`,
  },
  'ngx-token-refresh + withCrossTab()': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor, withCrossTab } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }, withCrossTab())`,
  },
  'ngx-token-refresh + withStepUp()': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor, withStepUp } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }, withStepUp(() => null))`,
  },
  'ngx-token-refresh + withOfflineHold()': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor, withOfflineHold } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }, withOfflineHold())`,
  },
  'ngx-token-refresh + withResumeRefresh()': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor, withResumeRefresh } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }, withResumeRefresh())`,
  },
  'ngx-token-refresh + withDpop()': {
    imports: `import { provideTokenRefresh, tokenRefreshInterceptor, withDpop } from 'ngx-token-refresh';`,
    providers: `provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }, withDpop())`,
  },
};

/**
 * The size budget of `npm test` (scripts/check-size-budget.mjs) for the default wiring's gzip delta
 * over a bare HttpClient app.
 */
// The guard on today's figure, so that growth is a decision: 5.09 KB after withCrossTab() became
// opt-in and configuration checks development-only, plus reading the server's WWW-Authenticate
// challenge in the core (parser and decision, about 0.45 KB), the offline code and state (about
// 0.12 KB), the request-authorizer extension point of withDpop() (about 0.12 KB), a failed clear()
// hiding its tokens and the fixes of the adversarial review (6.00 KB measured at the end). The 4 KB
// target of the tabs issue is not met; docs/performance.md has the figures.
export const BUDGET_GZIP_BYTES = 6.25 * 1024;

/**
 * The optional parts of ngx-token-refresh, each with a string only its code contains (to tell whether
 * the app's bundle holds it) and whether the default wiring uses it. A part it does not use must be
 * tree-shaken: scripts/check-size-budget.mjs fails otherwise.
 */
export const OPTIONAL_PARTS = {
  'WebStorageTokenStore (unused)': { marker: 'ngx-token-refresh.access', isUsed: false },
  'oauth2RefreshGrant (unused)': { marker: 'grant_type', isUsed: false },
  'withCrossTab() (unused)': { marker: 'last-refresh', isUsed: false },
  'withStepUp() (unused)': { marker: 'insufficient_user_authentication', isUsed: false },
  'withOfflineHold() (unused)': { marker: 'offline-hold', isUsed: false },
  'withResumeRefresh() (unused)': { marker: 'pageshow', isUsed: false },
  'withDpop() (unused)': { marker: 'dpop+jwt', isUsed: false },
};

function appSource({ imports, providers, code = '' }) {
  return `import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { Component, inject, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
${imports}
${code}

@Component({ selector: 'app-root', template: '<p>{{ data() }}</p>' })
class App {
  protected readonly data = signal('');
  constructor() {
    inject(HttpClient).get<{ name: string }>('/api/profile').subscribe((profile) => this.data.set(profile.name));
  }
}

bootstrapApplication(App, {
  providers: [
    provideZonelessChangeDetection(),
    ${providers},
  ],
}).catch((error) => console.error(error));
`;
}

function generateWorkspace(variants) {
  rmSync(APPS, { recursive: true, force: true });
  const projects = {};
  for (const variant of variants) {
    const dir = join(APPS, 'src', slug(variant));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.ts'), appSource(APP_SOURCES[variant]));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><html><body><app-root></app-root></body></html>',
    );
    projects[slug(variant)] = {
      projectType: 'application',
      root: '',
      sourceRoot: `src/${slug(variant)}`,
      architect: {
        build: {
          builder: '@angular/build:application',
          options: {
            outputPath: `dist/${slug(variant)}`,
            browser: `src/${slug(variant)}/main.ts`,
            index: `src/${slug(variant)}/index.html`,
            tsConfig: 'tsconfig.json',
            outputHashing: 'none',
            optimization: true,
            extractLicenses: false,
            budgets: [],
          },
          configurations: {
            raw: { optimization: false, outputPath: `dist-raw/${slug(variant)}` },
            // Optimized as the default build, with source maps through to the library's and
            // RxJS's own sources, for the breakdown by source file.
            mapped: {
              sourceMap: { scripts: true, vendor: true },
              outputPath: `dist-mapped/${slug(variant)}`,
            },
          },
        },
      },
    };
  }
  writeFileSync(
    join(APPS, 'angular.json'),
    JSON.stringify(
      { version: 1, cli: { analytics: false }, newProjectRoot: 'src', projects },
      null,
      2,
    ),
  );
  writeFileSync(
    join(APPS, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: '../../tsconfig.json',
        compilerOptions: {
          paths: { 'ngx-token-refresh': ['../../dist/token-refresh'] },
          strict: false,
        },
        files: variants.map((variant) => `src/${slug(variant)}/main.ts`),
      },
      null,
      2,
    ),
  );
}

function build(variant, configuration) {
  const ng = join(ROOT, 'node_modules/@angular/cli/bin/ng.js');
  const args = [
    ng,
    'build',
    slug(variant),
    ...(configuration ? ['--configuration', configuration] : []),
  ];
  execFileSync(process.execPath, args, {
    cwd: APPS,
    stdio: 'pipe',
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
  });
}

/**
 * The JavaScript a page loads before the app starts (`main.js` and the chunks it imports statically)
 * and the chunks it may load later with `import()`, each as a list of file contents.
 */
function bundleFiles(dir) {
  const browser = join(dir, 'browser');
  const main = readdirSync(browser).find((name) => /^main.*\.js$/.test(name));
  const initial = new Map();
  const lazy = new Map();
  const visit = (name, into) => {
    if (initial.has(name) || into.has(name)) {
      return;
    }
    const file = readFileSync(join(browser, name));
    into.set(name, file);
    const text = file.toString('utf8');
    for (const [, imported] of text.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) {
      visit(imported, into);
    }
    for (const [, imported] of text.matchAll(/import\(\s*"\.\/([\w.-]+\.js)"\s*\)/g)) {
      visit(imported, lazy);
    }
  };
  visit(main, initial);
  // A chunk reached by import() first and statically later loads up front: it counts as initial.
  return {
    initial: [...initial.values()],
    lazy: [...lazy].filter(([name]) => !initial.has(name)).map(([, file]) => file),
  };
}

/** Sizes of files as a browser downloads them: each file compressed on its own. */
function sizesOf(files) {
  const sum = (measure) => files.reduce((total, file) => total + measure(file), 0);
  return {
    files: files.length,
    minified: sum((file) => file.length),
    gzip: sum((file) => gzipSync(file, { level: 9 }).length),
    brotli: sum(
      (file) =>
        brotliCompressSync(file, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    ),
  };
}

/**
 * Builds the variants' apps and measures what their pages load before the app starts: `main.js` and
 * the chunks it imports statically. Chunks loaded later with `import()` are measured apart (`lazy`).
 * @param variants - Names from APP_SOURCES; `bare` is always included, for the deltas.
 * @param withRaw - Also build without optimization, for the raw size.
 */
export function measureBundles(variants = Object.keys(APP_SOURCES), { withRaw = true } = {}) {
  const names = [...new Set(['bare', ...variants])];
  generateWorkspace(names);
  const sizes = {};
  for (const variant of names) {
    build(variant);
    const { initial, lazy } = bundleFiles(join(APPS, 'dist', slug(variant)));
    let raw = null;
    if (withRaw) {
      build(variant, 'raw');
      raw = sizesOf(bundleFiles(join(APPS, 'dist-raw', slug(variant))).initial).minified;
    }
    sizes[variant] = {
      raw,
      ...sizesOf(initial),
      lazy: lazy.length > 0 ? sizesOf(lazy) : null,
      text: initial.map((file) => file.toString('utf8')).join('\n'),
    };
  }
  const bare = sizes.bare;
  const rows = Object.fromEntries(
    Object.entries(sizes).map(([variant, size]) => [
      variant,
      {
        raw: size.raw,
        files: size.files,
        minified: size.minified,
        gzip: size.gzip,
        brotli: size.brotli,
        gzipDelta: size.gzip - bare.gzip,
        brotliDelta: size.brotli - bare.brotli,
        minifiedDelta: size.minified - bare.minified,
        lazy: size.lazy,
      },
    ]),
  );
  const ours = sizes['ngx-token-refresh'];
  const optionalParts = ours
    ? Object.fromEntries(
        Object.entries(OPTIONAL_PARTS).map(([part, { marker }]) => [
          part,
          ours.text.includes(marker),
        ]),
      )
    : {};
  return { rows, optionalParts };
}

/**
 * Where the bytes a variant adds to the initial bundle come from: each source file (after source
 * maps) that the bare app does not have, with its minified bytes and its marginal gzip cost (the gzip
 * size of the bundle minus that of the same bundle without that file's bytes). Marginal costs do not
 * add up exactly to the delta: gzip shares repeated text between files, and files both apps have
 * (Angular's, RxJS's) change a little when the variant uses more of them.
 * @param variant - A name from APP_SOURCES.
 * @returns Rows sorted by marginal gzip cost, largest first, and the variant's gzip delta over bare.
 */
export function measureBreakdown(variant = 'ngx-token-refresh') {
  const names = ['bare', variant];
  generateWorkspace(names);
  const bySource = {};
  let bundle = '';
  let gzipDelta = 0;
  for (const name of names) {
    build(name, 'mapped');
    const browser = join(APPS, 'dist-mapped', slug(name), 'browser');
    const main = readdirSync(browser).find((file) => /^main.*\.js$/.test(file));
    const text = readFileSync(join(browser, main), 'utf8');
    const map = JSON.parse(readFileSync(join(browser, `${main}.map`), 'utf8'));
    const ranges = sourceRanges(text, map);
    for (const [source, spans] of ranges) {
      const row = (bySource[source] ??= { source, bare: 0, bytes: 0, spans: [] });
      const length = spans.reduce((total, [start, end]) => total + end - start, 0);
      if (name === 'bare') {
        row.bare = length;
      } else {
        row.bytes = length;
        row.spans = spans;
      }
    }
    const gzip = gzipSync(text, { level: 9 }).length;
    gzipDelta = name === 'bare' ? -gzip : gzipDelta + gzip;
    bundle = text;
  }
  const whole = gzipSync(bundle, { level: 9 }).length;
  const rows = Object.values(bySource)
    .filter((row) => row.bare === 0 && row.bytes > 0)
    .map(({ source, bare, bytes, spans }) => ({
      source,
      minifiedDelta: bytes - bare,
      gzipMarginal: whole - gzipSync(without(bundle, spans), { level: 9 }).length,
    }))
    .sort((a, b) => b.gzipMarginal - a.gzipMarginal);
  return { rows, gzipDelta };
}

/**
 * The character ranges of a minified file that each original source file produced: a mapping's
 * range runs to the next mapping or the end of its line.
 */
function sourceRanges(text, map) {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      lineStarts.push(i + 1);
    }
  }
  const mappings = decodeMappings(map.mappings).map(({ line, column, source }) => ({
    offset: lineStarts[line] + column,
    lineEnd: line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : text.length,
    source: source === null ? null : map.sources[source],
  }));
  mappings.sort((a, b) => a.offset - b.offset);
  const ranges = new Map();
  mappings.forEach(({ offset, lineEnd, source }, i) => {
    const end = Math.min(i + 1 < mappings.length ? mappings[i + 1].offset : text.length, lineEnd);
    if (source === null || end <= offset) {
      return;
    }
    const name = readableSource(source);
    const spans = ranges.get(name) ?? [];
    const last = spans.at(-1);
    if (last && last[1] === offset) {
      last[1] = end;
    } else {
      spans.push([offset, end]);
    }
    ranges.set(name, spans);
  });
  return ranges;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The generated positions of a source map's `mappings` (version 3: base64 VLQ, fields relative to
 * the previous segment), each with the index of its source, or `null` for a segment without one.
 */
function decodeMappings(mappings) {
  const segments = [];
  let source = 0;
  mappings.split(';').forEach((group, line) => {
    let column = 0;
    for (const segment of group.split(',')) {
      if (segment === '') {
        continue;
      }
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += fields[0];
      if (fields.length > 1) {
        source += fields[1];
      }
      segments.push({ line, column, source: fields.length > 1 ? source : null });
    }
  });
  return segments;
}

/** A source file's path from the workspace's top, without the source map's prefixes. */
function readableSource(source) {
  const path = source.replace(/^webpack:\/\/\/|^file:\/\//, '');
  const marker = path.indexOf('projects/token-refresh/');
  if (marker >= 0) {
    return path.slice(marker);
  }
  const modules = path.lastIndexOf('node_modules/');
  return modules >= 0
    ? path.slice(modules + 'node_modules/'.length)
    : relative(ROOT, resolve(APPS, path));
}

/** The text without the given character ranges. */
function without(text, spans) {
  let kept = '';
  let from = 0;
  for (const [start, end] of spans) {
    kept += text.slice(from, start);
    from = end;
  }
  return kept + text.slice(from);
}

function slug(variant) {
  return variant
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}
