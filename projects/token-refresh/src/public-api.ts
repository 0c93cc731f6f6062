/*
 * Public API of ngx-token-refresh. Everything a user may import is listed here by name; anything not
 * listed is internal and may change in any release.
 */

// Wiring
export { provideTokenRefresh } from './lib/provide-token-refresh';
export { tokenRefreshInterceptor } from './lib/token-refresh-interceptor';
export type { TokenRefreshFeature, TokenRefreshFeatureKind } from './lib/features';

// Optional features
export { withCrossTab } from './lib/with-cross-tab';
export { withOfflineHold } from './lib/with-offline-hold';
export type { OfflineHoldOptions } from './lib/with-offline-hold';
export { withResumeRefresh } from './lib/with-resume-refresh';
export { withStepUp } from './lib/with-step-up';
export type { StepUpChallenge, StepUpHandler, StepUpOptions } from './lib/with-step-up';
export { withDpop } from './lib/with-dpop';
export type { DpopOptions } from './lib/with-dpop';
export { DpopKeyStore, IndexedDbDpopKeyStore } from './lib/dpop/dpop-key-store';
export type { DpopAlgorithm } from './lib/dpop/dpop-proofs';
export { DpopService } from './lib/dpop/dpop-service';
export type {
  OriginMatcher,
  RefreshRequestBuilder,
  RefreshResponseParser,
  TokenRefreshConfig,
  UrlMatcher,
} from './lib/token-refresh-config';

// Refresh calls and answers
export {
  cookieRefresh,
  jsonBodyRefresh,
  oauth2RefreshGrant,
  parseTokenResponse,
} from './lib/refresh-request';
export type { OAuth2RefreshGrantOptions } from './lib/refresh-request';

// Token storage
export { MemoryTokenStore, TokenStore } from './lib/token-store';
export type { MaybePromise, TokenSet } from './lib/token-store';
export { WebStorageTokenStore } from './lib/web-storage-token-store';
export type { WebStorageTokenStoreOptions } from './lib/web-storage-token-store';

// Per-request control
export { SKIP_TOKEN_REFRESH } from './lib/context';

// The server's challenge (WWW-Authenticate)
export { bearerChallengeOf } from './lib/challenge-decision';
export { parseWwwAuthenticate } from './lib/www-authenticate';
export type { AuthChallenge } from './lib/www-authenticate';

// Session state, events and errors
export { TokenRefreshService } from './lib/token-refresh-service';
export type {
  RefreshTrigger,
  TokenRefreshEvent,
  TokenRefreshState,
} from './lib/token-refresh-events';
export { TokenRefreshError } from './lib/errors';
export type { TokenRefreshErrorCode } from './lib/errors';

// Private API of ngx-token-refresh/testing; may change in any release.
export { ɵTOKEN_STORE_OVERRIDE } from './lib/token-store';
