import { HttpErrorResponse } from '@angular/common/http';
import { TokenRefreshError } from 'ngx-token-refresh';

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
