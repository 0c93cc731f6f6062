import { Injectable } from '@angular/core';
import { DpopKeyStore } from 'ngx-token-refresh';

/**
 * An in-memory {@link DpopKeyStore} for tests of apps that use `withDpop()`: jsdom and other test
 * environments have no IndexedDB. `provideTokenRefreshTesting()` puts it in place of the default.
 *
 * The key is a real WebCrypto key pair, made at the first proof, so proofs are real and a test may
 * verify them; the test environment needs WebCrypto (`crypto.subtle`). jsdom lacks it: lend it Node's
 * in a Jest setup file, e.g.
 * `Object.defineProperty(globalThis, 'crypto', { value: require('node:crypto').webcrypto })`.
 *
 * @usageNotes
 * ```ts
 * const keys = TestBed.inject(TestingDpopKeyStore);
 * await TestBed.inject(TokenRefreshService).clearSession();
 * expect(keys.clears).toBe(1); // a new key for the next session
 * ```
 *
 * @publicApi
 */
@Injectable()
export class TestingDpopKeyStore extends DpopKeyStore {
  /** How many times `clear` was called (once per `clearSession()`). */
  clears = 0;
  /** The key pair the library made, or `null` before the first proof. */
  pair: CryptoKeyPair | null = null;

  /** Returns the key pair, or `null` before the first proof. */
  override load(): CryptoKeyPair | null {
    return this.pair;
  }

  /** Keeps `pair` unless there is one already; returns the one kept. */
  override add(pair: CryptoKeyPair): CryptoKeyPair {
    this.pair ??= pair;
    return this.pair;
  }

  /** Forgets the key pair, and counts the call in `clears`. */
  override clear(): void {
    this.clears++;
    this.pair = null;
  }
}
