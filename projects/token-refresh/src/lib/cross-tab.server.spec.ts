/**
 * Node's environment, wrapped so that StrykerJS (`npm run mutation`) sees which mutants these
 * tests reach.
 * @jest-environment @stryker-mutator/jest-runner/jest-env/node
 */
// Node, like a server rendering the app: it has Web Locks and BroadcastChannel, shared by every request
// the process renders. Two requests of two users must never see each other's tokens.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  DOCUMENT,
  EnvironmentInjector,
  PLATFORM_ID,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';

import { provideTokenRefresh } from './provide-token-refresh';
import { reject401, REFRESH_URL } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { MemoryTokenStore, TokenStore } from './token-store';
import { TokenRefreshService } from './token-refresh-service';

describe('on a server (Node has Web Locks and BroadcastChannel)', () => {
  const injectors: EnvironmentInjector[] = [];
  afterEach(() => injectors.splice(0).forEach((injector) => injector.destroy()));

  function renderRequest(user: string) {
    // Each render gets its own root injector, as every server request does.
    const injector = createEnvironmentInjector(
      [
        { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
        { provide: PLATFORM_ID, useValue: 'server' },
        { provide: DOCUMENT, useValue: { location: { origin: 'https://app.example' } } },
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
        { provide: TokenStore, useValue: new MemoryTokenStore() },
      ],
      null as unknown as EnvironmentInjector,
    );
    injectors.push(injector);
    const store = injector.get(TokenStore);
    void store.setTokens({ accessToken: `${user}-access-1`, refreshToken: `${user}-refresh-1` });
    return {
      injector,
      store,
      http: injector.get(HttpClient),
      backend: injector.get(HttpTestingController),
    };
  }

  it("keeps each request's tokens to itself when one refreshes or ends its session", async () => {
    expect(typeof (navigator as Partial<Navigator>).locks?.request).toBe('function');
    expect(typeof BroadcastChannel).toBe('function');
    const ada = renderRequest('ada');
    const bob = renderRequest('bob');

    ada.http.get('/api/a').subscribe();
    reject401(ada.backend.expectOne('/api/a'));
    await macrotasks();
    ada.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'ada-access-2', refreshToken: 'ada-refresh-2' });
    await macrotasks();
    ada.backend.expectOne('/api/a').flush({});
    await ada.injector.get(TokenRefreshService).clearSession();
    await macrotasks();

    expect([bob.store.getAccessToken(), bob.store.getRefreshToken()]).toEqual([
      'bob-access-1',
      'bob-refresh-1',
    ]);
    expect(bob.injector.get(TokenRefreshService).state()).toBe('idle');
  });
});

/** Lets lock grants and channel messages, which are real and asynchronous here, arrive. */
async function macrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((done) => setTimeout(done, 5));
  }
}
