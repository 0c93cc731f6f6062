// Creates an app's root injector in plain Node: the variant's providers, a fake document (the origin
// is all any variant reads from it) and a backend that answers synchronously or as scripted.
import '@angular/compiler';

import { HttpBackend, HttpClient } from '@angular/common/http';
import {
  createEnvironmentInjector,
  DOCUMENT,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';

import { ASYNC_VARIANTS, Tokens, VARIANTS } from './variants.mjs';

const FAKE_DOCUMENT = {
  location: { origin: 'http://localhost', href: 'http://localhost/' },
  baseURI: 'http://localhost/',
};

/**
 * @param variant - A key of VARIANTS or ASYNC_VARIANTS.
 * @param backend - An HttpBackend (`{ handle(request) }`).
 * @returns The app's HttpClient, its tokens, and `destroy()`.
 */
export function createApp(variant, backend, tokens = new Tokens()) {
  const injector = createEnvironmentInjector(
    [
      { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
      provideZonelessChangeDetection(),
      { provide: DOCUMENT, useValue: FAKE_DOCUMENT },
      ...(VARIANTS[variant] ?? ASYNC_VARIANTS[variant])(tokens),
      { provide: HttpBackend, useValue: backend },
    ],
    null,
  );
  return { http: injector.get(HttpClient), tokens, injector, destroy: () => injector.destroy() };
}
