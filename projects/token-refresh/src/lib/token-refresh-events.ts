import { TokenRefreshError } from './errors';

/**
 * Where the session stands, as `TokenRefreshService.state` reports it.
 *
 * - `idle`: no refresh in flight (the last one succeeded, failed transiently, or none ran yet).
 * - `refreshing`: a refresh is in flight; requests wait at the gate.
 * - `expired`: the session ended (refresh rejected, or no refresh token); the user must sign in.
 *   It turns back to `idle` when a refresh succeeds or the store holds an access token again.
 * - `offline`: the last refresh got no answer while the browser was offline. The session is kept.
 *   It turns back to `idle` when the browser is online again (or `refreshing` when a refresh starts);
 *   with `withOfflineHold()`, the refresh waits in this state for the network.
 *
 * @publicApi
 */
export type TokenRefreshState = 'idle' | 'refreshing' | 'expired' | 'offline';

/**
 * What started a refresh: a request that failed with a refresh status (`reactive`), a token about to
 * expire (`proactive`), or `TokenRefreshService.refresh()` (`manual`).
 *
 * @publicApi
 */
export type RefreshTrigger = 'reactive' | 'proactive' | 'manual';

/**
 * One thing that happened to the session, as `TokenRefreshService.events` reports it. Each refresh
 * emits `refresh-started` and then exactly one of `refresh-succeeded` or `refresh-failed`; a failure
 * that ends the session is followed by `session-expired`. No event carries a token.
 *
 * @publicApi
 */
export type TokenRefreshEvent =
  | {
      /** A refresh began. */
      readonly type: 'refresh-started';
      /** What started it. */
      readonly trigger: RefreshTrigger;
    }
  | {
      /** The refresh stored new tokens; the waiting requests are retried. */
      readonly type: 'refresh-succeeded';
    }
  | {
      /** The refresh failed; every waiting request failed with `error`. */
      readonly type: 'refresh-failed';
      /** Why it failed; the same instance the waiting requests received. */
      readonly error: TokenRefreshError;
    }
  | {
      /** The session ended (emitted once per session, after `refresh-failed` or a logout in another tab). */
      readonly type: 'session-expired';
      /** What ended it. */
      readonly error: TokenRefreshError;
    };
