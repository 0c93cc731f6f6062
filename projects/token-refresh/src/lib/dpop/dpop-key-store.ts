import { Injectable } from '@angular/core';

import { MaybePromise } from '../token-store';

/**
 * The default {@link DpopKeyStore}: keeps the key pair in IndexedDB (database
 * `ngx-token-refresh-dpop`), so that it survives a reload and every tab of the origin uses the same
 * key. The private key stays non-extractable: IndexedDB stores the `CryptoKey` object itself, and
 * script can sign with it but never read it.
 *
 * Where IndexedDB is missing (some private modes, old embedded browsers), every method rejects, and
 * the request that needed a proof fails with code `dpop-unavailable`.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl }, withDpop({ keyStore: IndexedDbDpopKeyStore }));
 * ```
 *
 * @publicApi
 */
@Injectable()
export class IndexedDbDpopKeyStore implements DpopKeyStore {
  #database: Promise<IDBDatabase> | null = null;

  /** {@inheritDoc DpopKeyStore.load} */
  load(): Promise<CryptoKeyPair | null> {
    return this.#run('readonly', (keys, done) => {
      keys.get(KEY).onsuccess = (event) => done(readResult(event) ?? null);
    });
  }

  /** {@inheritDoc DpopKeyStore.add} */
  add(pair: CryptoKeyPair): Promise<CryptoKeyPair> {
    // One read-write transaction: two tabs adding at once are serialized, and the second one gets
    // the first one's key.
    return this.#run('readwrite', (keys, done) => {
      keys.get(KEY).onsuccess = (event) => {
        const stored = readResult(event);
        if (stored) {
          done(stored);
        } else {
          keys.put(pair, KEY).onsuccess = () => done(pair);
        }
      };
    });
  }

  /** {@inheritDoc DpopKeyStore.clear} */
  clear(): Promise<void> {
    // Settles when the transaction commits, with nothing to answer.
    return this.#run<undefined>('readwrite', (keys) => {
      keys.delete(KEY);
    });
  }

  /** Runs one transaction on the key table; settles when it commits, or with its error. */
  #run<T>(
    mode: IDBTransactionMode,
    work: (keys: IDBObjectStore, done: (value: T) => void) => void,
  ): Promise<T> {
    return this.#open().then(
      (database) =>
        new Promise<T>((resolve, reject) => {
          const transaction = database.transaction(TABLE, mode);
          let result: T;
          work(transaction.objectStore(TABLE), (value) => (result = value));
          transaction.oncomplete = () => resolve(result);
          // On abort, not on error: a failed request's error event reaches the transaction before
          // IndexedDB records that error as the transaction's, and then aborts it.
          transaction.onabort = () =>
            // Stryker disable next-line StringLiteral: only abort(), not called here, has no error
            reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
        }),
    );
  }

  #open(): Promise<IDBDatabase> {
    this.#database ??= new Promise<IDBDatabase>((resolve, reject) => {
      const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
      if (!factory) {
        throw new Error('IndexedDB is not available');
      }
      const opening = factory.open(DATABASE, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(TABLE);
      opening.onsuccess = () => resolve(opening.result);
      // Stryker disable next-line StringLiteral: IndexedDB sets the error before it fires error
      opening.onerror = () => reject(opening.error ?? new Error('IndexedDB did not open'));
    }).catch((error: unknown) => {
      // Not cached: a database that failed to open (storage pressure) may open next time.
      this.#database = null;
      throw error;
    });
    return this.#database;
  }
}

const DATABASE = 'ngx-token-refresh-dpop';
const TABLE = 'keys';
const KEY = 'current';

function readResult(event: Event): CryptoKeyPair | undefined {
  return (event.target as IDBRequest<CryptoKeyPair | undefined>).result;
}

/**
 * Where `withDpop()` keeps the DPoP key pair. The default, {@link IndexedDbDpopKeyStore}, keeps it in
 * IndexedDB; replace it, as you would the `TokenStore`, with the `keyStore` option of `withDpop()` or
 * with `{ provide: DpopKeyStore, useClass: MyKeyStore }`.
 *
 * Keep the key where every tab of the app finds the same one: an authorization server binds a public
 * client's refresh token to the key, and a tab holding another key gets `invalid_grant`. Every method
 * may answer synchronously or with a promise; a throw or rejection fails the request that needed a
 * proof with code `dpop-unavailable`.
 *
 * @usageNotes
 * ```ts
 * @Injectable()
 * export class MemoryDpopKeyStore extends DpopKeyStore {
 *   private pair: CryptoKeyPair | null = null;
 *   load() { return this.pair; }
 *   add(pair: CryptoKeyPair) { return (this.pair ??= pair); }
 *   clear() { this.pair = null; }
 * }
 * ```
 *
 * @publicApi
 */
@Injectable({ providedIn: 'root', useClass: IndexedDbDpopKeyStore })
export abstract class DpopKeyStore {
  /** Returns the stored key pair, or `null` when there is none yet. */
  abstract load(): MaybePromise<CryptoKeyPair | null>;

  /**
   * Stores `pair` unless a key pair is stored already, as one atomic step, and returns the pair that
   * is stored now: `pair`, or the one another tab stored first.
   *
   * @param pair - A new key pair; its private key is not extractable.
   */
  abstract add(pair: CryptoKeyPair): MaybePromise<CryptoKeyPair>;

  /** Forgets the key pair (on `clearSession()`): the next proof is signed with a new one. */
  abstract clear(): MaybePromise<void>;
}
