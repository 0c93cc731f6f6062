import { HttpClient } from '@angular/common/http';
import {
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
  defer,
  filter,
  map,
  Observable,
  of,
  Subject,
  Subscriber,
  switchMap,
  throwError,
} from 'rxjs';

import { CrossTabCoordinator } from './cross-tab';
import { TokenRefreshError } from './errors';
import { firstOrAfter } from './first-or-after';
import { JwtExpiryCache } from './jwt-expiry';
import { sendRefreshCall, toRefreshError } from './refresh-call';
import { andThen, callStore, Eventually, readStore, toObservable } from './store-calls';
import { TOKEN_REFRESH_OPTIONS } from './token-refresh-config';
import { RefreshTrigger, TokenRefreshEvent, TokenRefreshState } from './token-refresh-events';
import { TokenSet, TokenStore } from './token-store';
import { WaiterQueue } from './waiter-queue';

/** What the gate holds: whether a refresh is in flight, and how the last one ended. */
type GateState = { readonly status: 'idle' } | { readonly status: 'refreshing' } | RefreshOutcome;

/** How one refresh ended. Carries failure as well as success, so no waiter is ever left hanging. */
type RefreshOutcome =
  | { readonly status: 'succeeded'; readonly tokens: TokenSet }
  | { readonly status: 'failed'; readonly error: TokenRefreshError };

/** The tokens in the store at one moment. */
interface StoredTokens {
  readonly accessToken: string | null;
  readonly refreshToken: string | null;
}

/** A token that gets a leeway of its own instead of `expiryLeeway`; see `RefreshGate`. */
interface LeewayException {
  readonly token: string;
  readonly leeway: number;
}

const IDLE: GateState = { status: 'idle' };
const REFRESHING: GateState = { status: 'refreshing' };

/**
 * The refresh gate: the only place a refresh starts. Internal.
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
 * `refreshTimeout` at the latest.
 */
@Injectable()
export class RefreshGate {
  readonly #options = inject(TOKEN_REFRESH_OPTIONS);
  readonly #store = inject(TokenStore);
  readonly #http = inject(HttpClient);
  readonly #injector = inject(EnvironmentInjector);
  readonly #crossTab = inject(CrossTabCoordinator, { optional: true });
  readonly #expiryCache = new JwtExpiryCache();
  readonly #gate = new BehaviorSubject<GateState>(IDLE);
  readonly #waiters = new WaiterQueue<string>();
  readonly #eventsSubject = new Subject<TokenRefreshEvent>();
  readonly #stateSignal = signal<TokenRefreshState>('idle');

  /** Whether the session has ended and `onSessionExpired` already ran for it. */
  #isSessionExpired = false;
  /** Bumped by `clearSession()`: a refresh started in an older epoch must not write its answer. */
  #sessionEpoch = 0;
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
    this.#crossTab?.messages.subscribe((message) =>
      message.type === 'refreshed'
        ? this.#adoptTokensFromOtherTab(message.tokens)
        : this.#endSessionFromOtherTab(),
    );
  }

  /** See `TokenRefreshService.state`. */
  readonly state = this.#stateSignal.asReadonly();
  /** See `TokenRefreshService.events`. */
  readonly events: Observable<TokenRefreshEvent> = this.#eventsSubject.asObservable();

  /**
   * The token a new request goes out with. Waits while a refresh is in flight, and refreshes first
   * when the stored token is known to expire within `expiryLeeway`. Synchronous (a plain value) when
   * the store answers synchronously and nothing has to wait: the common case costs no Observable.
   */
  tokenForRequest(): Eventually<string | null> {
    if (this.#isRefreshing()) {
      // Decided when subscribed, not now: an interceptor before this one may call next() at once but
      // subscribe later, after this refresh has settled, and must then not wait for the next one.
      return defer(() => this.#settledToken());
    }
    return andThen(this.#readAccessToken(), (token) =>
      andThen(this.#isExpiringSoon(token), (expiring) =>
        expiring ? this.joinRefresh('proactive') : token,
      ),
    );
  }

  /**
   * The token to retry with after the server rejected `sentToken`. When the store already holds a
   * different token (a refresh finished while the request was out), that one is reused without a
   * new refresh; otherwise the caller joins the refresh in flight or starts one.
   *
   * @param sentToken - The token the rejected request carried.
   */
  tokenAfterRejection(sentToken: string | null): Observable<string> {
    // Called when the rejection arrives, so deciding now (no defer) is deciding at the right time.
    if (this.#isRefreshing()) {
      return this.#settledToken();
    }
    return toObservable(
      andThen(this.#readAccessToken(), (current) =>
        current !== null && current !== sentToken ? current : this.joinRefresh('reactive'),
      ),
    );
  }

  /** The stored access token, as it is: no waiting and no refresh. */
  currentToken(): Eventually<string | null> {
    return this.#readAccessToken();
  }

  /**
   * Joins the refresh in flight, or starts one.
   *
   * @param trigger - What asked for the refresh, reported in the `refresh-started` event.
   * @returns The new access token, or the refresh's `TokenRefreshError`.
   */
  joinRefresh(trigger: RefreshTrigger): Observable<string> {
    return defer(() => {
      if (!this.#isRefreshing()) {
        this.#startRefresh(trigger);
      }
      return this.#settledToken();
    });
  }

  /**
   * Clears the store and makes sure that a refresh in flight does not write its late answer back.
   */
  clearSession(): Observable<void> {
    return defer(() => {
      this.#sessionEpoch++;
      this.#crossTab?.announceSessionEnded();
      return callStore('clear', () => this.#store.clear());
    });
  }

  #isRefreshing(): boolean {
    return this.#gate.value.status === 'refreshing';
  }

  /**
   * The outcome of the refresh in flight, or of the one that has just settled: the gate's current
   * value, read once (what `take(1)` would give, without a subscription per waiter).
   */
  #settledToken(): Observable<string> {
    const state = this.#gate.value;
    return isSettled(state) ? outcomeOf(state) : this.#waiters.wait();
  }

  #startRefresh(trigger: RefreshTrigger): void {
    const epoch = this.#sessionEpoch;
    this.#gate.next(REFRESHING);
    this.#stateSignal.set('refreshing');
    this.#eventsSubject.next({ type: 'refresh-started', trigger });
    // Subscribed by the gate rather than by the request that asked for it, so that no single caller
    // can cancel the refresh that every waiter depends on. It always ends: by answer, error or timeout.
    this.#refresh(epoch).subscribe({
      next: (tokens) => this.#settle({ status: 'succeeded', tokens }),
      error: (error: TokenRefreshError) => this.#settle({ status: 'failed', error }),
    });
  }

  #refresh(epoch: number): Observable<TokenSet> {
    const refreshInThisTab = () =>
      this.#readStoredTokens().pipe(
        switchMap((before) =>
          sendRefreshCall(this.#http, this.#options, before.refreshToken).pipe(
            switchMap((tokens) => this.#saveTokens(tokens, before, epoch)),
          ),
        ),
      );
    const refreshed = this.#crossTab
      ? this.#crossTab
          .runExclusive(refreshInThisTab)
          .pipe(
            switchMap(({ tokens, fromOtherTab }) =>
              fromOtherTab ? this.#storeTokens(tokens) : of(tokens),
            ),
          )
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
    ).pipe(
      catchError((error: unknown) => {
        const failure = toRefreshError(error);
        return failure.code === 'session-expired'
          ? this.#clearExpiredSession().pipe(switchMap(() => throwError(() => failure)))
          : throwError(() => failure);
      }),
    );
  }

  /**
   * Writes the refresh answer to the store, unless the session was cleared while the refresh was in
   * flight: a logout must win over a late answer.
   */
  #saveTokens(tokens: TokenSet, before: StoredTokens, epoch: number): Observable<TokenSet> {
    return this.#readStoredTokens().pipe(
      switchMap((now) => {
        if (epoch !== this.#sessionEpoch || wasCleared(before, now)) {
          throw new TokenRefreshError(
            'session-cleared',
            ngDevMode
              ? 'The session was cleared while the refresh was in flight; its answer was discarded.'
              : '',
          );
        }
        const merged: TokenSet = {
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken ?? before.refreshToken,
          expiresAt: tokens.expiresAt,
        };
        return this.#storeTokens(merged);
      }),
    );
  }

  #storeTokens(tokens: TokenSet): Observable<TokenSet> {
    return callStore('setTokens', () => this.#store.setTokens(tokens)).pipe(map(() => tokens));
  }

  #clearExpiredSession(): Observable<void> {
    return callStore('clear', () => this.#store.clear());
  }

  #settle(outcome: RefreshOutcome): void {
    if (outcome.status === 'succeeded') {
      this.#leewayException = this.#leewayExceptionFor(outcome.tokens);
      this.#isSessionExpired = false;
      this.#stateSignal.set('idle');
      this.#eventsSubject.next({ type: 'refresh-succeeded' });
    } else {
      const { error } = outcome;
      this.#stateSignal.set(this.#isSessionExpired ? 'expired' : 'idle');
      this.#eventsSubject.next({ type: 'refresh-failed', error });
      if (error.code === 'session-expired') {
        this.#expireSession(error);
        this.#crossTab?.announceSessionEnded();
      }
    }
    this.#gate.next(outcome);
  }

  /** Marks the session expired; the first time, tells the app (event and `onSessionExpired`). */
  #expireSession(error: TokenRefreshError): void {
    const isFirstExpiry = !this.#isSessionExpired;
    this.#isSessionExpired = true;
    this.#stateSignal.set('expired');
    if (isFirstExpiry) {
      this.#eventsSubject.next({ type: 'session-expired', error });
      this.#runOnSessionExpired();
    }
  }

  /** Another tab refreshed: keep its tokens, so this tab's store does not hold a rotated-out one. */
  #adoptTokensFromOtherTab(tokens: TokenSet): void {
    this.#storeTokens(tokens).subscribe({
      next: () => {
        this.#isSessionExpired = false;
        if (!this.#isRefreshing()) {
          this.#stateSignal.set('idle');
        }
      },
      // A failing store cannot be reported to any request here: report it the Angular way.
      error: (error: unknown) => this.#injector.get(ErrorHandler).handleError(error),
    });
  }

  /** The session ended in another tab (rejected refresh or logout): end it here too. */
  #endSessionFromOtherTab(): void {
    this.#sessionEpoch++;
    this.#clearExpiredSession().subscribe({
      next: () =>
        this.#expireSession(
          new TokenRefreshError(
            'session-expired',
            ngDevMode ? 'The session ended in another tab of this app.' : '',
          ),
        ),
      // A failing store cannot be reported to any request here: report it the Angular way.
      error: (error: unknown) => this.#injector.get(ErrorHandler).handleError(error),
    });
  }

  #runOnSessionExpired(): void {
    const callback = this.#options.onSessionExpired;
    if (callback === null) {
      return;
    }
    try {
      runInInjectionContext(this.#injector, callback);
    } catch (error) {
      // A bug in the app's callback: report it the Angular way, but still release every waiter.
      this.#injector.get(ErrorHandler).handleError(error);
    }
  }

  #readAccessToken(): Eventually<string | null> {
    return andThen(
      readStore('getAccessToken', () => this.#store.getAccessToken()),
      (token) => {
        if (token !== null && this.#isSessionExpired) {
          // The app stored a new session (a login): the expired state is over.
          this.#isSessionExpired = false;
          this.#stateSignal.set('idle');
        }
        return token;
      },
    );
  }

  #readStoredTokens(): Observable<StoredTokens> {
    return toObservable(
      andThen(
        readStore('getAccessToken', () => this.#store.getAccessToken()),
        (accessToken) =>
          andThen(
            readStore('getRefreshToken', () => this.#store.getRefreshToken()),
            (refreshToken) => ({
              accessToken,
              refreshToken,
            }),
          ),
      ),
    );
  }

  /**
   * Whether `token` is known to expire within `expiryLeeway`, by the store's `getExpiresAt()` or, when
   * that is absent or `null`, by the JWT `exp` claim. Opaque and malformed tokens are not known to.
   *
   */
  #isExpiringSoon(token: string | null): Eventually<boolean> {
    if (token === null) {
      return false;
    }
    const expiresAt = this.#store.getExpiresAt
      ? readStore('getExpiresAt', () => this.#store.getExpiresAt?.() ?? null)
      : null;
    return andThen(expiresAt, (known) => this.#isWithinLeeway(token, known));
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

/** Whether the store was emptied between two reads: somebody logged out meanwhile. */
function wasCleared(before: StoredTokens, now: StoredTokens): boolean {
  const hadSession = before.accessToken !== null || before.refreshToken !== null;
  return hadSession && now.accessToken === null && now.refreshToken === null;
}
