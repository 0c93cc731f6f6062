/*
 * Helpers shared by the specs. Not part of the package: tsconfig.lib.json excludes this file.
 */
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
  TestRequest,
} from '@angular/common/http/testing';
import { EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Observable, Subscription } from 'rxjs';

import { provideTokenRefresh } from './provide-token-refresh';
import { TokenRefreshConfig } from './token-refresh-config';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenStore } from './token-store';

export const REFRESH_URL = '/api/auth/refresh';

/** Configures TestBed with HttpClient, the interceptor and `provideTokenRefresh(config)`. */
export function setUp(
  config: Partial<TokenRefreshConfig> = {},
  providers: (Provider | EnvironmentProviders)[] = [],
): { http: HttpClient; backend: HttpTestingController; store: TokenStore } {
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideHttpClientTesting(),
      provideTokenRefresh({ refreshUrl: REFRESH_URL, ...config }),
      ...providers,
    ],
  });
  return {
    http: TestBed.inject(HttpClient),
    backend: TestBed.inject(HttpTestingController),
    store: TestBed.inject(TokenStore),
  };
}

/** What one subscription received. */
export interface Received<T> {
  values: T[];
  errors: unknown[];
  completed: boolean;
  subscription: Subscription;
}

/** Subscribes to `source` and records everything it delivers. */
export function record<T>(source: Observable<T>): Received<T> {
  const received: Received<T> = {
    values: [],
    errors: [],
    completed: false,
  } as unknown as Received<T>;
  received.subscription = source.subscribe({
    next: (value) => received.values.push(value),
    error: (error: unknown) => received.errors.push(error),
    complete: () => (received.completed = true),
  });
  return received;
}

/** An unsigned JWT whose `exp` lies `secondsFromNow` seconds from now (negative: in the past). */
export function jwt(secondsFromNow: number, subject = 'user-1'): string {
  const encode = (part: object) =>
    btoa(JSON.stringify(part)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const exp = Math.floor(Date.now() / 1000) + secondsFromNow;
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: subject, exp })}.signature`;
}

/** Answers `request` with 401 Unauthorized. */
export function reject401(request: TestRequest): void {
  request.flush({ message: 'expired' }, { status: 401, statusText: 'Unauthorized' });
}

/** The single open refresh call; fails the test when there is none or more than one. */
export function expectRefresh(backend: HttpTestingController): TestRequest {
  return backend.expectOne((request) => request.url === REFRESH_URL, 'the refresh call');
}

/** Whether a request carries `Bearer token`. */
export function bearerOf(request: TestRequest): string | null {
  return request.request.headers.get('Authorization');
}

/** Lets promise callbacks (an async store) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

/** Runs `body` as a production build would: with `ngDevMode` false, as the Angular CLI defines it. */
export function inProductionBuild<T>(body: () => T): T {
  const global = globalThis as { ngDevMode?: unknown };
  const devMode = global.ngDevMode;
  global.ngDevMode = false;
  try {
    return body();
  } finally {
    global.ngDevMode = devMode;
  }
}

/** The message of the error `body` throws. */
export function thrownMessage(body: () => unknown): string {
  try {
    body();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}
