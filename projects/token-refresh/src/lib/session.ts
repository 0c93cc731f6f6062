import { inject, Injectable } from '@angular/core';
import { AsyncSubject, catchError, Observable, of, switchMap } from 'rxjs';

import { TokenRefreshError } from './errors';
import { andThen, callStore, Eventually, readStore, toObservable } from './store-calls';
import { TokenSet, TokenStore } from './token-store';

/** The tokens the store held at one moment, and the session epoch they belong to. Internal. */
export interface SessionSnapshot {
  /** The epoch when it was read; see {@link Session.epoch}. */
  readonly epoch: number;
  readonly accessToken: string | null;
  readonly refreshToken: string | null;
  readonly expiresAt: number | null;
}

/**
 * The session the refresh gate refreshes: every read and write of the {@link TokenStore}. Internal.
 *
 * Reads answer synchronously when the store does. Writes and clears are serialized: each runs only
 * after the one before it has settled in the store, even when whoever asked for it has stopped
 * listening, so a slow `setTokens` can never land after a `clear` that was asked for later.
 *
 * The epoch tells one session from the next: `clear()` starts a new one at once. A write that belongs
 * to an older epoch, or to tokens the store no longer holds (the app stored a new login meanwhile), is
 * discarded when its turn comes.
 */
@Injectable()
export class Session {
  readonly #store = inject(TokenStore);
  readonly #pending: (() => void)[] = [];
  #isWriting = false;
  #epoch = 0;
  /**
   * The access token a failed `clear()` left in the store: read as absent, so that a session that
   * ended stays ended for the app whatever the store does, until the store holds another session.
   */
  #forgotten: string | null = null;
  /** The access token the library itself stored last: a refresh of the session, not a new login. */
  #lastStored: string | null = null;

  /** Bumped by every `clear()` and `clearIf()` that ends a session. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * The stored access token; a store answering `undefined` (plain JavaScript) counts as `null`, and
   * so does the token of a session whose `clear()` failed.
   */
  accessToken(): Eventually<string | null> {
    return andThen(
      readStore('getAccessToken', () => this.#store.getAccessToken()),
      (token) => {
        const known = token ?? null;
        return known === this.#forgotten ? null : known;
      },
    );
  }

  /** When the stored access token expires by the store's `getExpiresAt()`, or `null` when unknown. */
  expiresAt(): Eventually<number | null> {
    return this.#store.getExpiresAt
      ? andThen(
          readStore('getExpiresAt', () => this.#store.getExpiresAt?.()),
          (expiresAt) => expiresAt ?? null,
        )
      : null;
  }

  /** Everything the store holds now. */
  snapshot(): Observable<SessionSnapshot> {
    const epoch = this.#epoch;
    return toObservable(
      andThen(this.accessToken(), (accessToken) =>
        andThen(
          readStore('getRefreshToken', () => this.#store.getRefreshToken()),
          (refreshToken) =>
            andThen(this.expiresAt(), (expiresAt) =>
              // The refresh token of a session whose clear() failed is as gone as its access token.
              accessToken === null && this.#forgotten !== null
                ? { epoch, accessToken, refreshToken: null, expiresAt: null }
                : { epoch, accessToken, refreshToken: refreshToken ?? null, expiresAt },
            ),
        ),
      ),
    );
  }

  /**
   * Stores the answer of a refresh of the session `from`, in turn after the writes before it. Fails
   * with `session-cleared`, writing nothing, when by then the session was cleared or the store holds
   * other tokens than `from` (a logout, or a new login, won over the refresh).
   *
   * @param from - What the store held when the refresh began.
   * @param tokens - The refresh answer; a missing refresh token keeps the one of `from`.
   * @returns The tokens as stored.
   */
  replace(from: SessionSnapshot, tokens: TokenSet): Observable<TokenSet> {
    return this.#inTurn(() =>
      this.snapshot().pipe(
        switchMap((now) => {
          if (!isSameSession(from, now)) {
            throw new TokenRefreshError(
              'session-cleared',
              ngDevMode
                ? 'The session was cleared or replaced while the refresh was in flight; its answer was discarded.'
                : '',
            );
          }
          const stored: TokenSet = {
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken ?? from.refreshToken,
            expiresAt: tokens.expiresAt,
          };
          return this.#write(stored);
        }),
      ),
    );
  }

  /**
   * Stores `tokens`, in turn, when `accepts` what the store holds by then (another tab's refresh of
   * the same session).
   *
   * @returns Whether the tokens were stored.
   */
  adoptIf(accepts: (now: SessionSnapshot) => boolean, tokens: TokenSet): Observable<boolean> {
    return this.#inTurn(() =>
      this.snapshot().pipe(
        switchMap((now) =>
          accepts(now) ? this.#write(tokens).pipe(switchMap(() => of(true))) : of(false),
        ),
      ),
    );
  }

  /**
   * Stores `tokens` (a step-up's) as the continuation of the session `from`, in turn: when by then the
   * store still holds `from`, or tokens the library itself stored since (a refresh of that session
   * while the step-up ran). A missing refresh token keeps the one stored by then, never an older one.
   * Another session (a logout, a new login) is left alone.
   *
   * @returns The tokens as stored, or `null` when the session changed.
   */
  continueSession(from: SessionSnapshot, tokens: TokenSet): Observable<TokenSet | null> {
    return this.#inTurn(() =>
      this.snapshot().pipe(
        switchMap((now) =>
          now.epoch === from.epoch &&
          (isSameSession(from, now) ||
            (now.accessToken !== null && now.accessToken === this.#lastStored))
            ? this.#write({
                accessToken: tokens.accessToken,
                refreshToken: tokens.refreshToken ?? now.refreshToken ?? undefined,
                expiresAt: tokens.expiresAt,
              })
            : of(null),
        ),
      ),
    );
  }

  /**
   * Ends the session: a new epoch starts at once, so that no write asked for before lands after, and
   * the store is cleared in turn.
   *
   * @returns What the store held just before it was cleared.
   */
  clear(): Observable<SessionSnapshot> {
    this.#epoch++;
    return this.#inTurn(() => this.#clearStore());
  }

  /**
   * Ends the session, in turn, when `accepts` what the store holds by then: a rejected refresh of
   * tokens that are still the current ones, or another tab's logout of the same session.
   *
   * @returns What the store held before it was cleared, or `null` when it was left alone.
   */
  clearIf(accepts: (now: SessionSnapshot) => boolean): Observable<SessionSnapshot | null> {
    return this.#inTurn(() =>
      this.snapshot().pipe(
        switchMap((now) => {
          if (!accepts(now)) {
            return of(null);
          }
          this.#epoch++;
          return this.#clearStore();
        }),
      ),
    );
  }

  #clearStore(): Observable<SessionSnapshot> {
    return this.snapshot().pipe(
      switchMap((before) =>
        callStore('clear', () => this.#store.clear()).pipe(
          catchError((error: unknown) => {
            // The store kept the tokens: hide them (those hidden already stay hidden), and still
            // report the failure.
            this.#forgotten = before.accessToken ?? this.#forgotten;
            throw error;
          }),
          switchMap(() => {
            this.#forgotten = null;
            return of(before);
          }),
        ),
      ),
    );
  }

  #write(tokens: TokenSet): Observable<TokenSet> {
    return callStore('setTokens', () => this.#store.setTokens(tokens)).pipe(
      switchMap(() => {
        this.#lastStored = tokens.accessToken;
        return of(tokens);
      }),
    );
  }

  /**
   * Runs `operation` once every operation asked for before it has settled, and runs it to its end
   * whoever listens: its result is replayed to the caller. Runs at once, synchronously, when nothing
   * is pending, so a synchronous store stays synchronous.
   */
  #inTurn<T>(operation: () => Observable<T>): Observable<T> {
    const result = new AsyncSubject<T>();
    this.#pending.push(() =>
      operation().subscribe({
        next: (value) => result.next(value),
        error: (error: unknown) => {
          result.error(error);
          this.#runNext();
        },
        complete: () => {
          result.complete();
          this.#runNext();
        },
      }),
    );
    if (!this.#isWriting) {
      this.#runNext();
    }
    return result.asObservable();
  }

  #runNext(): void {
    const next = this.#pending.shift();
    this.#isWriting = next !== undefined;
    next?.();
  }
}

/** Whether two snapshots are of one session: same epoch, same tokens. */
export function isSameSession(a: SessionSnapshot, b: SessionSnapshot): boolean {
  return (
    a.epoch === b.epoch && a.accessToken === b.accessToken && a.refreshToken === b.refreshToken
  );
}
