import { HttpErrorResponse } from '@angular/common/http';
import { bearerChallengeOf, TokenRefreshError } from 'ngx-token-refresh';

/** A short, user-facing description of why a call failed. */
export function describeHttpFailure(error: unknown): string {
  if (error instanceof TokenRefreshError) {
    return `the session could not be refreshed (${error.code}).`;
  }
  if (error instanceof HttpErrorResponse) {
    return error.status === 0
      ? 'the demo server cannot be reached. Is it running (npm start)?'
      : `the server answered ${error.status}.`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The short code a failed call shows in the call list: a library error code, or the status. */
export function failureCode(error: unknown): string {
  if (error instanceof TokenRefreshError) {
    return error.code;
  }
  if (error instanceof HttpErrorResponse) {
    return error.status === 0 ? 'unreachable' : String(error.status);
  }
  return 'error';
}

/**
 * What the server's `WWW-Authenticate` challenge says about a failed call, e.g.
 * `403 insufficient_scope (scope admin): The access token lacks the admin scope`; the failure code
 * when there is no challenge.
 */
export function describeChallenge(error: unknown): string {
  const challenge = bearerChallengeOf(error);
  if (challenge === null || !(error instanceof HttpErrorResponse)) {
    return `${failureCode(error)}, no challenge`;
  }
  // Any parameter may be missing: the server decides which it sends.
  const params: Partial<Record<string, string>> = challenge.params;
  const { error: code, error_description: description, scope, acr_values: acr } = params;
  const parts = [`${error.status} ${code ?? 'no error code'}`];
  if (scope !== undefined) parts.push(` (scope ${scope})`);
  if (acr !== undefined) parts.push(` (acr_values ${acr})`);
  if (description !== undefined) parts.push(`: ${description}`);
  return parts.join('');
}
