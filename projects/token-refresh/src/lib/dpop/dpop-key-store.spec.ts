import { TestBed } from '@angular/core/testing';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { webcrypto } from 'node:crypto';
import { runInThisContext } from 'node:vm';

import { TokenRefreshError } from '../errors';
import { record, setUp } from '../spec-helpers';
import { TokenRefreshService } from '../token-refresh-service';
import { withDpop } from '../with-dpop';
import { IndexedDbDpopKeyStore } from './dpop-key-store';
import { DpopService } from './dpop-service';

// jsdom has no IndexedDB, no structuredClone (with which IndexedDB copies what it stores) and no
// WebCrypto: these tests lend it fake-indexeddb, a new empty one per test, and Node's
// structuredClone and WebCrypto, which copy and use a CryptoKey as a browser's do.
const jsdom = { crypto: globalThis.crypto, structuredClone: globalThis.structuredClone };
const nodeStructuredClone = runInThisContext('structuredClone') as typeof structuredClone;
beforeEach(() => {
  lend({
    indexedDB: new IDBFactory(),
    structuredClone: nodeStructuredClone,
    crypto: webcrypto,
  });
});
afterEach(() => lend({ indexedDB: undefined, ...jsdom }));

describe('IndexedDbDpopKeyStore', () => {
  it('loads null while no key pair is stored', async () => {
    await expect(new IndexedDbDpopKeyStore().load()).resolves.toBeNull();
  });

  it('adds a pair and finds it after a reload: the same key, its private key still locked in', async () => {
    const pair = await newPair();

    await expect(new IndexedDbDpopKeyStore().add(pair)).resolves.toBe(pair);

    const loaded = await new IndexedDbDpopKeyStore().load(); // a reload: a new store, the same database
    expect(await publicJwk(loaded)).toEqual(await publicJwk(pair));
    const privateKey = loaded?.privateKey as webcrypto.CryptoKey;
    expect(privateKey.extractable).toBe(false);
    await expect(webcrypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow();
    const signature = await webcrypto.subtle.sign(SIGNING, privateKey, DATA);
    const publicKey = pair.publicKey as webcrypto.CryptoKey;
    expect(await webcrypto.subtle.verify(SIGNING, publicKey, signature, DATA)).toBe(true);
  });

  it('gives two tabs that add a pair at once the same pair: the one stored first', async () => {
    const [first, second] = [await newPair(), await newPair()];

    const added = await Promise.all([
      new IndexedDbDpopKeyStore().add(first),
      new IndexedDbDpopKeyStore().add(second),
    ]);

    expect(added[0]).toBe(first);
    expect(await publicJwk(added[1])).toEqual(await publicJwk(first));
    expect(await publicJwk(await new IndexedDbDpopKeyStore().load())).toEqual(
      await publicJwk(first),
    );
  });

  it('keeps the stored pair when a later add() brings another one', async () => {
    const store = new IndexedDbDpopKeyStore();
    const [first, second] = [await newPair(), await newPair()];
    await store.add(first);

    const added = await store.add(second);

    expect(await publicJwk(added)).toEqual(await publicJwk(first));
  });

  it('forgets the pair on clear(), so that the next add() stores a new one', async () => {
    const store = new IndexedDbDpopKeyStore();
    const [first, second] = [await newPair(), await newPair()];
    await store.add(first);

    await expect(store.clear()).resolves.toBeUndefined();

    await expect(store.load()).resolves.toBeNull();
    await expect(store.add(second)).resolves.toBe(second);
    expect(await publicJwk(await new IndexedDbDpopKeyStore().load())).toEqual(
      await publicJwk(second),
    );
  });

  describe('failures', () => {
    it('rejects every call, naming IndexedDB, where there is none', async () => {
      lend({ indexedDB: undefined });
      const store = new IndexedDbDpopKeyStore();

      await expect(store.load()).rejects.toThrow('IndexedDB is not available');
      await expect(store.add(await newPair())).rejects.toThrow('IndexedDB is not available');
      await expect(store.clear()).rejects.toThrow('IndexedDB is not available');
    });

    it('tries to open the database again at the next call after it failed to', async () => {
      lend({ indexedDB: undefined });
      const store = new IndexedDbDpopKeyStore();
      await expect(store.load()).rejects.toThrow('IndexedDB is not available');

      lend({ indexedDB: new IDBFactory() });

      await expect(store.load()).resolves.toBeNull();
    });

    it("rejects with IndexedDB's own error when the database does not open", async () => {
      await openDatabase('ngx-token-refresh-dpop', 2); // a newer version than the store's

      await expect(new IndexedDbDpopKeyStore().load()).rejects.toMatchObject({
        name: 'VersionError',
      });
    });

    it('rejects add() with the error of the write that failed, storing nothing', async () => {
      const store = new IndexedDbDpopKeyStore();
      const pair = await newPair();
      // A write that fails as on a full disk (QuotaExceededError): the second add of a key fails.
      const put = jest.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
        this: IDBObjectStore,
        value: unknown,
        key?: IDBValidKey,
      ) {
        this.add(value, key);
        return this.add(value, key);
      });

      await expect(store.add(pair)).rejects.toMatchObject({ name: 'ConstraintError' });

      put.mockRestore();
      await expect(store.load()).resolves.toBeNull();
    });

    it("rejects add() with the transaction's error, storing nothing, where a CryptoKey cannot be stored", async () => {
      const store = new IndexedDbDpopKeyStore();
      const pair = await newPair();
      // As in browsers that cannot store a CryptoKey in IndexedDB (Edge before Chromium).
      lend({ structuredClone: refuseToClone });

      // The put throws in a success handler: IndexedDB aborts the transaction ("fire a success event").
      await expect(store.add(pair)).rejects.toMatchObject({ name: 'AbortError' });

      lend({ structuredClone: nodeStructuredClone });
      await expect(store.load()).resolves.toBeNull();
    });
  });
});

describe('withDpop() with its default key store, IndexedDB', () => {
  it('makes one non-extractable P-256 key and signs with it again after a reload', async () => {
    setUpDefaultDpop();
    const thumbprint = await TestBed.inject(DpopService).thumbprint();
    const stored = await new IndexedDbDpopKeyStore().load();
    expect(stored?.privateKey.extractable).toBe(false);
    expect(stored?.privateKey.algorithm).toEqual({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(await jwkThumbprint(await publicJwk(stored))).toBe(thumbprint);

    TestBed.resetTestingModule(); // a reload: a new app, the same database
    setUpDefaultDpop();

    expect(await TestBed.inject(DpopService).thumbprint()).toBe(thumbprint);
  });

  it('replaces the key in the database after clearSession()', async () => {
    setUpDefaultDpop();
    const before = await TestBed.inject(DpopService).thumbprint();

    await TestBed.inject(TokenRefreshService).clearSession();

    await expect(new IndexedDbDpopKeyStore().load()).resolves.toBeNull();
    const after = await TestBed.inject(DpopService).thumbprint();
    expect(after).not.toBe(before);
    expect(await jwkThumbprint(await publicJwk(await new IndexedDbDpopKeyStore().load()))).toBe(
      after,
    );
  });

  it('fails a request with dpop-unavailable where IndexedDB is missing, and sends nothing', async () => {
    lend({ indexedDB: undefined });
    const { http, backend, store } = setUpDefaultDpop();
    await store.setTokens({ accessToken: 'a1', refreshToken: 'r1' });

    const received = record(http.get('/api/orders'));

    await settled(received);
    const error = received.errors[0] as TokenRefreshError;
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.code).toBe('dpop-unavailable');
    expect(error.message).toMatch(
      /^NGTR210: withDpop\(\): the DpopKeyStore failed \(no IndexedDB\?\)/,
    );
    expect((error.cause as Error).message).toBe('IndexedDB is not available');
    backend.expectNone('/api/orders');
    backend.verify();
  });
});

/** The app with `withDpop()` and no `keyStore` option. */
function setUpDefaultDpop() {
  return setUp({}, [...withDpop().ɵproviders]);
}

const SIGNING = { name: 'ECDSA', hash: 'SHA-256' };
const DATA = new TextEncoder().encode('proof');

/** Sets (or, with `undefined`, removes) globals of the jsdom window. */
function lend(globals: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
}

async function newPair(): Promise<CryptoKeyPair> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  return pair as CryptoKeyPair;
}

async function publicJwk(pair: CryptoKeyPair | null | undefined): Promise<JsonWebKey> {
  expect(pair?.publicKey).toBeDefined();
  return webcrypto.subtle.exportKey('jwk', pair?.publicKey as webcrypto.CryptoKey);
}

async function jwkThumbprint({ crv, kty, x, y }: JsonWebKey): Promise<string> {
  const digest = await webcrypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(JSON.stringify({ crv, kty, x, y })),
  );
  return Buffer.from(digest).toString('base64url');
}

function refuseToClone(): never {
  throw new DOMException('CryptoKey could not be cloned.', 'DataCloneError');
}

/** Opens (creating or upgrading) the database `name` at `version`, and closes it. */
function openDatabase(name: string, version: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(name, version);
    opening.onsuccess = () => {
      opening.result.close();
      resolve();
    };
    opening.onerror = () => reject(opening.error ?? new Error(`${name} did not open`));
  });
}

async function settled(received: { errors: unknown[] }): Promise<void> {
  for (let turn = 0; turn < 200 && received.errors.length === 0; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
