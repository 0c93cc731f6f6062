import { HttpClient } from '@angular/common/http';
import {
  DestroyRef,
  EnvironmentInjector,
  ErrorHandler,
  inject,
  Injectable,
  runInInjectionContext,
  signal,
} from '@angular/core';
import {
  BehaviorSubject,
  catchError,
  filter,
  Observable,
  of,
  Subject,
  Subscriber,
  Subscription,
  switchMap,
  throwError,
} from 'rxjs';

import { TokenRefreshError } from './errors';
import { firstOrAfter } from './first-or-after';
import { JwtExpiryCache } from './jwt-expiry';
import { REFRESH_COORDINATOR } from './refresh-coordinator';
import { sendRefreshCall, toRefreshError } from './refresh-call';
import { REFRESH_HOLD, whenOnline } from './refresh-hold';
import { CHALLENGE_HANDLER } from './challenge-decision';
import { REQUEST_AUTHORIZER } from './request-authorizer';
import { isSameSession, Session, SessionSnapshot } from './session';
import { andThen, Eventually, toObservable } from './store-calls';
import { TOKEN_REFRESH_OPTIONS } from './token-refresh-config';
import { RefreshTrigger, TokenRefreshEvent, TokenRefreshState } from './token-refresh-events';
import { TokenSet } from './token-store';
import { WaiterQueue } from './waiter-queue';

/** What the gate holds: whether a refresh is in flight, and how the last one ended. */
type GateState = { readonly status: 'idle' } | { readonly status: 'refreshing' } | RefreshOutcome;

/** How one refresh ended. Carries failure as well as success, so no waiter is ever left hanging. */
type RefreshOutcome =
  | { readonly status: 'succeeded'; readonly tokens: TokenSet }
  | { readonly status: 'failed'; readonly error: TokenRefreshError };

/** The refresh in flight. */
interface InFlightRefresh {
  /** The access token the refresh replaces: requests that hold it wait; any other does not. */
  readonly staleToken: string | null;
  readonly subscription: Subscription;
}

/** A token that gets a leeway of its own instead of `expiryLeeway`; see `RefreshGate`. */
interface LeewayException {
  readonly token: string;
  readonly leeway: number;
}

const IDLE: GateState = { status: 'idle' };
const REFRESHING: GateState = { status: 'refreshing' };

/**
 * The refresh gate: the only place a refresh starts, and where requests wait for it. Internal.
 *
 * A `BehaviorSubject` holds whether a refresh is in flight and how the last one ended, failure as well
 * as success, so a failed refresh fails every waiter instead of stranding it. A request that needs a
 * fresh token reads the gate's current value once (what `take(1)` would give, without a subscription
 * per request): when a refresh is in flight it joins the waiter queue, which the gate's one
 * subscription (`filter` on settled outcomes) releases in a single pass, in the order the requests
 * arrived, so they are retried in the order they failed.
 *
 * The refresh itself is subscribed by the gate, not by any request: cancelling the request that
 * happened to start it cancels neither the refresh nor the other waiters. It ends by itself, after
 * `refreshTimeout` at the latest, or at once when the session it refreshes ends (a logout, another
 * tab's logout, the injector's destruction). A request only waits for a refresh of the session the
 * store holds: after a logout or a new login, requests go out at once with what the store holds.
 */
@Injectable()
export class RefreshGate {
  readonly #options = inject(TOKEN_REFRESH_OPTIONS);
  readonly #session = inject(Session);
  readonly #http = inject(HttpClient);
  readonly #injector = inject(EnvironmentInjector);
  readonly #coordinator = inject(REFRESH_COORDINATOR, { optional: true });
  readonly #hold = inject(REFRESH_HOLD, { optional: true });
  /** How requests carry the session, when a feature decides it (`withDpop()`); read per request. */
  readonly authorizer = inject(REQUEST_AUTHORIZER, { optional: true });
  /** Answers the challenges a refresh cannot (`withStepUp()`); read per failed request. */
  readonly challengeHandler = inject(CHALLENGE_HANDLER, { optional: true });
  readonly #expiryCache = new JwtExpiryCache();
  readonly #gate = new BehaviorSubject<GateState>(IDLE);
  readonly #waiters = new WaiterQueue<string>();
  readonly #eventsSubject = new Subject<TokenRefreshEvent>();
  readonly #stateSignal = signal<TokenRefreshState>('idle');

  #inFlight: InFlightRefresh | null = null;
  /**
   * Whether the app is over. A store that settles late (another tab's end of the session, cleared
   * after the destroy) still reaches the gate then; a destroyed injector runs no callback.
   */
  #isDestroyed = false;
  /** Whether the session has ended and `onSessionExpired` already ran for it. */
  #isSessionExpired = false;
  /**
   * A token that a refresh handed out already within `expiryLeeway`, and the leeway it gets instead.
   * A lifetime shorter than the leeway gets none: it is refreshed proactively only once it has really
   * expired, or every request would refresh. A token that arrived already expired by this clock (a
   * skewed clock) is never refreshed proactively: it is used until the server rejects it.
   */
  #leewayException: LeewayException | null = null;

  constructor() {
    this.#gate
      .pipe(filter(isSettled))
      .subscribe((outcome) => this.#waiters.release((waiter) => deliver(outcome, waiter)));
    this.#coordinator?.changes.subscribe((change) => {
      if (change.type === 'refreshed') {
        // As if this tab had refreshed: a lifetime shorter than the leeway must not refresh again.
        this.#leewayException = this.#leewayExceptionFor(change.tokens);
        this.#markSessionLive();
      } else {
        this.#endSession(
          new TokenRefreshError(
            'session-expired',
            ngDevMode ? 'The session ended in another tab of this app.' : '',
          ),
        );
      }
    });
    inject(DestroyRef).onDestroy(() => {
      // The app (or a server render) is over: end the refresh and let every waiter go, quietly.
      this.#isDestroyed = true;
      this.#inFlight?.subscription.unsubscribe();
      this.#inFlight = null;
      this.#waiters.release((waiter) => waiter.complete());
    });
  }

  /** See `TokenRefreshService.state`. */
  readonly state = this.#stateSignal.asReadonly();
  /** See `TokenRefreshService.events`. */
  readonly events: Observable<TokenRefreshEvent> = this.#eventsSubject.asObservable();

  /**
   * The token a new request goes out with. Waits while a refresh of the stored session is in flight,
   * and refreshes first when the stored token is known to expire within `expiryLeeway`. Synchronous
   * (a plain value) when the store answers synchronously and nothing has to wait.
   */
  tokenForRequest(): Eventually<string | null> {
    return andThen(this.#accessToken(), (token) => {
      const inFlight = this.#inFlight;
      if (inFlight !== null) {
        return token === inFlight.staleToken ? this.#waiters.wait() : token;
      }
      return andThen(this.#isExpiringSoon(token), (expiring) =>
        expiring ? this.#join('proactive', token) : token,
      );
    });
  }

  /**
   * The token to retry with after the server rejected `sentToken`. When the store already holds
   * another token (a refresh finished, or the app stored a new login, while the request was out),
   * that one is reused without a refresh; otherwise the caller joins the refresh in flight or starts
   * one.
   *
   * @param sentToken - The token the rejected request carried.
   * @returns The token to retry with, or `null` when the session was cleared while the request was
   *   out: the rejection then passes through, and no refresh starts for a session that is over.
   */
  tokenAfterRejection(sentToken: string | null): Observable<string | null> {
    return toObservable(
      andThen(this.#accessToken(), (current) => {
        if (current !== sentToken) {
          // A refresh may be replacing that one too: then wait for it.
          return current !== null && current === this.#inFlight?.staleToken
            ? this.#waiters.wait()
            : current;
        }
        return this.#join('reactive', current);
      }),
    );
  }

  /** The stored access token, as it is: no waiting and no refresh. */
  currentToken(): Eventually<string | null> {
    return this.#accessToken();
  }

  /**
   * Joins the refresh in flight, or starts one.
   *
   * @param trigger - What asked for the refresh, reported in the `refresh-started` event.
   * @returns The new access token, or the refresh's `TokenRefreshError`.
   */
  joinRefresh(trigger: RefreshTrigger): Observable<string> {
    return toObservable(andThen(this.#accessToken(), (token) => this.#join(trigger, token)));
  }

  /**
   * Ends the session (logout): a refresh in flight is abandoned at once, its waiters fail with code
   * `session-cleared`, and the store is cleared after any write in progress, so its late answer never
   * lands. Requests sent from now on go out with whatever the store holds: nothing, or a new login.
   */
  clearSession(): Observable<void> {
    this.#abandonRefresh(
      new TokenRefreshError(
        'session-cleared',
        ngDevMode
          ? 'The session was cleared while the refresh was in flight; its answer was discarded.'
          : '',
      ),
    );
    const cleared = this.#session.clear();
    return cleared.pipe(
      switchMap((before) => {
        this.#coordinator?.announceEnd(before);
        return this.authorizer?.sessionCleared() ?? of(undefined);
      }),
    );
  }

  /** Joins the refresh in flight, or starts one that replaces `staleToken`. */
  #join(trigger: RefreshTrigger, staleToken: string | null): Observable<string> {
    const inFlight = this.#inFlight;
    if (inFlight === null) {
      this.#startRefresh(trigger, staleToken);
    } else if (inFlight.staleToken !== staleToken) {
      // The refresh in flight is of a session the store no longer holds (a new login came since):
      // let it end, whatever its outcome, then refresh this one.
      return this.#waiters.wait().pipe(
        catchError(() => of(null)),
        switchMap(() => this.joinRefresh(trigger)),
      );
    }
    return this.#settledToken();
  }

  /**
   * The outcome of the refresh in flight, or of the one that has just settled: the gate's current
   * value, read once (what `take(1)` would give, without a subscription per waiter).
   */
  #settledToken(): Observable<string> {
    const state = this.#gate.value;
    return isSettled(state) ? outcomeOf(state) : this.#waiters.wait();
  }

  #startRefresh(trigger: RefreshTrigger, staleToken: string | null): void {
    this.#gate.next(REFRESHING);
    this.#stateSignal.set('refreshing');
    this.#eventsSubject.next({ type: 'refresh-started', trigger });
    let outcome: RefreshOutcome | null = null;
    // Subscribed by the gate rather than by the request that asked for it, so that no single caller
    // can cancel the refresh that every waiter depends on. It always ends: by answer, error, timeout,
    // or the end of its session.
    // Issue 14: withOfflineHold() parks an offline refresh until the network is back (refresh-hold.ts).
    const refresh = this.#hold
      ? this.#hold.hold(
          () => this.#refresh(staleToken),
          (state) => this.#stateSignal.set(state),
        )
      : this.#refresh(staleToken);
    const subscription = refresh.subscribe({
      next: (tokens) => (outcome = { status: 'succeeded', tokens }),
      error: (error: unknown) => this.#settle({ status: 'failed', error: toRefreshError(error) }),
      complete: () => this.#settle(outcome ?? { status: 'failed', error: endedWithoutTokens() }),
    });
    if (this.#gate.value === REFRESHING) {
      this.#inFlight = { staleToken, subscription };
    }
  }

  #refresh(staleToken: string | null): Observable<TokenSet> {
    const refreshInThisTab = () =>
      this.#session.snapshot().pipe(
        switchMap((before) => {
          // Another tab may have refreshed this session while this one waited for its turn.
          const stored = before.accessToken;
          return stored !== null && stored !== staleToken
            ? of(storedTokens(before, stored))
            : this.#call(before);
        }),
      );
    const refreshed = this.#coordinator
      ? this.#coordinator.runExclusive(refreshInThisTab)
      : refreshInThisTab();
    // Unsubscribing the refresh on timeout cancels its call (and releases the cross-tab lock).
    return firstOrAfter(
      refreshed,
      this.#options.refreshTimeout,
      throwError(
        () =>
          new TokenRefreshError(
            'refresh-timeout',
            ngDevMode
              ? `The refresh did not answer within ${this.#options.refreshTimeout} ms (refreshTimeout).`
              : '',
          ),
      ),
    );
  }

  /** The refresh call for the session `before`, and what follows its answer. */
  #call(before: SessionSnapshot): Observable<TokenSet> {
    return sendRefreshCall(this.#http, this.#options, before.refreshToken, this.authorizer).pipe(
      switchMap((tokens) => this.#session.replace(before, tokens)),
      switchMap((stored) => {
        this.#coordinator?.announceRefresh(before, stored);
        return of(stored);
      }),
      catchError((error: unknown) => {
        const failure = toRefreshError(error);
        return failure.code === 'session-expired'
          ? this.#endRejectedSession(before, failure)
          : throwError(() => failure);
      }),
    );
  }

  /**
   * The server rejected the refresh of `before`: clear the store, unless it holds another session by
   * now (a new login must survive the old session's end). A store that fails to clear does not keep
   * the session alive for the app: its error goes to the `ErrorHandler`.
   */
  #endRejectedSession(before: SessionSnapshot, failure: TokenRefreshError): Observable<never> {
    return this.#session
      .clearIf((now) => isSameSession(before, now))
      .pipe(
        catchError((storeError: unknown) => {
          // The store failed to clear: report it, and still end the session for the app.
          this.#reportError(storeError);
          return of(before);
        }),
        switchMap((ended) => {
          if (ended === null) {
            throw new TokenRefreshError(
              'session-cleared',
              ngDevMode
                ? 'The session was replaced while the refresh was in flight; its answer was discarded.'
                : '',
              { cause: failure },
            );
          }
          this.#coordinator?.announceEnd(ended);
          throw failure;
        }),
      );
  }

  #settle(outcome: RefreshOutcome): void {
    this.#inFlight = null;
    if (outcome.status === 'succeeded') {
      this.#leewayException = this.#leewayExceptionFor(outcome.tokens);
      this.#isSessionExpired = false;
      this.#stateSignal.set('idle');
      // The waiters are served before anyone hears of it: a refresh started from an event handler
      // must not be settled by this outcome.
      this.#gate.next(outcome);
      this.#eventsSubject.next({ type: 'refresh-succeeded' });
      return;
    }
    const { error } = outcome;
    const endsSession = error.code === 'session-expired';
    const isOffline = error.code === 'offline';
    this.#stateSignal.set(
      endsSession || this.#isSessionExpired ? 'expired' : isOffline ? 'offline' : 'idle',
    );
    if (isOffline) {
      // `offline` lasts until the browser is online again, unless a refresh starts first.
      whenOnline().subscribe(() => {
        if (this.#stateSignal() === 'offline') {
          this.#stateSignal.set('idle');
        }
      });
    }
    // The waiters fail first: whatever an event handler or onSessionExpired sends finds the gate
    // settled, and a refresh it starts is not settled by this outcome.
    this.#gate.next(outcome);
    this.#eventsSubject.next({ type: 'refresh-failed', error });
    if (endsSession) {
      this.#expireSession(error);
    }
  }

  /** Ends a refresh in flight with `error`, without waiting for its answer. */
  #abandonRefresh(error: TokenRefreshError): void {
    const inFlight = this.#inFlight;
    if (inFlight !== null) {
      inFlight.subscription.unsubscribe();
      this.#settle({ status: 'failed', error });
    }
  }

  /** The session ended elsewhere (another tab): let go of its refresh and tell the app. */
  #endSession(error: TokenRefreshError): void {
    this.#abandonRefresh(error);
    this.#stateSignal.set('expired');
    this.#expireSession(error);
  }

  /** Marks the session expired; the first time, tells the app (event and `onSessionExpired`). */
  #expireSession(error: TokenRefreshError): void {
    const isFirstExpiry = !this.#isSessionExpired;
    this.#isSessionExpired = true;
    if (isFirstExpiry && !this.#isDestroyed) {
      this.#eventsSubject.next({ type: 'session-expired', error });
      this.#runOnSessionExpired();
    }
  }

  /** The store holds a live session again (a login, or another tab's refresh). */
  #markSessionLive(): void {
    this.#isSessionExpired = false;
    if (this.#inFlight === null) {
      this.#stateSignal.set('idle');
    }
  }

  #runOnSessionExpired(): void {
    const callback = this.#options.onSessionExpired;
    if (callback === null) {
      return;
    }
    try {
      runInInjectionContext(this.#injector, callback);
    } catch (error) {
      // A bug in the app's callback: report it the Angular way; every waiter is already released.
      this.#reportError(error);
    }
  }

  #reportError(error: unknown): void {
    this.#injector.get(ErrorHandler).handleError(error);
  }

  #accessToken(): Eventually<string | null> {
    return andThen(this.#session.accessToken(), (token) => {
      if (token !== null && this.#isSessionExpired) {
        // The app stored a new session (a login): the expired state is over.
        this.#markSessionLive();
      }
      return token;
    });
  }

  /**
   * Whether `token` is known to expire within `expiryLeeway`, by the store's `getExpiresAt()` or, when
   * that is absent or `null`, by the JWT `exp` claim. Opaque and malformed tokens are not known to.
   */
  #isExpiringSoon(token: string | null): Eventually<boolean> {
    if (token === null) {
      return false;
    }
    return andThen(this.#session.expiresAt(), (known) => this.#isWithinLeeway(token, known));
  }

  #isWithinLeeway(token: string, expiresAt: number | null): boolean {
    const expiry = expiresAt ?? this.#expiryCache.expiryOf(token);
    const leeway =
      token === this.#leewayException?.token
        ? this.#leewayException.leeway
        : this.#options.expiryLeeway;
    return expiry !== null && expiry - leeway <= Date.now();
  }

  #leewayExceptionFor({ accessToken, expiresAt }: TokenSet): LeewayException | null {
    const expiry = expiresAt ?? this.#expiryCache.expiryOf(accessToken);
    const now = Date.now();
    if (expiry === null || expiry - this.#options.expiryLeeway > now) {
      return null;
    }
    return { token: accessToken, leeway: expiry <= now ? -Infinity : 0 };
  }
}

function isSettled(state: GateState): state is RefreshOutcome {
  return state.status === 'succeeded' || state.status === 'failed';
}

function outcomeOf(outcome: RefreshOutcome): Observable<string> {
  return outcome.status === 'failed'
    ? throwError(() => outcome.error)
    : of(outcome.tokens.accessToken);
}

function deliver(outcome: RefreshOutcome, waiter: Subscriber<string>): void {
  if (outcome.status === 'failed') {
    waiter.error(outcome.error);
  } else {
    waiter.next(outcome.tokens.accessToken);
    waiter.complete();
  }
}

/** The tokens of a snapshot, whose access token is `accessToken`. */
function storedTokens(snapshot: SessionSnapshot, accessToken: string): TokenSet {
  return {
    accessToken,
    refreshToken: snapshot.refreshToken,
    expiresAt: snapshot.expiresAt ?? undefined,
  };
}

/** A refresh that completed without tokens: its call was cancelled, e.g. by another interceptor. */
function endedWithoutTokens(): TokenRefreshError {
  return new TokenRefreshError(
    'refresh-cancelled',
    ngDevMode
      ? 'The refresh call ended without an answer (an interceptor cancelled it?); the session is kept.'
      : '',
  );
}
