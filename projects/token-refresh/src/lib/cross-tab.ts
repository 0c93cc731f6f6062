import { isPlatformBrowser } from '@angular/common';
import { DestroyRef, inject, Injectable, InjectionToken, PLATFORM_ID } from '@angular/core';
import { defer, filter, finalize, map, Observable, of, Subject, Subscription, take } from 'rxjs';

import { browserStorage } from './browser-storage';
import { firstOrAfter } from './first-or-after';
import { TOKEN_REFRESH_OPTIONS } from './token-refresh-config';
import { TokenSet } from './token-store';

/** What one tab tells the others of its origin. Internal. */
export type CrossTabMessage =
  | {
      readonly type: 'refreshed';
      /** Also recorded in `localStorage` before the lock is released, so a waiting tab can tell. */
      readonly refreshId: string;
      readonly tokens: TokenSet;
    }
  | { readonly type: 'session-ended' };

/** The outcome of a refresh under the cross-tab lock. Internal. */
export interface CrossTabRefresh {
  readonly tokens: TokenSet;
  /** Whether another tab made the refresh while this one waited for the lock. */
  readonly fromOtherTab: boolean;
}

/** The browser APIs cross-tab coordination uses; replaced in tests. Internal. */
export interface CrossTabEnvironment {
  /** `navigator.locks`, or `null` where Web Locks are missing. */
  readonly locks: Pick<LockManager, 'request'> | null;
  /** Opens a `BroadcastChannel`, or returns `null` where there is none. */
  openChannel(name: string): CrossTabChannel | null;
  /** `localStorage`, or `null` where it is missing or throws. */
  readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null;
}

/** The part of `BroadcastChannel` that is used. */
export interface CrossTabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  close(): void;
}

/**
 * The browser's Web Locks, BroadcastChannel and localStorage, where they exist. Internal; provided by
 * `provideTokenRefresh` with {@link crossTabEnvironment}, and replaced in tests.
 */
export const CROSS_TAB_ENVIRONMENT = new InjectionToken<CrossTabEnvironment>(
  'CROSS_TAB_ENVIRONMENT',
);

/** No coordination: each app refreshes on its own. */
const NO_CROSS_TAB: CrossTabEnvironment = { locks: null, openChannel: () => null, storage: null };

/**
 * The cross-tab environment of the current app: the browser's APIs in a browser, and none anywhere
 * else. On a server, Node has Web Locks and BroadcastChannel too, shared by every request the process
 * renders: coordinating there would hand one user's tokens to another user's request.
 */
export function crossTabEnvironment(): CrossTabEnvironment {
  return isPlatformBrowser(inject(PLATFORM_ID)) ? browserEnvironment() : NO_CROSS_TAB;
}

/** How long a tab waits for the message of a refresh another tab has just recorded. */
const MESSAGE_GRACE_MS = 2000;
/** How recent another tab's refresh must be for this tab to take its tokens instead of refreshing. */
const RECENT_REFRESH_MS = 10_000;

/** The last refresh made by any tab, as recorded in `localStorage`. */
interface RecordedRefresh {
  readonly id: string;
  /** When it was recorded, in epoch ms. */
  readonly at: number;
}

/**
 * Makes the refresh a critical section across the tabs of one origin. Internal.
 *
 * With refresh-token rotation, two tabs that refresh at once log the user out: the second presents
 * the refresh token the first has just used. So a tab refreshes only while it holds a Web Lock. Before
 * releasing it, the tab that refreshed records a refresh id in `localStorage` and broadcasts the new
 * tokens; a tab that waited for the lock sees the id change and takes the broadcast tokens instead of
 * refreshing again. A session that ends in one tab ends in all of them.
 *
 * Where Web Locks or BroadcastChannel are missing (old browsers, server-side rendering), each tab
 * refreshes on its own, as without the option.
 */
@Injectable()
export class CrossTabCoordinator {
  readonly #environment = inject(CROSS_TAB_ENVIRONMENT);
  readonly #name = `ngx-token-refresh:${inject(TOKEN_REFRESH_OPTIONS).refreshUrl}`;
  readonly #channel = this.#environment.locks ? this.#environment.openChannel(this.#name) : null;
  readonly #received = new Subject<CrossTabMessage>();
  readonly #latestRefreshes = new Map<string, TokenSet>();
  /** The recorded refresh whose tokens this tab holds, by its own refresh or a broadcast. */
  #heldRefreshId: string | null = null;

  /** Messages from the other tabs. */
  readonly messages: Observable<CrossTabMessage> = this.#received.asObservable();

  constructor() {
    this.#channel?.addEventListener('message', (event) => {
      // Anything may arrive on the channel (another version of the library, another script).
      const message = event.data as CrossTabMessage | null | undefined;
      if (message?.type === 'refreshed') {
        this.#heldRefreshId = message.refreshId;
        // Kept briefly for a tab that is about to get the lock; only the latest few matter.
        this.#latestRefreshes.set(message.refreshId, message.tokens);
        const oldest = this.#latestRefreshes.keys().next().value;
        if (this.#latestRefreshes.size > 8 && oldest !== undefined) {
          this.#latestRefreshes.delete(oldest);
        }
      }
      if (message?.type === 'refreshed' || message?.type === 'session-ended') {
        this.#received.next(message);
      }
    });
    inject(DestroyRef).onDestroy(() => this.#channel?.close());
  }

  /**
   * Runs `refresh` while holding the cross-tab lock, unless another tab refreshed while this one waited
   * for it: then the other tab's tokens come back instead, with `fromOtherTab` set. The tab that
   * refreshed announces its tokens before it releases the lock.
   *
   * Unsubscribing stops waiting for the lock, or releases it.
   */
  runExclusive(refresh: () => Observable<TokenSet>): Observable<CrossTabRefresh> {
    const locks = this.#environment.locks;
    if (!locks || !this.#channel) {
      return refresh().pipe(map((tokens) => ({ tokens, fromOtherTab: false })));
    }
    return new Observable<CrossTabRefresh>((subscriber) => {
      const abort = new AbortController();
      const heldAtStart = this.#heldRefreshId;
      let work: Subscription | undefined;
      locks
        .request(
          this.#name,
          { signal: abort.signal },
          () =>
            new Promise<void>((release) => {
              work = this.#refreshInLock(refresh, heldAtStart)
                .pipe(finalize(release))
                .subscribe(subscriber);
            }),
        )
        .catch((error: unknown) => {
          // An abort is this subscription ending while it waited for the lock: nobody to tell.
          if (!abort.signal.aborted) {
            subscriber.error(error);
          }
        });
      return () => {
        abort.abort();
        work?.unsubscribe();
      };
    });
  }

  /**
   * In the lock: when another tab recorded a refresh newer than the tokens this tab held when it
   * decided to refresh, and recently, take that refresh's tokens (they may still be on their way: the
   * lock can reach this tab before the message does, and this tab's 401 can come after that refresh
   * ended). Refresh here only when they do not come.
   *
   * @param heldAtStart - The recorded refresh whose tokens this tab held when its refresh started.
   */
  #refreshInLock(
    refresh: () => Observable<TokenSet>,
    heldAtStart: string | null,
  ): Observable<CrossTabRefresh> {
    const refreshHere = defer(() =>
      refresh().pipe(
        map((tokens) => {
          this.#announceRefresh(tokens);
          return { tokens, fromOtherTab: false };
        }),
      ),
    );
    const latest = this.#lastRefresh();
    if (
      latest === null ||
      latest.id === heldAtStart ||
      Date.now() - latest.at > RECENT_REFRESH_MS
    ) {
      return refreshHere;
    }
    return firstOrAfter(
      this.#tokensOf(latest.id).pipe(map((tokens) => ({ tokens, fromOtherTab: true }))),
      MESSAGE_GRACE_MS,
      refreshHere,
    );
  }

  /** Tells the other tabs that the session has ended (rejected refresh or logout). */
  announceSessionEnded(): void {
    this.#channel?.postMessage({ type: 'session-ended' } satisfies CrossTabMessage);
  }

  #announceRefresh(tokens: TokenSet): void {
    const refresh: RecordedRefresh = { id: Math.random().toString(36).slice(2), at: Date.now() };
    this.#heldRefreshId = refresh.id;
    this.#environment.storage?.setItem(`${this.#name}:last-refresh`, JSON.stringify(refresh));
    this.#channel?.postMessage({
      type: 'refreshed',
      refreshId: refresh.id,
      tokens,
    } satisfies CrossTabMessage);
  }

  #lastRefresh(): RecordedRefresh | null {
    const recorded = this.#environment.storage?.getItem(`${this.#name}:last-refresh`);
    try {
      const parsed = recorded ? (JSON.parse(recorded) as Partial<RecordedRefresh>) : null;
      return typeof parsed?.id === 'string' && typeof parsed.at === 'number'
        ? (parsed as RecordedRefresh)
        : null;
    } catch {
      // Not written by this library (or corrupted): as if no tab had refreshed.
      return null;
    }
  }

  /** The tokens another tab broadcast for `refreshId`, as soon as its message is here. */
  #tokensOf(refreshId: string): Observable<TokenSet> {
    return defer(() => {
      const known = this.#latestRefreshes.get(refreshId);
      return known
        ? of(known)
        : this.messages.pipe(
            filter(
              (message): message is Extract<CrossTabMessage, { type: 'refreshed' }> =>
                message.type === 'refreshed' && message.refreshId === refreshId,
            ),
            map((message) => message.tokens),
            take(1),
          );
    });
  }
}

function browserEnvironment(): CrossTabEnvironment {
  const navigatorRef = (globalThis as { navigator?: Navigator }).navigator;
  return {
    locks: navigatorRef?.locks ?? null,
    openChannel: (name) =>
      typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null,
    // Without storage, coordination relies on the lock alone.
    storage: browserStorage('localStorage'),
  };
}
