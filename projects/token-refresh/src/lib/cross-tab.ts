import { isPlatformBrowser } from '@angular/common';
import {
  DestroyRef,
  EnvironmentInjector,
  ErrorHandler,
  inject,
  Injectable,
  InjectionToken,
  PLATFORM_ID,
} from '@angular/core';
import { filter, finalize, Observable, of, Subject, switchMap, take } from 'rxjs';

import { browserStorage } from './browser-storage';
import { firstOrAfter } from './first-or-after';
import { CoordinatedChange, RefreshCoordinator } from './refresh-coordinator';
import { Session, SessionSnapshot } from './session';
import { TOKEN_REFRESH_OPTIONS } from './token-refresh-config';
import { isTokenSet, TokenSet } from './token-store';

/**
 * What one tab tells the others of its origin. Internal. `session` is the fingerprint of the session
 * the message is about (for `refreshed`, the one that was refreshed): a tab acts on a message only
 * when it holds that very session.
 */
export type CrossTabMessage =
  | {
      readonly v: 1;
      readonly type: 'refreshed';
      /** Also recorded in `localStorage` before the lock is released, so a waiting tab can tell. */
      readonly id: string;
      readonly session: string;
      readonly tokens: TokenSet;
    }
  | { readonly v: 1; readonly type: 'ended'; readonly session: string };

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
 * `withCrossTab()` with {@link crossTabEnvironment}, and replaced in tests.
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

/** How long a tab in the lock waits for the message of a refresh that spent its refresh token. */
const MESSAGE_GRACE_MS = 2000;
/** How recent such a refresh must be to be worth waiting for. */
const RECENT_REFRESH_MS = 10_000;

/** The last refresh made by any tab, as recorded in `localStorage`: never a token, only a digest. */
interface RecordedRefresh {
  readonly id: string;
  /** The fingerprint of the session that was refreshed. */
  readonly session: string;
  /** When it was recorded, in epoch ms. */
  readonly at: number;
}

/**
 * Makes the refresh a critical section across the tabs of one origin, for tabs that hold the same
 * session, and keeps tabs that hold different sessions apart. Internal; provided by `withCrossTab()`.
 *
 * With refresh-token rotation, two tabs that refresh at once log the user out: the second presents
 * the refresh token the first has just used. So a tab refreshes only while it holds a Web Lock.
 * Before releasing it, the tab that refreshed records the refresh in `localStorage` and broadcasts the
 * new tokens with the fingerprint of the session it refreshed. A tab adopts them, or obeys a session
 * end, only when it holds that same session; any other message, malformed or foreign, is ignored.
 * A tab that gets the lock after another tab refreshed its session finds the new tokens in its store
 * (shared storage, or the adopted broadcast) and uses them; it waits for a broadcast only when the
 * record says its own refresh token was just spent, and never for a refresh recorded before it
 * started.
 *
 * Where Web Locks or BroadcastChannel are missing (old browsers, server-side rendering), each tab
 * refreshes on its own.
 */
@Injectable()
export class CrossTabCoordinator implements RefreshCoordinator {
  readonly #environment = inject(CROSS_TAB_ENVIRONMENT);
  readonly #session = inject(Session);
  readonly #injector = inject(EnvironmentInjector);
  readonly #name = `ngx-token-refresh:${inject(TOKEN_REFRESH_OPTIONS).refreshUrl}`;
  readonly #channel = this.#environment.locks ? this.#environment.openChannel(this.#name) : null;
  readonly #startedAt = Date.now();
  readonly #changes = new Subject<CoordinatedChange>();
  /** The ids of `refreshed` messages this tab has handled (adopted or not). */
  readonly #handled = new Subject<string>();
  /** The latest refreshes this tab made or handled: none of them is worth waiting for. */
  // Stryker disable next-line ArrayDeclaration: an entry that no refresh id can equal changes nothing
  readonly #seen: string[] = [];

  /** {@inheritDoc RefreshCoordinator.changes} */
  readonly changes: Observable<CoordinatedChange> = this.#changes.asObservable();

  constructor() {
    this.#channel?.addEventListener('message', (event) => this.#receive(event.data));
    inject(DestroyRef).onDestroy(() => this.#channel?.close());
  }

  /** {@inheritDoc RefreshCoordinator.runExclusive} */
  runExclusive(refresh: () => Observable<TokenSet>): Observable<TokenSet> {
    const locks = this.#environment.locks;
    if (!locks || !this.#channel) {
      return refresh();
    }
    return new Observable<TokenSet>((subscriber) => {
      const abort = new AbortController();
      locks
        .request(
          this.#name,
          { signal: abort.signal },
          // The lock is held until the refresh in it ends, which ending this subscription does too.
          // A lock granted after this subscription ended (its abort came too late) is released at
          // once, before anything reads the store: subscribing into an ended subscriber would still
          // run the reads that build the refresh.
          () =>
            new Promise<void>((resolve) => {
              if (subscriber.closed) {
                resolve();
                return;
              }
              this.#inLock(refresh).pipe(finalize(resolve)).subscribe(subscriber);
            }),
        )
        .catch(() => {
          // The browser denied the lock (a sandboxed frame, say): refresh here, as where there are no
          // Web Locks at all. An abort is this subscription ending while it waited for the lock:
          // nobody to refresh for.
          if (!subscriber.closed) {
            refresh().subscribe(subscriber);
          }
        });
      return () => abort.abort();
    });
  }

  /** {@inheritDoc RefreshCoordinator.announceRefresh} */
  announceRefresh(spent: SessionSnapshot, tokens: TokenSet): void {
    const session = fingerprintOf(spent);
    if (session === null || this.#channel === null) {
      return;
    }
    // Stryker disable next-line MethodExpression: the id is opaque, only ever compared for equality
    const id = Math.random().toString(36).slice(2);
    this.#remember(id);
    const record: RecordedRefresh = { id, session, at: Date.now() };
    try {
      this.#environment.storage?.setItem(`${this.#name}:last-refresh`, JSON.stringify(record));
    } catch {
      // Storage full or denied: the record only spares a wait; the broadcast below still goes out.
    }
    this.#channel.postMessage({
      v: 1,
      type: 'refreshed',
      id,
      session,
      tokens,
    } satisfies CrossTabMessage);
  }

  /** {@inheritDoc RefreshCoordinator.announceEnd} */
  announceEnd(ended: SessionSnapshot): void {
    const session = fingerprintOf(ended);
    if (session !== null) {
      this.#channel?.postMessage({ v: 1, type: 'ended', session } satisfies CrossTabMessage);
    }
  }

  /**
   * In the lock: when the last recorded refresh spent the very session this tab holds, recently and
   * since this tab started, its tokens are on their way (the lock can reach this tab before the
   * message does): wait for them, briefly. Then `refresh` runs, and finds them in the store.
   */
  #inLock(refresh: () => Observable<TokenSet>): Observable<TokenSet> {
    return this.#session.snapshot().pipe(
      switchMap((now) => {
        const record = this.#lastRefresh();
        const isOwnSessionSpent =
          record !== null &&
          // Not this tab's own refresh, nor one whose broadcast it has already handled: with a cookie
          // or a refresh token that does not rotate, the session's fingerprint stays the same.
          !this.#seen.includes(record.id) &&
          record.at >= this.#startedAt &&
          Date.now() - record.at <= RECENT_REFRESH_MS &&
          record.session === fingerprintOf(now);
        if (!isOwnSessionSpent) {
          return refresh();
        }
        const handled = this.#handled.pipe(
          filter((id) => id === record.id),
          take(1),
        );
        return firstOrAfter(handled, MESSAGE_GRACE_MS, of(record.id)).pipe(
          switchMap(() => refresh()),
        );
      }),
    );
  }

  #receive(data: unknown): void {
    const message = parseMessage(data);
    if (message === null) {
      return;
    }
    const isSameSession = (now: SessionSnapshot) => fingerprintOf(now) === message.session;
    if (message.type === 'refreshed') {
      this.#session.adoptIf(isSameSession, message.tokens).subscribe({
        next: (adopted) => {
          this.#remember(message.id);
          if (adopted) {
            this.#changes.next({ type: 'refreshed', tokens: message.tokens });
          }
          this.#handled.next(message.id);
        },
        error: (error: unknown) => this.#report(error),
      });
    } else {
      const epoch = this.#session.epoch;
      this.#session.clearIf(isSameSession).subscribe({
        next: (ended) => {
          if (ended !== null) {
            this.#changes.next({ type: 'ended' });
          }
        },
        error: (error: unknown) => {
          this.#report(error);
          // A store that failed to clear a session it held: its tokens are hidden, and the session
          // ends for the app all the same, as after a rejected refresh in this tab.
          if (this.#session.epoch !== epoch) {
            this.#changes.next({ type: 'ended' });
          }
        },
      });
    }
  }

  /** Keeps the ids of the latest refreshes this tab made or handled; a few are enough. */
  #remember(id: string): void {
    this.#seen.push(id);
    if (this.#seen.length > 16) {
      this.#seen.shift();
    }
  }

  /** A failing store cannot be reported to any request here: report it the Angular way. */
  #report(error: unknown): void {
    this.#injector.get(ErrorHandler).handleError(error);
  }

  #lastRefresh(): RecordedRefresh | null {
    const recorded = this.#environment.storage?.getItem(`${this.#name}:last-refresh`);
    try {
      const parsed = recorded ? (JSON.parse(recorded) as Partial<RecordedRefresh>) : null;
      return typeof parsed?.id === 'string' &&
        typeof parsed.session === 'string' &&
        typeof parsed.at === 'number'
        ? (parsed as RecordedRefresh)
        : null;
    } catch {
      // Not written by this library (or corrupted): as if no tab had refreshed.
      return null;
    }
  }
}

/**
 * The fingerprint of the session a snapshot holds, as tabs compare it: a digest of the refresh token
 * (never the token itself), `cookie` for a session whose refresh token is a cookie shared by every
 * tab, or `null` when the store holds no session.
 */
export function fingerprintOf(snapshot: SessionSnapshot): string | null {
  if (snapshot.refreshToken !== null) {
    return `r:${digest(snapshot.refreshToken)}`;
  }
  return snapshot.accessToken !== null ? 'cookie' : null;
}

/**
 * A 64-bit digest of `text` (two FNV-1a hashes): enough to tell two refresh tokens apart, far too
 * little to recover one. Synchronous, unlike WebCrypto, so a tab decides without waiting.
 */
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}

/** The message in `data` when it is one this library version sends, well-formed; `null` otherwise. */
function parseMessage(data: unknown): CrossTabMessage | null {
  const message = (data ?? {}) as Partial<Record<keyof CrossTabMessage | 'id' | 'tokens', unknown>>;
  if (message.v !== 1 || typeof message.session !== 'string') {
    return null;
  }
  if (message.type === 'ended') {
    return data as CrossTabMessage;
  }
  return message.type === 'refreshed' &&
    typeof message.id === 'string' &&
    isTokenSet(message.tokens)
    ? (data as CrossTabMessage)
    : null;
}

function browserEnvironment(): CrossTabEnvironment {
  const navigatorRef = (globalThis as { navigator?: Navigator }).navigator;
  return {
    locks: navigatorRef?.locks ?? null,
    openChannel: (name) =>
      typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null,
    // Without storage, coordination relies on the lock and the broadcast alone.
    storage: browserStorage('localStorage'),
  };
}
