import { Injectable } from '@angular/core';
import { TokenSet, TokenStore } from 'ngx-token-refresh';

/**
 * An in-memory {@link TokenStore} for tests that shows what the library did to it, and can expire the
 * access token on demand.
 *
 * `writes` lists every `setTokens` call (the library's refreshes, and yours), `clears` counts `clear`
 * calls (the library clears the store when the session expires).
 *
 * @usageNotes
 * ```ts
 * const tokens = TestBed.inject(TestingTokenStore);
 * tokens.expireAccessToken(); // the next request is refreshed proactively first
 * expect(tokens.writes.at(-1)?.refreshToken).toBe('rotated');
 * ```
 *
 * @publicApi
 */
@Injectable()
export class TestingTokenStore extends TokenStore {
  /** Every `setTokens` call, in order. */
  readonly writes: TokenSet[] = [];
  /** How many times `clear` was called. */
  clears = 0;
  private tokens: TokenSet | null = null;

  /** Returns the current access token, or `null` when there is none. */
  override getAccessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  /** Returns the current refresh token, or `null` when there is none. */
  override getRefreshToken(): string | null {
    return this.tokens?.refreshToken ?? null;
  }

  /** Returns when the access token expires (epoch ms), or `null` when unknown. */
  override getExpiresAt(): number | null {
    return this.tokens?.expiresAt ?? null;
  }

  /** Stores a new set of tokens, and records it in `writes`. */
  override setTokens(tokens: TokenSet): void {
    this.writes.push({ ...tokens });
    this.tokens = { ...tokens };
  }

  /** Forgets every token, and counts the call in `clears`. */
  override clear(): void {
    this.clears++;
    this.tokens = null;
  }

  /**
   * Puts a session in the store without recording it in `writes`, as a login before the test would.
   *
   * @param tokens - The session's tokens.
   */
  signIn(tokens: TokenSet): void {
    this.tokens = { ...tokens };
  }

  /**
   * Marks the access token as expired a minute ago, so that the next request refreshes it first
   * (proactive refresh). The token itself is unchanged: a server in your test still decides whether
   * it accepts it.
   */
  expireAccessToken(): void {
    if (this.tokens) {
      this.tokens = { ...this.tokens, expiresAt: Date.now() - 60_000 };
    }
  }
}
