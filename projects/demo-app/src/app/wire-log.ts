import {
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpEvent,
  HttpInterceptorFn,
  HttpResponse,
} from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { tap } from 'rxjs';

/**
 * The burst a call belongs to; set by the dashboard on every call it fires (one `HttpContext` per
 * call), kept on retries and nonce resends, which are clones of the call.
 */
export const BURST_ID = new HttpContextToken<number | null>(() => null);

/** What one burst caused on the wire, as this tab saw it. */
export interface BurstWire {
  /** Requests of the burst sent: first attempts, retries after a refresh, and nonce resends. */
  sent: number;
  /** 401s its requests received, DPoP nonce challenges left out (they are counted below). */
  unauthorized: number;
  /** `withDpop()`: 401 `use_dpop_nonce` answers its requests received. */
  nonceChallenges: number;
  /** `withDpop()`: requests resent with the nonce a challenge brought (not retries after a refresh). */
  nonceResends: number;
}

/**
 * Counts what this tab really sent: each burst's requests and 401s, and the refresh calls with
 * their times, so that the dashboard shows a burst's own figures apart from the server's totals.
 *
 * With `withDpop()`, a server may answer a proof whose nonce is missing or stale with a nonce
 * challenge (`use_dpop_nonce`: 401 at the API, 400 at the refresh endpoint), and the library resends
 * that request once with the new nonce. Such an answer is counted as a nonce challenge, not as a 401,
 * and the resend neither as a retry nor as a second refresh call.
 */
@Injectable({ providedIn: 'root' })
export class WireLog {
  private readonly bursts = new Map<number, BurstWire>();
  private readonly refreshes: number[] = [];
  private readonly refreshNonceChallenges: number[] = [];
  /** The calls whose last answer was a nonce challenge: their next request is its resend. */
  private readonly challenged = new WeakSet<HttpContext>();

  burst(id: number): BurstWire {
    let wire = this.bursts.get(id);
    if (!wire) {
      wire = { sent: 0, unauthorized: 0, nonceChallenges: 0, nonceResends: 0 };
      this.bursts.set(id, wire);
    }
    return wire;
  }

  /** Refresh calls this tab sent from `since` (a `performance.now()` time) on, nonce resends apart. */
  refreshesSince(since: number): number {
    return countSince(this.refreshes, since);
  }

  /** Refresh calls answered with a nonce challenge from `since` on. */
  refreshNonceChallengesSince(since: number): number {
    return countSince(this.refreshNonceChallenges, since);
  }

  forget(id: number): void {
    this.bursts.delete(id);
  }

  /** Whether this request resends one a nonce challenge answered; it is one only once. */
  isNonceResend(context: HttpContext): boolean {
    return this.challenged.delete(context);
  }

  challenge(context: HttpContext): void {
    this.challenged.add(context);
  }

  recordRefresh(): void {
    record(this.refreshes);
  }

  recordRefreshNonceChallenge(): void {
    record(this.refreshNonceChallenges);
  }
}

/**
 * Placed after `tokenRefreshInterceptor`, so it sees each request as it goes out: first attempts,
 * retries, nonce resends, and the refresh call itself.
 */
export const wireLogInterceptor: HttpInterceptorFn = (request, next) => {
  const log = inject(WireLog);
  const { context } = request;
  const isNonceResend = log.isNonceResend(context);
  if (request.url.endsWith('/api/auth/refresh')) {
    if (!isNonceResend) log.recordRefresh();
    return next(request).pipe(
      tap({
        error: (error: unknown) => {
          if (isNonceChallenge(error)) {
            log.recordRefreshNonceChallenge();
            log.challenge(context);
          }
        },
      }),
    );
  }
  const burst = context.get(BURST_ID);
  if (burst === null) {
    return next(request);
  }
  const wire = log.burst(burst);
  wire.sent++;
  if (isNonceResend) wire.nonceResends++;
  const count = (answer: unknown) => {
    if (isNonceChallenge(answer)) {
      wire.nonceChallenges++;
      log.challenge(context);
    } else if (answer instanceof HttpResponse || answer instanceof HttpErrorResponse) {
      if (answer.status === 401) wire.unauthorized++;
    }
  };
  return next(request).pipe(tap<HttpEvent<unknown>>({ next: count, error: count }));
};

/**
 * Whether an answer asks for a (new) DPoP nonce (RFC 9449 §8, §9): a 401 whose challenge says
 * `use_dpop_nonce`, or a token endpoint's 400 whose body does.
 */
function isNonceChallenge(answer: unknown): boolean {
  if (!(answer instanceof HttpErrorResponse)) {
    return false;
  }
  if (answer.status === 401) {
    return /\berror="use_dpop_nonce"/.test(answer.headers.get('WWW-Authenticate') ?? '');
  }
  const body: unknown = answer.error;
  return (
    answer.status === 400 &&
    typeof body === 'object' &&
    body !== null &&
    (body as { error?: unknown }).error === 'use_dpop_nonce'
  );
}

function record(times: number[]): void {
  times.push(performance.now());
  if (times.length > 1000) times.splice(0, 500);
}

function countSince(times: readonly number[], since: number): number {
  return times.filter((time) => time >= since).length;
}
