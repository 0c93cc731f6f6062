import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';

import { TokenRefreshError } from './errors';
import { Session } from './session';
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
