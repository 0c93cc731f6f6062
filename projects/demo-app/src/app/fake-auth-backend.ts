import {
  HttpErrorResponse,
  HttpEvent,
  HttpInterceptorFn,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { Injectable, inject, signal } from '@angular/core';
import { delay, dematerialize, materialize, Observable, of, throwError } from 'rxjs';

/** Milliseconds every simulated answer takes, so that calls overlap as they do over a network. */
const LATENCY_MS = 120;

/**
 * An auth server simulated in the browser: access tokens it can expire on demand, and refresh tokens
 * with rotation and reuse detection (presenting a used refresh token revokes the session).
 */
@Injectable({ providedIn: 'root' })
export class FakeAuthServer {
  readonly refreshCalls = signal(0);
  readonly unauthorizedAnswers = signal(0);
  private validAccessToken: string | null = null;
  private liveRefreshToken: string | null = null;
  private readonly usedRefreshTokens = new Set<string>();
  private serial = 0;

  handle(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    if (request.url === '/api/auth/login') {
      return this.answer(200, this.issueTokens());
    }
    if (request.url === '/api/auth/refresh') {
      return this.refresh((request.body as { refreshToken?: string } | null)?.refreshToken);
    }
    const bearer = request.headers.get('Authorization');
    if (bearer === null || bearer !== `Bearer ${this.validAccessToken}`) {
      this.unauthorizedAnswers.update((count) => count + 1);
      return this.answer(401, { error: 'invalid_token' });
    }
    return this.answer(200, { path: request.url, servedAt: new Date().toISOString() });
  }

  /** Makes the current access token invalid, as its expiry would. */
  expireAccessToken(): void {
    this.validAccessToken = null;
  }

  /** Revokes the session: the refresh token stops working and the user must sign in again. */
  revokeSession(): void {
    this.validAccessToken = null;
    this.liveRefreshToken = null;
  }

  private refresh(refreshToken: string | undefined): Observable<HttpEvent<unknown>> {
    this.refreshCalls.update((count) => count + 1);
    if (refreshToken && this.usedRefreshTokens.has(refreshToken)) {
      this.revokeSession(); // reuse detected: someone replayed an old refresh token
      return this.answer(401, { error: 'invalid_grant', reason: 'refresh token reuse' });
    }
    if (!refreshToken || refreshToken !== this.liveRefreshToken) {
      return this.answer(401, { error: 'invalid_grant' });
    }
    this.usedRefreshTokens.add(refreshToken);
    return this.answer(200, this.issueTokens());
  }

  private issueTokens(): { accessToken: string; refreshToken: string; expiresIn: number } {
    this.serial++;
    this.validAccessToken = `demo-access-${this.serial}`;
    this.liveRefreshToken = `demo-refresh-${this.serial}`;
    return { accessToken: this.validAccessToken, refreshToken: this.liveRefreshToken, expiresIn: 900 };
  }

  private answer(status: number, body: unknown): Observable<HttpEvent<unknown>> {
    const outcome =
      status < 400
        ? of(new HttpResponse({ status, body }))
        : throwError(() => new HttpErrorResponse({ status, error: body, statusText: 'Error' }));
    // delay() alone would not delay errors: materialize them so every answer takes LATENCY_MS.
    return outcome.pipe(materialize(), delay(LATENCY_MS), dematerialize());
  }
}

/** Answers every request from {@link FakeAuthServer} instead of the network. */
export const fakeAuthBackend: HttpInterceptorFn = (request) => inject(FakeAuthServer).handle(request);
