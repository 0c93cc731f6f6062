import {
  HttpContextToken,
  HttpErrorResponse,
  HttpInterceptorFn,
  HttpResponse,
} from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { tap } from 'rxjs';

/** The burst a call belongs to; set by the dashboard on every call it fires, kept on retries. */
export const BURST_ID = new HttpContextToken<number | null>(() => null);

/** What one burst caused on the wire, as this tab saw it. */
export interface BurstWire {
  /** Requests of the burst sent, first attempts and retries. */
  sent: number;
  /** 401s its requests received. */
  unauthorized: number;
}

/**
 * Counts what this tab really sent: each burst's requests and 401s, and the refresh calls with
 * their times, so that the dashboard shows a burst's own figures apart from the server's totals.
 */
@Injectable({ providedIn: 'root' })
export class WireLog {
  private readonly bursts = new Map<number, BurstWire>();
  private readonly refreshes: number[] = [];

  burst(id: number): BurstWire {
    let wire = this.bursts.get(id);
    if (!wire) {
      wire = { sent: 0, unauthorized: 0 };
      this.bursts.set(id, wire);
    }
    return wire;
  }

  /** Refresh calls this tab sent from `since` (a `performance.now()` time) on. */
  refreshesSince(since: number): number {
    return this.refreshes.filter((time) => time >= since).length;
  }

  recordRefresh(): void {
    this.refreshes.push(performance.now());
    if (this.refreshes.length > 1000) this.refreshes.splice(0, 500);
  }

  forget(id: number): void {
    this.bursts.delete(id);
  }
}

/**
 * Placed after `tokenRefreshInterceptor`, so it sees each request as it goes out: first attempts,
 * retries, and the refresh call itself.
 */
export const wireLogInterceptor: HttpInterceptorFn = (request, next) => {
  const log = inject(WireLog);
  if (request.url.endsWith('/api/auth/refresh')) {
    log.recordRefresh();
    return next(request);
  }
  const burst = request.context.get(BURST_ID);
  if (burst === null) {
    return next(request);
  }
  const wire = log.burst(burst);
  wire.sent++;
  return next(request).pipe(
    tap({
      next: (event) => {
        if (event instanceof HttpResponse && event.status === 401) wire.unauthorized++;
      },
      error: (error: unknown) => {
        if (error instanceof HttpErrorResponse && error.status === 401) wire.unauthorized++;
      },
    }),
  );
};
