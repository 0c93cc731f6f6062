import { bearerOf, setUp } from './spec-helpers';
import { WebStorageTokenStore } from './web-storage-token-store';

describe('WebStorageTokenStore', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    localStorage.clear();
    sessionStorage.clear();
  });

  it('keeps a session in localStorage under the default key prefix', () => {
    const store = new WebStorageTokenStore();
    store.setTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: 123 });

    expect(localStorage.getItem('ngx-token-refresh.access')).toBe('a');
    expect(localStorage.getItem('ngx-token-refresh.refresh')).toBe('r');
    const again = new WebStorageTokenStore();
    expect([again.getAccessToken(), again.getRefreshToken(), again.getExpiresAt()]).toEqual([
      'a',
      'r',
      123,
    ]);
  });

  it('uses sessionStorage and a custom prefix when asked', () => {
    const store = new WebStorageTokenStore({ storage: 'session', keyPrefix: 'app:' });
    store.setTokens({ accessToken: 'a' });

    expect(sessionStorage.getItem('app:access')).toBe('a');
    expect(localStorage.length).toBe(0);
  });

  it('reads back what it wrote under a custom key prefix, and nothing under the default one', () => {
    localStorage.setItem('ngx-token-refresh.access', 'someone-elses');
    const store = new WebStorageTokenStore({ keyPrefix: 'app:' });
    store.setTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: 123 });

    expect([store.getAccessToken(), store.getRefreshToken(), store.getExpiresAt()]).toEqual([
      'a',
      'r',
      123,
    ]);
    expect([
      localStorage.getItem('app:access'),
      localStorage.getItem('app:refresh'),
      localStorage.getItem('app:expiresAt'),
    ]).toEqual(['a', 'r', '123']);
    expect(localStorage.getItem('ngx-token-refresh.access')).toBe('someone-elses');
  });

  it('clears the access token, the refresh token and the expiry, and only its own keys', () => {
    localStorage.setItem('other-app.refresh', 'kept');
    const store = new WebStorageTokenStore();
    store.setTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: 1 });

    store.clear();

    expect([store.getAccessToken(), store.getRefreshToken(), store.getExpiresAt()]).toEqual([
      null,
      null,
      null,
    ]);
    expect(Object.keys(localStorage)).toEqual(['other-app.refresh']);
  });

  it('removes the refresh token and expiry when a new set has none, and clears everything', () => {
    const store = new WebStorageTokenStore();
    store.setTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: 1 });
    store.setTokens({ accessToken: 'b' });
    expect([store.getAccessToken(), store.getRefreshToken(), store.getExpiresAt()]).toEqual([
      'b',
      null,
      null,
    ]);

    store.clear();
    expect(localStorage.length).toBe(0);
    expect(store.getAccessToken()).toBeNull();
  });

  it('holds nothing and ignores writes where Web Storage is absent (server-side rendering)', () => {
    jest.spyOn(globalThis, 'localStorage', 'get').mockReturnValue(undefined as unknown as Storage);
    const store = new WebStorageTokenStore();

    expect(() => store.setTokens({ accessToken: 'a' })).not.toThrow();
    expect(store.getAccessToken()).toBeNull();
    expect(() => store.clear()).not.toThrow();
  });

  it('holds nothing where touching Web Storage throws a SecurityError', () => {
    jest.spyOn(globalThis, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    const store = new WebStorageTokenStore();

    expect(store.getAccessToken()).toBeNull();
    expect(() => store.setTokens({ accessToken: 'a' })).not.toThrow();
  });

  it('is created by the injector from `store: WebStorageTokenStore` without a DI warning, with the defaults', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    localStorage.setItem('ngx-token-refresh.access', 'stored-access');

    const { http, backend, store } = setUp({ store: WebStorageTokenStore });
    http.get('/api/orders').subscribe();

    expect(store).toBeInstanceOf(WebStorageTokenStore);
    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer stored-access');
    backend.verify();
    expect(warn).not.toHaveBeenCalled();
  });
});
