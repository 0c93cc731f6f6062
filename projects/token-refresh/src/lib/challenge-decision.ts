import { HttpErrorResponse } from '@angular/common/http';
import { InjectionToken } from '@angular/core';
import { Observable } from 'rxjs';

import type { RefreshGate } from './refresh-gate';
import { AuthChallenge, parseWwwAuthenticate } from './www-authenticate';

/**
 * Answers a challenge that no refresh can answer, such as a step-up. Internal: the core's extension
 * point that `withStepUp()` fills; without it, such a failure passes through to the app.
 */
export interface ChallengeHandler {
  /**
   * Takes `challenge`, or declines it with `null`.
   *
   * @param challenge - The Bearer or DPoP challenge of the failed response, with an `error`.
   * @param sentToken - The access token the failed request carried.
   * @returns The access token to retry the request with, or `null` when this handler does not take
   *   the challenge.
   */
  answer(challenge: AuthChallenge, sentToken: string | null): Observable<string> | null;
}

/** The challenge handler of the nearest `provideTokenRefresh`, when a feature provides one. Internal. */
export const CHALLENGE_HANDLER = new InjectionToken<ChallengeHandler>('CHALLENGE_HANDLER');

/**
 * The Bearer or DPoP challenge (RFC 6750 §3, RFC 9449 §7.1) of a failed response: the first one that
 * carries an `error`, else the first one; `null` when there is none, when the header is malformed,
 * or when `error` is not an `HttpErrorResponse`.
 *
 * Use it where a request failed and the app decides what to show: the interceptor passes an
 * `insufficient_scope` (or, without `withStepUp()`, an `insufficient_user_authentication`) failure
 * through at once, unchanged, and this reads why. A cross-origin API must expose the header
 * (`Access-Control-Expose-Headers: WWW-Authenticate`), or the browser hides it.
 *
 * @usageNotes
 * ```ts
 * http.delete('/api/orders/42').subscribe({
 *   error: (error) => {
 *     if (bearerChallengeOf(error)?.params['error'] === 'insufficient_scope') {
 *       showNotAllowed();
 *     }
 *   },
 * });
 * ```
 *
 * @param error - What the request failed with.
 * @returns The challenge, or `null`.
 * @publicApi
 */
export function bearerChallengeOf(error: unknown): AuthChallenge | null {
  if (!(error instanceof HttpErrorResponse)) {
    return null;
  }
  const ours = parseWwwAuthenticate(error.headers.getAll('WWW-Authenticate')).filter((challenge) =>
    /^(bearer|dpop)$/i.test(challenge.scheme),
  );
  return ours.find((challenge) => 'error' in challenge.params) ?? ours.at(0) ?? null;
}

/**
 * What the interceptor does with a failed request: the token to retry it with, or `null` to let the
 * failure pass through. Internal; the one place where the server's challenge is read.
 *
 * Only the `error` of the Bearer or DPoP challenge counts. `invalid_token`, a challenge without an
 * `error` (the request carried no token), and no challenge at all (a server that sends none) mean a
 * new access token may help: the request refreshes when its status is one of `statusCodes`. Any other
 * `error` (`invalid_request`, `insufficient_scope`, `insufficient_user_authentication`, DPoP's proof
 * errors) is not helped by a refresh: a feature may take it (`withStepUp()`), else it passes through.
 *
 * @param error - What the request failed with.
 * @param sentToken - The access token it carried.
 * @param gate - The refresh gate.
 * @param statusCodes - The statuses that may start a refresh.
 */
export function tokenToRetryWith(
  error: unknown,
  sentToken: string | null,
  gate: RefreshGate,
  statusCodes: readonly number[],
): Observable<string | null> | null {
  if (!(error instanceof HttpErrorResponse)) {
    return null;
  }
  const challenge = bearerChallengeOf(error);
  const code = challenge?.params['error'];
  if (challenge === null || code === undefined || code === 'invalid_token') {
    return statusCodes.includes(error.status) ? gate.tokenAfterRejection(sentToken) : null;
  }
  return gate.challengeHandler?.answer(challenge, sentToken) ?? null;
}
