import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { DpopKeyStore, TokenSet, TokenStore, ɵTOKEN_STORE_OVERRIDE } from 'ngx-token-refresh';

import { TestingDpopKeyStore } from './testing-dpop-key-store';
import { TestingTokenStore } from './testing-token-store';

/**
 * Replaces the token store with a {@link TestingTokenStore}, optionally signed in, and the DPoP key
 * store with a {@link TestingDpopKeyStore}, for tests of code that uses ngx-token-refresh.
 *
 * It wins over the `store` option of `provideTokenRefresh(...)`, before or after it. Use
 * `HttpTestingController` (from `provideHttpClientTesting()`) to answer the API and the refresh call.
 *
 * @usageNotes
 * ```ts
 * TestBed.configureTestingModule({
 *   providers: [
 *     provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
 *     provideHttpClientTesting(),
 *     provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),
 *     provideTokenRefreshTesting({ signedInAs: { accessToken: 'a1', refreshToken: 'r1' } }),
 *   ],
 * });
 * ```
 *
 * @param options - `signedInAs`: the session the store starts with (none by default).
 * @returns Environment providers for `TestBed`.
 * @publicApi
 */
export function provideTokenRefreshTesting(
  options: { signedInAs?: TokenSet } = {},
): EnvironmentProviders {
  return makeEnvironmentProviders([
    {
      provide: TestingTokenStore,
      useFactory: () => {
        const store = new TestingTokenStore();
        if (options.signedInAs) {
          store.signIn(options.signedInAs);
        }
        return store;
      },
    },
    { provide: TokenStore, useExisting: TestingTokenStore },
    // Wins over `provideTokenRefresh({ store })` placed after this, too.
    { provide: ɵTOKEN_STORE_OVERRIDE, useExisting: TestingTokenStore },
    // Used only with withDpop(): test environments have no IndexedDB.
    TestingDpopKeyStore,
    { provide: DpopKeyStore, useExisting: TestingDpopKeyStore },
  ]);
}
