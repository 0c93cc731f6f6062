import { EnvironmentInjector, inject, runInInjectionContext } from '@angular/core';
import {
  AsyncSubject,
  catchError,
  defaultIfEmpty,
  from,
  Observable,
  of,
  switchMap,
  take,
  throwError,
} from 'rxjs';

import { CHALLENGE_HANDLER, ChallengeHandler } from './challenge-decision';
import { invalidConfigError, TokenRefreshError } from './errors';
import { TokenRefreshFeature, tokenRefreshFeature } from './features';
import { Session, SessionSnapshot } from './session';
import { andThen, toObservable } from './store-calls';
import { isTokenSet, TokenSet } from './token-store';
import { AuthChallenge } from './www-authenticate';

/**
 * A challenge that a step-up answers, as the handler of {@link withStepUp} receives it: RFC 9470's
 * `insufficient_user_authentication` or, when enabled, RFC 6750's `insufficient_scope`.
 *
 * @publicApi
 */
export interface StepUpChallenge {
  /** The challenge's `error`. */
  readonly error: 'insufficient_user_authentication' | 'insufficient_scope';
  /** The `acr_values` the server asks for, in order; empty when it names none. */
  readonly acrValues: readonly string[];
  /** The `max_age` in seconds the server asks for, or `null` when it names none (or no number). */
  readonly maxAge: number | null;
  /** The `scope` the server asks for; empty when it names none. */
  readonly scope: readonly string[];
  /** The whole challenge, with every parameter (e.g. `error_description`, `realm`). */
  readonly challenge: AuthChallenge;
}

/**
 * Gets tokens that satisfy a {@link StepUpChallenge}, e.g. by sending the user to the authorization
 * server with `acr_values` and `max_age`. Runs in an injection context, so it may `inject()`.
 * Resolve (or emit) the new {@link TokenSet}; resolve `null` (or complete) when the user declines;
 * reject (or error) when it fails. A missing `refreshToken` keeps the stored one.
 *
 * @publicApi
 */
export type StepUpHandler = (
  challenge: StepUpChallenge,
) => Observable<TokenSet | null> | Promise<TokenSet | null>;

/**
 * Options of {@link withStepUp}.
 *
 * @publicApi
 */
export interface StepUpOptions {
  /**
   * Whether `insufficient_scope` (RFC 6750) is stepped up too, for authorization servers that grant
   * more scope on a new authorization. Off, it passes through to the app like any other failure.
   * @default false
   */
  insufficientScope?: boolean;
}

/**
 * Answers step-up challenges (RFC 9470) with `handler`, and retries the requests that needed them.
 *
 * When a request fails with a Bearer or DPoP challenge `error="insufficient_user_authentication"`
 * (and, with `insufficientScope: true`, `error="insufficient_scope"`), `handler` gets the new tokens;
 * they are stored and the request is retried once with them (a retry counts towards `maxRetries`).
 *
 * Single flight: the requests that need the same step-up (same `error`, `acr_values`, `max_age` and
 * `scope`) while one is under way wait for that one handler call, and are all retried with its
 * tokens; a request that fails after it, still carrying the old token, is retried with the new one
 * without another call. A handler that fails or declines fails those requests with a
 * `TokenRefreshError` of code `step-up-failed` (its `cause` is the handler's error): the session is
 * not ended, and the next such failure asks again. A logout while the handler runs discards its
 * tokens (`session-cleared`). The step-up runs to its end even when every waiting request has been
 * unsubscribed. Other tabs learn of the new tokens only through a shared store.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh(
 *   { refreshUrl: '/api/auth/refresh' },
 *   withStepUp(({ acrValues, maxAge }) => inject(MyAuth).reauthenticate({ acrValues, maxAge })),
 * );
 * ```
 *
 * @param handler - Gets tokens that satisfy the challenge; see {@link StepUpHandler}.
 * @param options - Which challenges to step up; see {@link StepUpOptions}.
 * @returns The feature, for `provideTokenRefresh`.
 * @publicApi
 */
export function withStepUp(
  handler: StepUpHandler,
  options: StepUpOptions = {},
): TokenRefreshFeature {
  if (typeof handler !== 'function') {
    throw invalidConfigError(
      'withStepUp(handler)',
      ngDevMode ? 'must be a function that returns the new tokens.' : '',
    );
  }
  return tokenRefreshFeature('step-up', [
    {
      provide: CHALLENGE_HANDLER,
      useFactory: () => new StepUp(handler, options.insufficientScope === true),
    },
  ]);
}

/**
 * Runs step-ups, one per distinct challenge at a time. Internal; made by `withStepUp()` in an
 * injection context.
 */
export class StepUp implements ChallengeHandler {
  readonly #session = inject(Session);
  readonly #injector = inject(EnvironmentInjector);
  readonly #handler: StepUpHandler;
  readonly #isScopeStepUp: boolean;
  /** The step-ups under way, by what they answer: see {@link keyOf}. */
  readonly #inFlight = new Map<string, Observable<string>>();

  constructor(handler: StepUpHandler, isScopeStepUp: boolean) {
    this.#handler = handler;
    this.#isScopeStepUp = isScopeStepUp;
  }

  /** {@inheritDoc ChallengeHandler.answer} */
  answer(challenge: AuthChallenge, sentToken: string | null): Observable<string> | null {
    const { error } = challenge.params;
    if (
      error !== 'insufficient_user_authentication' &&
      !(this.#isScopeStepUp && error === 'insufficient_scope')
    ) {
      return null;
    }
    return toObservable(
      andThen(this.#session.accessToken(), (current) =>
        // The store holds other tokens than the request carried (a step-up finished meanwhile): use them.
        current !== null && current !== sentToken
          ? current
          : this.#join(stepUpChallengeOf(challenge, error)),
      ),
    );
  }

  /** Joins the step-up under way for the same challenge, or starts one. */
  #join(challenge: StepUpChallenge): Observable<string> {
    const key = keyOf(challenge);
    let shared = this.#inFlight.get(key);
    if (shared === undefined) {
      const result = new AsyncSubject<string>();
      shared = result.asObservable();
      this.#inFlight.set(key, shared);
      // Subscribed here, not by the request that asked: no single caller may cancel it for the others.
      this.#stepUp(challenge).subscribe({
        next: (token) => result.next(token),
        error: (error: unknown) => {
          this.#inFlight.delete(key);
          result.error(error);
        },
        complete: () => {
          this.#inFlight.delete(key);
          result.complete();
        },
      });
    }
    return shared;
  }

  #stepUp(challenge: StepUpChallenge): Observable<string> {
    return this.#session.snapshot().pipe(
      switchMap((before) =>
        this.#callHandler(challenge).pipe(
          take(1),
          // A handler that completes without tokens declined, as one that answers `null` does.
          defaultIfEmpty(null),
          switchMap((tokens) => this.#store(before, tokens)),
        ),
      ),
      // The handler failed (or the store did): the session is kept, the waiting requests fail.
      catchError((error: unknown) => throwError(() => asStepUpError(error))),
    );
  }

  #callHandler(challenge: StepUpChallenge): Observable<TokenSet | null> {
    try {
      return from(runInInjectionContext(this.#injector, () => this.#handler(challenge)));
    } catch (error) {
      // The handler threw before returning anything: a failed step-up.
      return throwError(() => error);
    }
  }

  /** Stores the step-up's tokens, unless the session ended while the handler ran. */
  #store(before: SessionSnapshot, tokens: TokenSet | null): Observable<string> {
    if (tokens === null) {
      return throwError(declined);
    }
    // A handler written in JavaScript may return anything: check what really came back.
    if (!isTokenSet(tokens)) {
      return throwError(
        () =>
          new TokenRefreshError(
            'step-up-failed',
            ngDevMode ? 'The withStepUp() handler returned no token set (see TokenSet).' : '',
          ),
      );
    }
    return this.#session
      .continueSession(before, tokens)
      .pipe(
        switchMap((stored) =>
          stored !== null
            ? of(stored.accessToken)
            : throwError(
                () =>
                  new TokenRefreshError(
                    'session-cleared',
                    ngDevMode
                      ? 'The session was cleared or replaced while the step-up ran; its tokens were discarded.'
                      : '',
                  ),
              ),
        ),
      );
  }
}

/** What tells one step-up from another: requests that need the same one share it. */
function keyOf({ error, acrValues, maxAge, scope }: StepUpChallenge): string {
  return JSON.stringify([error, acrValues, maxAge, scope]);
}

function stepUpChallengeOf(
  challenge: AuthChallenge,
  error: StepUpChallenge['error'],
): StepUpChallenge {
  const params: Partial<Record<string, string>> = challenge.params;
  const { acr_values: acrValues, max_age: maxAge, scope } = params;
  return {
    error,
    acrValues: words(acrValues),
    maxAge: maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : null,
    scope: words(scope),
    challenge,
  };
}

function words(value: string | undefined): string[] {
  return value?.split(' ').filter((word) => word !== '') ?? [];
}

function declined(): TokenRefreshError {
  return new TokenRefreshError(
    'step-up-failed',
    ngDevMode
      ? 'The withStepUp() handler declined (answered null or nothing); the session is kept.'
      : '',
  );
}

function asStepUpError(error: unknown): TokenRefreshError {
  return error instanceof TokenRefreshError
    ? error
    : new TokenRefreshError(
        'step-up-failed',
        ngDevMode ? 'The withStepUp() handler failed; see `cause`. The session is kept.' : '',
        { cause: error },
      );
}
