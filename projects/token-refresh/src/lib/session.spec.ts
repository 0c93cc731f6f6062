import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';

import { TokenRefreshError } from './errors';
import { isSameSession, Session } from './session';
import { MemoryTokenStore, TokenSet, TokenStore } from './token-store';

describe('Session', () => {
  it('discards the answer of a refresh begun before a logout, even when the store looks the same (cookie-based session)', async () => {
    // With cookie-based refresh nothing is stored before the first refresh: the cleared store holds
    // exactly what the old session held, so only the epoch tells them apart.
    const { session, store } = setUpSession();
    const from = await firstValueFrom(session.snapshot());

    await firstValueFrom(session.clear());
    const error = await rejectionOf(session.replace(from, { accessToken: 'late' }));

    expect(error).toBeInstanceOf(TokenRefreshError);
    expect((error as TokenRefreshError).code).toBe('session-cleared');
    expect(store.getAccessToken()).toBeNull();
  });

  it('discards the answer of a refresh begun before a logout when the user logged in again with the same tokens', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const from = await firstValueFrom(session.snapshot());

    await firstValueFrom(session.clear());
    store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const error = await rejectionOf(session.replace(from, { accessToken: 'late' }));

    expect((error as TokenRefreshError).code).toBe('session-cleared');
    expect([store.getAccessToken(), store.getRefreshToken()]).toEqual(['access-1', 'refresh-1']);
  });

  it('discards the answer when the store holds another refresh token than the refresh began with', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const from = await firstValueFrom(session.snapshot());

    store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-2' });
    const error = await rejectionOf(session.replace(from, { accessToken: 'late' }));

    expect((error as TokenRefreshError).code).toBe('session-cleared');
    expect(store.getRefreshToken()).toBe('refresh-2');
  });

  it('stores the answer of a refresh of the current session, keeping the refresh token when the answer has none', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const from = await firstValueFrom(session.snapshot());

    const stored = await firstValueFrom(
      session.replace(from, { accessToken: 'access-2', expiresAt: 42 }),
    );

    const expected: TokenSet = {
      accessToken: 'access-2',
      refreshToken: 'refresh-1',
      expiresAt: 42,
    };
    expect(stored).toEqual(expected);
    expect([store.getAccessToken(), store.getRefreshToken()]).toEqual(['access-2', 'refresh-1']);
  });

  it('starts a new epoch with every logout, and with every conditional clear that clears', async () => {
    const { session } = setUpSession({ accessToken: 'access-1' });
    expect(session.epoch).toBe(0);

    const cleared = session.clear();
    expect(session.epoch).toBe(1); // at once, before the store is cleared
    await firstValueFrom(cleared);
    await firstValueFrom(session.clearIf(() => false));
    expect(session.epoch).toBe(1);
    await firstValueFrom(session.clearIf(() => true));
    expect(session.epoch).toBe(2);
  });

  it('reports what the store held before a logout, and leaves it alone when a conditional clear declines', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const declined = await firstValueFrom(session.clearIf(() => false));
    expect(declined).toBeNull();
    expect(store.getAccessToken()).toBe('access-1');

    const before = await firstValueFrom(session.clearIf(() => true));
    expect(before).toEqual(
      expect.objectContaining({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        expiresAt: null,
      }),
    );
    expect(store.getAccessToken()).toBeNull();
  });

  it("takes another tab's tokens only when it accepts what the store holds, and says whether it did", async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const theirs: TokenSet = { accessToken: 'access-2', refreshToken: 'refresh-2' };

    expect(await firstValueFrom(session.adoptIf(() => false, theirs))).toBe(false);
    expect(store.getAccessToken()).toBe('access-1');
    expect(
      await firstValueFrom(session.adoptIf((now) => now.accessToken === 'access-1', theirs)),
    ).toBe(true);
    expect([store.getAccessToken(), store.getRefreshToken()]).toEqual(['access-2', 'refresh-2']);
  });

  it('fails with store-failed naming the method when the store cannot read the refresh token', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1' });
    jest.spyOn(store, 'getRefreshToken').mockImplementation(() => {
      throw new Error('storage unavailable');
    });

    const error = await rejectionOf(session.snapshot());

    expect((error as TokenRefreshError).code).toBe('store-failed');
    expect((error as TokenRefreshError).message).toContain('TokenStore.getRefreshToken()');
  });

  it('shows the refresh token of a new login after a clear() that failed', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const clear = jest.spyOn(store, 'clear').mockImplementationOnce(() => {
      throw new Error('storage unavailable');
    });
    await rejectionOf(session.clear());
    expect(clear).toHaveBeenCalledTimes(1);
    expect(await firstValueFrom(session.snapshot())).toMatchObject({
      accessToken: null,
      refreshToken: null,
    });

    store.setTokens({ accessToken: 'access-2', refreshToken: 'refresh-2' });

    expect(await firstValueFrom(session.snapshot())).toMatchObject({
      accessToken: 'access-2',
      refreshToken: 'refresh-2',
    });
  });

  it('fails with store-failed naming clear() when the store cannot clear', async () => {
    const { session, store } = setUpSession({ accessToken: 'access-1' });
    jest.spyOn(store, 'clear').mockImplementation(() => {
      throw new Error('storage unavailable');
    });

    const error = await rejectionOf(session.clear());

    expect((error as TokenRefreshError).code).toBe('store-failed');
    expect((error as TokenRefreshError).message).toContain('TokenStore.clear()');
  });

  describe('continuing a session after a step-up', () => {
    it('stores the step-up tokens over a refresh of the same session made meanwhile', async () => {
      const { session, store } = setUpSession({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      const from = await firstValueFrom(session.snapshot());
      await firstValueFrom(session.replace(from, { accessToken: 'access-2' }));

      const stored = await firstValueFrom(
        session.continueSession(from, { accessToken: 'stepped-up' }),
      );

      expect(stored).toEqual({ accessToken: 'stepped-up', refreshToken: 'refresh-1' });
      expect(store.getAccessToken()).toBe('stepped-up');
    });

    it('leaves a login the app stored meanwhile alone', async () => {
      const { session, store } = setUpSession({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      const from = await firstValueFrom(session.snapshot());
      store.setTokens({ accessToken: 'other-access', refreshToken: 'other-refresh' });

      const stored = await firstValueFrom(
        session.continueSession(from, { accessToken: 'stepped-up' }),
      );

      expect(stored).toBeNull();
      expect([store.getAccessToken(), store.getRefreshToken()]).toEqual([
        'other-access',
        'other-refresh',
      ]);
    });

    it('leaves a store that the app emptied itself meanwhile empty', async () => {
      const { session, store } = setUpSession({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      const from = await firstValueFrom(session.snapshot());
      store.clear(); // a logout that bypassed clearSession()

      const stored = await firstValueFrom(
        session.continueSession(from, { accessToken: 'stepped-up' }),
      );

      expect(stored).toBeNull();
      expect(store.getAccessToken()).toBeNull();
    });

    it('leaves alone the next session after a logout, even once the library refreshed it', async () => {
      const { session, store } = setUpSession({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      const from = await firstValueFrom(session.snapshot());
      await firstValueFrom(session.clear());
      store.setTokens({ accessToken: 'next-access-1', refreshToken: 'next-refresh-1' });
      const next = await firstValueFrom(session.snapshot());
      await firstValueFrom(session.replace(next, { accessToken: 'next-access-2' }));

      const stored = await firstValueFrom(
        session.continueSession(from, { accessToken: 'stepped-up' }),
      );

      expect(stored).toBeNull();
      expect(store.getAccessToken()).toBe('next-access-2');
    });
  });

  it('tells two snapshots apart by their epoch, their access token or their refresh token', () => {
    const tokens = { accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: null };
    const snapshot = { epoch: 1, ...tokens };

    expect(isSameSession(snapshot, { ...snapshot, expiresAt: 42 })).toBe(true);
    expect(isSameSession(snapshot, { ...snapshot, epoch: 2 })).toBe(false);
    // A cookie-style login: no refresh token on either side, another access token.
    const cookieSession = {
      epoch: 1,
      accessToken: 'access-1',
      refreshToken: null,
      expiresAt: null,
    };
    expect(isSameSession(cookieSession, { ...cookieSession, accessToken: 'access-2' })).toBe(false);
    expect(isSameSession(snapshot, { ...snapshot, refreshToken: 'refresh-2' })).toBe(false);
  });
});

function setUpSession(tokens?: TokenSet): { session: Session; store: MemoryTokenStore } {
  const store = new MemoryTokenStore();
  if (tokens) {
    store.setTokens(tokens);
  }
  TestBed.configureTestingModule({
    providers: [Session, { provide: TokenStore, useValue: store }],
  });
  return { session: TestBed.inject(Session), store };
}

async function rejectionOf(source: Parameters<typeof firstValueFrom>[0]): Promise<unknown> {
  try {
    await firstValueFrom(source);
  } catch (error) {
    return error;
  }
  throw new Error('expected the observable to fail');
}
