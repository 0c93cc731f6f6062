// Fake HTTP backends for the bench: one that answers synchronously, and a scripted auth server.
import { HttpErrorResponse, HttpResponse } from '@angular/common/http';
import { Observable, of, Subject, throwError } from 'rxjs';

import { REFRESH_URL } from './variants.mjs';

/** Answers every request at once with 200: the happy path, with nothing but the interceptor to pay. */
export const syncOkBackend = {
  handle: (request) => of(new HttpResponse({ status: 200, body: { ok: true }, url: request.url })),
};

/**
 * An auth server with a valid access token that clients start without. API calls with the valid token
 * get 200, others 401; refreshes rotate the token. Timing is scripted:
 * - `apiDelayMs`: every API answer; `lateMs`: extra delay for the 401s of odd requests (they arrive
 *   after the refresh finished); `refreshDelayMs`; `refreshStatus`: answer refreshes with this error.
 * - `manualRefresh: true`: the refresh answers only when `releaseRefresh()` is called, and API answers
 *   are synchronous; for timing the release of waiters alone.
 */
export class ScriptedAuthServer {
  refreshCalls = 0;
  apiCalls = 0;
  valid = 'fresh-0';
  pendingRefreshes = [];

  constructor(script = {}) {
    this.script = {
      apiDelayMs: 1,
      lateMs: 0,
      refreshDelayMs: 5,
      refreshStatus: 0,
      manualRefresh: false,
      ...script,
    };
  }

  handle(request) {
    return request.url === REFRESH_URL ? this.refresh() : this.api(request);
  }

  releaseRefresh() {
    const pending = this.pendingRefreshes;
    this.pendingRefreshes = [];
    pending.forEach((subject) => {
      subject.next(this.rotate());
      subject.complete();
    });
  }

  api(request) {
    const id = this.apiCalls++;
    const ok = request.headers.get('Authorization') === `Bearer ${this.valid}`;
    const answer = () =>
      ok
        ? new HttpResponse({ status: 200, body: { ok: true }, url: request.url })
        : new HttpErrorResponse({ status: 401, statusText: 'Unauthorized', url: request.url });
    if (this.script.manualRefresh) {
      const value = answer();
      return ok ? of(value) : throwError(() => value);
    }
    const delay = this.script.apiDelayMs + (!ok && id % 2 === 1 ? this.script.lateMs : 0);
    return later(delay, answer, !ok);
  }

  refresh() {
    this.refreshCalls++;
    if (this.script.manualRefresh) {
      const subject = new Subject();
      this.pendingRefreshes.push(subject);
      return subject;
    }
    const status = this.script.refreshStatus;
    return later(
      this.script.refreshDelayMs,
      () =>
        status
          ? new HttpErrorResponse({ status, statusText: 'Refresh failed', url: REFRESH_URL })
          : this.rotate(),
      status !== 0,
    );
  }

  rotate() {
    this.valid = `fresh-${this.refreshCalls}`;
    return new HttpResponse({
      status: 200,
      body: { accessToken: this.valid, refreshToken: `refresh-${this.refreshCalls}` },
      url: REFRESH_URL,
    });
  }
}

function later(ms, make, isError) {
  return new Observable((subscriber) => {
    const timer = setTimeout(() => {
      const value = make();
      if (isError) {
        subscriber.error(value);
      } else {
        subscriber.next(value);
        subscriber.complete();
      }
    }, ms);
    return () => clearTimeout(timer);
  });
}
