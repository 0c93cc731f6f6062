// Server-side rendering smoke test of the packed ngx-token-refresh, run by compat/run.mjs in an app
// with @angular/platform-server: renders a page whose component loads data through the interceptor,
// with WebStorageTokenStore configured. Prints one JSON line: { angular, results: [...] }.
import '@angular/compiler';
import '@angular/platform-server/init';

import {
  HttpBackend,
  HttpClient,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { Component, inject, provideZonelessChangeDetection, signal, VERSION } from '@angular/core';
import { bootstrapApplication, provideClientHydration } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import {
  provideTokenRefresh,
  tokenRefreshInterceptor,
  WebStorageTokenStore,
} from 'ngx-token-refresh';
import { of } from 'rxjs';

const PLANTED_TOKEN = 'planted-server-wide-token';

// A server runtime's own Web Storage, shared by every request: the library must never touch it.
const touched = [];
for (const name of ['localStorage', 'sessionStorage']) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.push(name);
      return { getItem: () => PLANTED_TOKEN, setItem() {}, removeItem() {} };
    },
  });
}

const sent = [];
const serverBackend = {
  handle(request) {
    sent.push({ url: request.url, authorization: request.headers.get('Authorization') });
    return of(new HttpResponse({ status: 200, url: request.url, body: { name: 'Ada' } }));
  },
};

class App {
  name = signal('…');
  constructor() {
    inject(HttpClient)
      .get('/api/profile')
      .subscribe((profile) => this.name.set(profile.name));
  }
}
// Plain Node has no decorator syntax: apply the decorator as the function it is (JIT compiles it).
Component({ selector: 'app-root', template: '<p id="greeting">Hello {{ name() }}</p>' })(App);

const results = [];
function check(name, condition, detail = '') {
  results.push(condition ? { name, passed: true } : { name, passed: false, error: detail });
}

try {
  const html = await renderApplication(
    (context) =>
      bootstrapApplication(
        App,
        {
          providers: [
            provideServerRendering(),
            provideZonelessChangeDetection(),
            provideClientHydration(),
            provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
            { provide: HttpBackend, useValue: serverBackend },
            provideTokenRefresh({
              refreshUrl: '/api/auth/refresh',
              store: new WebStorageTokenStore(),
            }),
          ],
        },
        context,
      ),
    {
      document: '<html><head></head><body><app-root></app-root></body></html>',
      url: 'https://app.example/',
      allowedHosts: ['app.example'],
    },
  );
  check(
    'ssr: renders the page through the interceptor',
    html.includes('Hello Ada'),
    html.slice(0, 500),
  );
  check(
    "ssr: never touches the server runtime's localStorage or sessionStorage",
    touched.length === 0,
    touched.join(', '),
  );
  check(
    'ssr: sends no token from the server',
    sent.length === 1 && sent[0].authorization === null,
    JSON.stringify(sent),
  );
  check(
    'ssr: no token in the rendered HTML or its transfer state',
    !html.includes(PLANTED_TOKEN) && !/Bearer /.test(html),
    html.match(/<script id="ng-state"[^>]*>([^<]*)/)?.[1] ?? '',
  );
} catch (error) {
  results.push({
    name: 'ssr: renders without crashing',
    passed: false,
    error: String(error?.stack ?? error),
  });
}
console.log(JSON.stringify({ angular: VERSION.full, results }));
