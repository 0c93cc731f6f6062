import { isPlatformBrowser } from '@angular/common';
import { inject, PLATFORM_ID, Provider, Type } from '@angular/core';

import { DpopAuthorizer } from './dpop/dpop-authorizer';
import { DpopKeyStore } from './dpop/dpop-key-store';
import { DPOP_SETTINGS, DpopAlgorithm, DpopProofs } from './dpop/dpop-proofs';
import { DpopService } from './dpop/dpop-service';
import { invalidConfigError } from './errors';
import { TokenRefreshFeature, tokenRefreshFeature } from './features';
import { REQUEST_AUTHORIZER } from './request-authorizer';

/**
 * Options of {@link withDpop}.
 *
 * @publicApi
 */
export interface DpopOptions {
  /**
   * The signature algorithm of the proofs: ECDSA on P-256 (`ES256`) or P-384 (`ES384`). The server
   * must list it in `dpop_signing_alg_values_supported`.
   * @default 'ES256'
   */
  algorithm?: DpopAlgorithm;
  /**
   * Where the key pair lives: a class (created by Angular's injector) or an instance. Equivalent to
   * providing `{ provide: DpopKeyStore, useClass: ... }` yourself.
   * @default IndexedDbDpopKeyStore
   */
  keyStore?: Type<DpopKeyStore> | DpopKeyStore;
}

/**
 * Sends the access token sender-constrained with DPoP (RFC 9449): bound to a key pair that script
 * can use but never read, so a stolen token is worthless without the browser that holds the key.
 *
 * With it, every request that gets the access token goes out as `Authorization: DPoP <token>` with a
 * fresh `DPoP` proof (a JWT signed by the key: method, URL without query, time, a hash of the token and
 * the server's latest nonce), and so does the refresh call (without the token hash). The key is one
 * ECDSA pair made with WebCrypto, its private key non-extractable, kept by the {@link DpopKeyStore}
 * (IndexedDB by default) so it survives reloads and is shared by the tabs of the origin; a new one is
 * made after `clearSession()`. Nonces (`DPoP-Nonce`) are remembered per origin; an answer asking for a
 * new one is resent once, apart from `maxRetries`, and never starts a refresh.
 *
 * A refresh answer whose `token_type` is not `DPoP` fails with `invalid-refresh-response`; a browser
 * without WebCrypto or IndexedDB fails each request that needs a proof with `dpop-unavailable`: the
 * token is never downgraded to a bearer token. On a server (SSR) the feature is off: no key, no proof.
 * Sign in with {@link DpopService} so that the first tokens are bound to the same key.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh(
 *   {
 *     refreshUrl: 'https://auth.example.com/oauth/token',
 *     buildRefreshRequest: oauth2RefreshGrant({ clientId: 'my-spa' }),
 *   },
 *   withDpop(),
 * );
 * ```
 *
 * @param options - The algorithm and the key store; both optional.
 * @returns The feature, for `provideTokenRefresh`.
 * @publicApi
 */
export function withDpop(options: DpopOptions = {}): TokenRefreshFeature {
  // Typed, but called from JavaScript too: `null` is not an options object.
  const given: unknown = options;
  const { algorithm = 'ES256', keyStore } =
    given === null ? ({ algorithm: null } as unknown as DpopOptions) : options;
  // Typed, but called from JavaScript too: check what really arrived.
  if (!(['ES256', 'ES384'] as unknown[]).includes(algorithm)) {
    throw invalidConfigError(
      'withDpop.algorithm',
      ngDevMode ? `must be "ES256" or "ES384", got ${JSON.stringify(algorithm)}.` : '',
    );
  }
  const providers: Provider[] = [
    { provide: DPOP_SETTINGS, useValue: { algorithm } },
    DpopProofs,
    DpopAuthorizer,
    DpopService,
    // On a server there is no key to prove with: the feature stays out of the requests' way.
    {
      provide: REQUEST_AUTHORIZER,
      useFactory: () => (isPlatformBrowser(inject(PLATFORM_ID)) ? inject(DpopAuthorizer) : null),
    },
  ];
  if (keyStore !== undefined) {
    providers.push(
      typeof keyStore === 'function'
        ? { provide: DpopKeyStore, useClass: keyStore }
        : { provide: DpopKeyStore, useValue: keyStore },
    );
  }
  return tokenRefreshFeature('dpop', providers);
}
