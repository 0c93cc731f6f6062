/*
 * Helpers shared by the specs. Not part of the package: tsconfig.lib.json excludes this file.
 */
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
  TestRequest,
} from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  EnvironmentInjector,
  EnvironmentProviders,
  Provider,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Observable, Subscription } from 'rxjs';

import { CROSS_TAB_ENVIRONMENT, CrossTabChannel, CrossTabEnvironment } from './cross-tab';
import { TokenRefreshFeature } from './features';
import { provideTokenRefresh } from './provide-token-refresh';
import { TokenRefreshConfig } from './token-refresh-config';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { MemoryTokenStore, TokenStore } from './token-store';
import { withCrossTab } from './with-cross-tab';

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

/** Tabs of one origin: separate injectors sharing Web Locks, BroadcastChannel and localStorage. */
export class FakeBrowser {
  lockRequests = 0;
  /** The name of each lock requested, in order. */
  readonly lockNames: string[] = [];
  private readonly queue: { grant: () => void; signal?: AbortSignal }[] = [];
  private held = false;
  private readonly channels: FakeChannel[] = [];
  /** The tabs' shared `localStorage`. */
  readonly storage = new Map<string, string>();
  private readonly tabs: { backend: HttpTestingController }[] = [];

  constructor(private readonly features: { hasLocks: boolean } = { hasLocks: true }) {}

  /** Whether the tabs opened from now on list `withCrossTab()`. */
  withFeature = true;

  /** Opens a tab: an app with `config` and, besides `withCrossTab()`, `features`. */
  openTab(config: Partial<TokenRefreshConfig> = {}, features: TokenRefreshFeature[] = []) {
    const environment: CrossTabEnvironment = {
      locks: this.features.hasLocks
        ? { request: this.requestLock as LockManager['request'] }
        : null,
      openChannel: (name) => this.openChannel(name),
      storage: {
        getItem: (key) => this.storage.get(key) ?? null,
        setItem: (key, value) => {
          if (this.storageThrows) {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          }
          this.storage.set(key, value);
        },
      },
    };
    const injector = createEnvironmentInjector(
      [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh(
          { refreshUrl: REFRESH_URL, ...config },
          ...(this.withFeature ? [withCrossTab()] : []),
          ...features,
        ),
        ...(config.store ? [] : [{ provide: TokenStore, useValue: new MemoryTokenStore() }]),
        { provide: CROSS_TAB_ENVIRONMENT, useValue: environment },
      ],
      TestBed.inject(EnvironmentInjector),
    );
    const tab = {
      injector,
      http: injector.get(HttpClient),
      backend: injector.get(HttpTestingController),
      store: injector.get(TokenStore) as MemoryTokenStore,
    };
    this.tabs.push(tab);
    return tab;
  }

  storageThrows = false;
  locksDenied = false;
  /** Whether broadcast messages are lost (a tab closed mid-way, say). */
  dropMessages = false;
  /** Whether locks are granted only by `grantNextLock()`, to script the order of events. */
  holdLockGrants = false;
  /**
   * Whether aborting a lock request comes too late: the lock was already granted, and the callback
   * runs all the same (the browser queues the grant as a task, which the abort does not cancel).
   */
  abortsTooLate = false;

  grantNextLock(): void {
    if (!this.held && this.queue.length > 0) {
      this.queue.shift()?.grant();
    }
  }

  /** Opens tabs A and B, both holding the session access-1 / refresh-1. */
  openSignedInTabs(
    config: Partial<TokenRefreshConfig> = {},
    configOf: (tab: 'A' | 'B') => Partial<TokenRefreshConfig> = () => ({}),
  ) {
    return (['A', 'B'] as const).map((name) => {
      const tab = this.openTab({ ...config, ...configOf(name) });
      tab.store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      return tab;
    });
  }

  /** Lets pending lock grants and promise callbacks run, but no channel message (a macrotask). */
  async grantLocks(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await Promise.resolve();
    }
  }

  /** Lets pending lock grants, promise callbacks and channel messages run. */
  async run(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await jest.advanceTimersByTimeAsync(0);
    }
  }

  verify(): void {
    this.tabs.forEach((tab) => tab.backend.verify());
  }

  heldLocks(): number {
    return this.held ? 1 : 0;
  }

  /** The lock requests waiting for their grant, as `navigator.locks.query()` lists them. */
  pendingLocks(): number {
    return this.queue.length;
  }

  private readonly requestLock = (
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<void> => {
    this.lockRequests++;
    this.lockNames.push(name);
    if (this.locksDenied) {
      return Promise.reject(
        new DOMException('Access to the Locks API is denied in this context.', 'SecurityError'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        signal: options.signal,
        grant: () => {
          this.held = true;
          void callback().finally(() => {
            this.held = false;
            resolve();
            this.grantNext();
          });
        },
      };
      options.signal?.addEventListener('abort', () => {
        const index = this.queue.indexOf(entry);
        if (index !== -1 && !this.abortsTooLate) {
          this.queue.splice(index, 1);
          reject(new DOMException('aborted', 'AbortError'));
        }
      });
      this.queue.push(entry);
      // Grants come as microtasks, before any channel message (a macrotask): the racy order.
      queueMicrotask(() => this.grantNext());
    });
  };

  private grantNext(): void {
    if (!this.holdLockGrants) {
      this.grantNextLock();
    }
  }

  /** A channel on the tabs' channel name, as any same-origin script could open. */
  openStrayChannel(): CrossTabChannel {
    return this.openChannel(`ngx-token-refresh:${REFRESH_URL}`);
  }

  private openChannel(name: string): CrossTabChannel {
    const channel = new FakeChannel(name, (message, sender) =>
      this.channels
        .filter((other) => other !== sender && other.name === name)
        .forEach((other) => !this.dropMessages && setTimeout(() => other.deliver(message), 0)),
    );
    this.channels.push(channel);
    return channel;
  }
}

class FakeChannel implements CrossTabChannel {
  private readonly listeners: ((event: MessageEvent) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly broadcast: (message: unknown, sender: FakeChannel) => void,
  ) {}

  postMessage(message: unknown): void {
    // A copy, as the real channel's structured clone makes: no object is shared between tabs.
    this.broadcast(JSON.parse(JSON.stringify(message)), this);
  }

  addEventListener(_type: 'message', listener: (event: MessageEvent) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.listeners.length = 0;
  }

  deliver(message: unknown): void {
    this.listeners.forEach((listener) => listener({ data: message } as MessageEvent));
  }
}
