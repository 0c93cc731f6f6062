import {
  HttpClient,
  HttpErrorResponse,
  HttpInterceptorFn,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { expectRefresh, record, reject401, REFRESH_URL, setUp } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenStore } from './token-store';

describe('refresh call: what a failed refresh tells the waiting requests', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  /** Sends one request, rejects it with 401, and answers its refresh with `answer`. */
  function failRefresh(
    answer: (refresh: ReturnType<typeof expectRefresh>) => void,
    config: Parameters<typeof setUp>[0] = {},
  ): TokenRefreshError {
    const { http, backend, store } = setUp(config);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    answer(expectRefresh(backend));
    expect(result.errors).toHaveLength(1);
    return result.errors[0] as TokenRefreshError;
  }

  it('names the status of a server error and keeps that answer, without its body, as the cause', () => {
    const error = failRefresh((refresh) =>
      refresh.flush('down', { status: 503, statusText: 'Service Unavailable' }),
    );

    expect(error.code).toBe('refresh-failed');
    expect(error.message).toBe(
      'NGTR202: The refresh call failed with status 503; the session is kept and the next failed request refreshes again.',
    );
    expect(error.cause).toBeInstanceOf(HttpErrorResponse);
    expect((error.cause as HttpErrorResponse).status).toBe(503);
  });

  it('says "no answer" when the call got none while the browser is online', () => {
    const error = failRefresh((refresh) => refresh.error(new ProgressEvent('error')));

    expect(error.code).toBe('refresh-failed');
    expect(error.message).toContain('failed with no answer (network error or CORS)');
  });

  it('reports a server error as refresh-failed, not offline, even while the browser says offline', () => {
    const onLine = jest.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    try {
      const error = failRefresh((refresh) =>
        refresh.flush('down', { status: 503, statusText: 'Service Unavailable' }),
      );

      expect(error.code).toBe('refresh-failed');
    } finally {
      onLine.mockRestore();
    }
  });

  it('treats a 3xx answer as a failed call, not as an unreadable success', () => {
    const error = failRefresh((refresh) =>
      refresh.flush(null, { status: 300, statusText: 'Multiple Choices' }),
    );

    expect(error.code).toBe('refresh-failed');
    expect((error.cause as HttpErrorResponse).status).toBe(300);
  });

  it('keeps what a throwing parseRefreshResponse threw as the cause', () => {
    const thrown = new Error('unexpected shape');
    const error = failRefresh((refresh) => refresh.flush({ token: 'x' }), {
      parseRefreshResponse: () => {
        throw thrown;
      },
    });

    expect(error.code).toBe('invalid-refresh-response');
    expect(error.cause).toBe(thrown);
  });

  it('keeps a failure that is not an HTTP answer (an interceptor that throws) as the cause', () => {
    const thrown = new Error('interceptor bug');
    const throwOnRefresh: HttpInterceptorFn = (request, next) => {
      if (request.url === REFRESH_URL) {
        throw thrown;
      }
      return next(request);
    };
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([throwOnRefresh, tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    const store = TestBed.inject(TokenStore);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));

    expect(result.errors).toEqual([expect.objectContaining({ code: 'refresh-failed' })]);
    expect((result.errors[0] as TokenRefreshError).cause).toBe(thrown);
    expect(store.getRefreshToken()).toBe('refresh-1');
  });
});
