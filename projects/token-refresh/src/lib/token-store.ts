import { Injectable, InjectionToken } from '@angular/core';

/**
 * The tokens of one session, as the refresh endpoint hands them out and a {@link TokenStore} keeps them.
 *
 * @publicApi
 */
export interface TokenSet {
  /** The access token sent in the `Authorization` header (or `headerName`). */
  accessToken: string;
  /**
   * The refresh token. `undefined` or `null` in a refresh answer means "unchanged": the stored one is
   * kept. Absent altogether with cookie-based refresh, where JavaScript never sees it.
   */
  refreshToken?: string | null;
  /** When the access token expires, in epoch milliseconds, if the server said so. */
  expiresAt?: number;
}

/**
 * Whether `value` is a usable {@link TokenSet}: a non-empty access token, a refresh token that is a
 * non-empty string or absent, and an expiry that is a finite number or absent. Internal: checks what a
 * parser written in JavaScript, or another tab, really handed over.
 */
export function isTokenSet(value: unknown): value is TokenSet {
  const { accessToken, refreshToken, expiresAt } = (value ?? {}) as Record<string, unknown>;
  return (
    typeof accessToken === 'string' &&
    accessToken !== '' &&
    (refreshToken == null || (typeof refreshToken === 'string' && refreshToken !== '')) &&
    // Number.isFinite() is false for anything but a finite number: no typeof check needed.
    (expiresAt === undefined || Number.isFinite(expiresAt))
  );
}

/** A value, or a promise of it: every `TokenStore` method may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The default {@link TokenStore}: keeps tokens in memory, so they are gone when the page reloads.
 *
 * It is the safest choice against XSS token theft and suits apps that restore the session through a
 * cookie-based refresh on start-up.
 *
 * @usageNotes
 * ```ts
 * const store = inject(TokenStore);
 * await store.setTokens({ accessToken, refreshToken }); // after login
 * ```
 *
 * @publicApi
 */
@Injectable()
export class MemoryTokenStore implements TokenStore {
  #tokens: TokenSet | null = null;

  /** {@inheritDoc TokenStore.getAccessToken} */
  getAccessToken(): string | null {
    return this.#tokens?.accessToken ?? null;
  }

  /** {@inheritDoc TokenStore.getRefreshToken} */
  getRefreshToken(): string | null {
    return this.#tokens?.refreshToken ?? null;
  }

  /** {@inheritDoc TokenStore.getExpiresAt} */
  getExpiresAt(): number | null {
    return this.#tokens?.expiresAt ?? null;
  }

  /** {@inheritDoc TokenStore.setTokens} */
  setTokens(tokens: TokenSet): void {
    this.#tokens = { ...tokens };
  }

  /** {@inheritDoc TokenStore.clear} */
  clear(): void {
    this.#tokens = null;
  }
}

/**
 * Where the session's tokens live. The library reads and writes tokens only through this class.
 *
 * It is both the contract and the DI token: replace the default {@link MemoryTokenStore} with
 * `{ provide: TokenStore, useClass: MyStore }` or with the `store` option of `provideTokenRefresh`.
 * Every method may return a value or a promise (for example for Capacitor or IndexedDB storage). A
 * method that throws or rejects fails the request or refresh that needed it with a
 * `TokenRefreshError` of code `store-failed`; it never leaves a request hanging.
 *
 * The library calls `setTokens` only with the answer of a successful refresh and `clear` only when
 * the session has expired. Logging in (the first `setTokens`) is the app's job.
 *
 * @usageNotes
 * ```ts
 * @Injectable()
 * export class SecureStorageTokenStore extends TokenStore {
 *   private readonly storage = inject(SecureStorage);
 *   getAccessToken() { return this.storage.get('access'); }
 *   getRefreshToken() { return this.storage.get('refresh'); }
 *   async setTokens(tokens: TokenSet) { await this.storage.setAll(tokens); }
 *   clear() { return this.storage.clear(); }
 * }
 *
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh', store: SecureStorageTokenStore });
 * ```
 *
 * @publicApi
 */
// `useClass` rather than `useFactory`: a subclass used as `useClass` without its own `@Injectable`
// inherits this definition, and only a `useClass` factory creates the subclass rather than the default.
@Injectable({ providedIn: 'root', useClass: MemoryTokenStore })
export abstract class TokenStore {
  /** Returns the current access token, or `null` when there is none. */
  abstract getAccessToken(): MaybePromise<string | null>;

  /** Returns the current refresh token, or `null` when there is none (always so with cookie refresh). */
  abstract getRefreshToken(): MaybePromise<string | null>;

  /**
   * Stores a new set of tokens. The library passes `refreshToken` and `expiresAt` as it resolved
   * them: the previous refresh token is carried over when the refresh answer had none.
   *
   * @param tokens - The tokens to keep.
   */
  abstract setTokens(tokens: TokenSet): MaybePromise<void>;

  /** Forgets every token of the session. */
  abstract clear(): MaybePromise<void>;

  /**
   * Optional: when the access token expires, in epoch milliseconds, or `null` when unknown. When it is
   * not implemented, the library reads the JWT `exp` claim of the access token instead.
   */
  getExpiresAt?(): MaybePromise<number | null>;
}

/**
 * A store that replaces the `store` option of `provideTokenRefresh` in its injector and the injectors
 * below, whichever of the two providers comes first. Private API of `provideTokenRefreshTesting()`.
 *
 * @internal
 */
export const ɵTOKEN_STORE_OVERRIDE = new InjectionToken<TokenStore>(
  // Only ever injected optionally, so its name never appears in an error.
  ngDevMode ? 'TOKEN_STORE_OVERRIDE' : '',
);
