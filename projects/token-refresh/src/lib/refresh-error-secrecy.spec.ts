/**
 * Node's environment, wrapped so that StrykerJS (`npm run mutation`) sees which mutants these
 * tests reach.
 * @jest-environment @stryker-mutator/jest-runner/jest-env/node
 */
// Node, for its real fetch, Response and streams: the fetch backend reads the answer as a browser's does.
import { XhrFactory } from '@angular/common';
import {
  HttpClient,
  HttpFeature,
  HttpFeatureKind,
  provideHttpClient,
  withInterceptors,
  withXhr,
} from '@angular/common/http';
import {
  createEnvironmentInjector,
  DOCUMENT,
  EnvironmentInjector,
  EnvironmentProviders,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenRefreshEvent } from './token-refresh-events';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore, TokenStore } from './token-store';

const ORIGIN = 'http://localhost';
/** A 200 refresh answer that is not JSON, carrying new tokens in its body and a header. */
const SECRET_BODY = 'access_token=SECRET-ACCESS&refresh_token=SECRET-REFRESH';
const SECRET_HEADER = 'SECRET-HEADER';

describe('a failed refresh never carries the refresh answer in its error or event', () => {
  afterEach(() => jest.restoreAllMocks());

  it('with the fetch backend (the default)', async () => {
    jest.spyOn(globalThis, 'fetch').mockImplementation((input) =>
      Promise.resolve(
        (input instanceof Request ? input.url : input.toString()).endsWith('/api/auth/refresh')
          ? new Response(SECRET_BODY, {
              status: 200,
              headers: { 'Content-Type': 'text/plain', 'X-Token': SECRET_HEADER },
            })
          : new Response('{}', { status: 401, headers: { 'Content-Type': 'application/json' } }),
      ),
    );

    const { error, events } = await failRefresh();

    expect(error).toMatchObject({ code: 'invalid-refresh-response', cause: { status: 200 } });
    expect(findSecret(error)).toBeNull();
    expect(findSecret(events)).toBeNull();
  });

  it('with the XHR backend (withXhr())', async () => {
    const { error, events } = await failRefresh(withXhr(), {
      provide: XhrFactory,
      useValue: { build: () => new FakeXhr() },
    });

    expect(error).toMatchObject({ code: 'invalid-refresh-response' });
    expect(findSecret(error)).toBeNull();
    expect(findSecret(events)).toBeNull();
  });
});

/** Sends one request that gets a 401, whose refresh gets the non-JSON answer. */
async function failRefresh(
  backend?: HttpFeature<HttpFeatureKind>,
  ...providers: (EnvironmentProviders | { provide: unknown; useValue: unknown })[]
): Promise<{ error: unknown; events: TokenRefreshEvent[] }> {
  const injector = createEnvironmentInjector(
    [
      { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
      { provide: DOCUMENT, useValue: { location: { origin: ORIGIN }, baseURI: `${ORIGIN}/` } },
      provideZonelessChangeDetection(),
      backend
        ? provideHttpClient(backend, withInterceptors([tokenRefreshInterceptor]))
        : provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideTokenRefresh({ refreshUrl: `${ORIGIN}/api/auth/refresh` }),
      { provide: TokenStore, useValue: new MemoryTokenStore() },
      ...providers,
    ],
    null as unknown as EnvironmentInjector,
  );
  void injector
    .get(TokenStore)
    .setTokens({ accessToken: 'old-access', refreshToken: 'old-refresh' });
  const events: TokenRefreshEvent[] = [];
  injector.get(TokenRefreshService).events.subscribe((event) => events.push(event));
  const error = await firstValueFrom(injector.get(HttpClient).get(`${ORIGIN}/api/a`)).then(
    () => null,
    (failure: unknown) => failure,
  );
  injector.destroy();
  expect(error).toBeInstanceOf(TokenRefreshError);
  return { error, events };
}

/** Where in `value` (its properties, maps and nested errors) a secret appears, or `null`. */
function findSecret(value: unknown, path = 'value', seen = new Set<unknown>()): string | null {
  if (typeof value === 'string') {
    return value.includes('SECRET') ? path : null;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) {
    return null;
  }
  seen.add(value);
  const entries: [string, unknown][] =
    value instanceof Map
      ? [...value.entries()].map(([key, item]) => [String(key), item])
      : Object.getOwnPropertyNames(value).map((key) => [
          key,
          (value as Record<string, unknown>)[key],
        ]);
  for (const [key, item] of entries) {
    const found = findSecret(item, `${path}.${key}`, seen);
    if (found !== null) {
      return found;
    }
  }
  return null;
}

/** An XMLHttpRequest answering like a server: 401 on the API, the secret answer on the refresh. */
class FakeXhr {
  status = 0;
  statusText = '';
  responseType = '';
  response: unknown = undefined;
  responseText = '';
  responseURL = '';
  withCredentials = false;
  timeout = 0;
  readonly upload = { addEventListener: () => undefined, removeEventListener: () => undefined };
  readonly #listeners = new Map<string, ((event: unknown) => void)[]>();
  #url = '';

  open(_method: string, url: string): void {
    this.#url = url;
  }

  setRequestHeader(): void {
    // Headers of the request do not matter to this server.
  }

  getAllResponseHeaders(): string {
    return this.#url.endsWith('/api/auth/refresh')
      ? `content-type: text/plain\r\nx-token: ${SECRET_HEADER}\r\n`
      : 'content-type: application/json\r\n';
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  removeEventListener(type: string, listener: (event: unknown) => void): void {
    this.#listeners.set(
      type,
      (this.#listeners.get(type) ?? []).filter((known) => known !== listener),
    );
  }

  abort(): void {
    // Nothing is in flight outside this object.
  }

  send(): void {
    setTimeout(() => {
      const isRefresh = this.#url.endsWith('/api/auth/refresh');
      this.status = isRefresh ? 200 : 401;
      this.statusText = isRefresh ? 'OK' : 'Unauthorized';
      this.responseURL = this.#url;
      this.responseText = isRefresh ? SECRET_BODY : '{}';
      this.response = this.responseText;
      (this.#listeners.get('load') ?? []).forEach((listener) => listener({ type: 'load' }));
    });
  }
}
