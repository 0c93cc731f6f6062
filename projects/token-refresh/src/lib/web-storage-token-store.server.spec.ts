/**
 * Node's environment, wrapped so that StrykerJS (`npm run mutation`) sees which mutants these
 * tests reach.
 * @jest-environment @stryker-mutator/jest-runner/jest-env/node
 */
// A server runtime: no `window`, as under server-side rendering in Node.
import { WebStorageTokenStore } from './web-storage-token-store';

describe('WebStorageTokenStore on a server', () => {
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it("never uses the runtime's own global localStorage, which every user's request would share", () => {
    const serverWideStorage = {
      getItem: jest.fn(() => 'another-users-token'),
      setItem: jest.fn(),
      removeItem: jest.fn(),
    };
    Object.defineProperty(globalThis, 'localStorage', {
      value: serverWideStorage,
      configurable: true,
    });
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const store = new WebStorageTokenStore();

    expect([store.getAccessToken(), store.getRefreshToken(), store.getExpiresAt()]).toEqual([
      null,
      null,
      null,
    ]);
    store.setTokens({ accessToken: 'a', refreshToken: 'r' });
    store.clear();

    expect(serverWideStorage.getItem).not.toHaveBeenCalled();
    expect(serverWideStorage.setItem).not.toHaveBeenCalled();
    expect(serverWideStorage.removeItem).not.toHaveBeenCalled();
  });
});
