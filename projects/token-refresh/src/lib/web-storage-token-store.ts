import { Inject, Injectable, InjectionToken, Optional } from '@angular/core';

import { browserStorage } from './browser-storage';
import { TokenSet, TokenStore } from './token-store';

/**
 * Options of {@link WebStorageTokenStore}.
 *
 * @publicApi
 */
export interface WebStorageTokenStoreOptions {
  /**
   * Which Web Storage to use: `'local'` survives restarts and is shared by the origin's tabs;
   * `'session'` lives as long as the tab.
   * @default 'local'
   */
  storage?: 'local' | 'session';
  /**
   * Prefix of the storage keys; the store writes `${keyPrefix}access`, `${keyPrefix}refresh` and
   * `${keyPrefix}expiresAt`.
   * @default 'ngx-token-refresh.'
   */
  keyPrefix?: string;
}

/**
 * Never provided: it gives the constructor's parameter a DI token, so that the injector can create the
 * class (`store: WebStorageTokenStore`), which then gets the defaults.
 */
const WEB_STORAGE_TOKEN_STORE_OPTIONS = new InjectionToken<WebStorageTokenStoreOptions>(
  'WEB_STORAGE_TOKEN_STORE_OPTIONS',
);

/**
 * A {@link TokenStore} backed by `localStorage` or `sessionStorage`, so a session survives reloads.
 *
 * Safe under server-side rendering and in sandboxes where Web Storage is absent or throws on access:
 * it then holds no tokens and ignores writes, so the server never sends one. On a server it never uses
 * the runtime's own global `localStorage` (which every request would share), only a browser `window`'s. Anything readable by
 * JavaScript can be read by an XSS payload too: prefer {@link MemoryTokenStore} with cookie refresh
 * where you can, and see SECURITY notes in the README.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({
 *   refreshUrl: '/api/auth/refresh',
 *   store: new WebStorageTokenStore({ storage: 'session' }),
 * });
 * ```
 *
 * @publicApi
 */
// Its own `@Injectable()`: with `store: WebStorageTokenStore` the injector creates the class, and a
// class that only inherits TokenStore's decorator makes Angular log a deprecation warning.
@Injectable()
export class WebStorageTokenStore extends TokenStore {
  readonly #storageKind: 'local' | 'session';
  readonly #accessKey: string;
  readonly #refreshKey: string;
  readonly #expiresAtKey: string;

  /**
   * Creates a store over `localStorage` (or `sessionStorage`); nothing is touched until first use.
   *
   * @param options - Which storage and which key prefix to use.
   */
  constructor(
    // A parameter that apps pass with `new`; inject() cannot stand in for it, and the injector needs
    // a token for it to create the class at all.
    // eslint-disable-next-line @angular-eslint/prefer-inject
    @Optional() @Inject(WEB_STORAGE_TOKEN_STORE_OPTIONS) options?: WebStorageTokenStoreOptions,
  ) {
    super();
    // `null` when the injector creates the store.
    const { storage = 'local', keyPrefix: prefix = 'ngx-token-refresh.' } = options ?? {};
    this.#storageKind = storage;
    this.#accessKey = `${prefix}access`;
    this.#refreshKey = `${prefix}refresh`;
    this.#expiresAtKey = `${prefix}expiresAt`;
  }

  /** {@inheritDoc TokenStore.getAccessToken} */
  override getAccessToken(): string | null {
    return this.#storage()?.getItem(this.#accessKey) ?? null;
  }

  /** {@inheritDoc TokenStore.getRefreshToken} */
  override getRefreshToken(): string | null {
    return this.#storage()?.getItem(this.#refreshKey) ?? null;
  }

  /** {@inheritDoc TokenStore.getExpiresAt} */
  override getExpiresAt(): number | null {
    const value = Number(this.#storage()?.getItem(this.#expiresAtKey) ?? NaN);
    return Number.isFinite(value) ? value : null;
  }

  /** {@inheritDoc TokenStore.setTokens} */
  override setTokens(tokens: TokenSet): void {
    const storage = this.#storage();
    if (!storage) {
      return;
    }
    storage.setItem(this.#accessKey, tokens.accessToken);
    writeOrRemove(storage, this.#refreshKey, tokens.refreshToken);
    writeOrRemove(storage, this.#expiresAtKey, tokens.expiresAt?.toString());
  }

  /** {@inheritDoc TokenStore.clear} */
  override clear(): void {
    const storage = this.#storage();
    storage?.removeItem(this.#accessKey);
    storage?.removeItem(this.#refreshKey);
    storage?.removeItem(this.#expiresAtKey);
  }

  /**
   * Looks the storage up on every call, so that nothing touches `window` at construction (SSR). Only
   * a browser `window`'s storage counts: a server runtime's own global `localStorage` would be shared
   * by every user's request, so on a server the store holds nothing.
   */
  #storage(): Storage | null {
    return browserStorage(this.#storageKind === 'local' ? 'localStorage' : 'sessionStorage');
  }
}

function writeOrRemove(storage: Storage, key: string, value: string | null | undefined): void {
  if (value == null) {
    storage.removeItem(key);
  } else {
    storage.setItem(key, value);
  }
}
