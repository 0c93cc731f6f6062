import {
  EnvironmentProviders,
  inject,
  makeEnvironmentProviders,
  Provider,
  Type,
} from '@angular/core';

import { invalidConfigError } from './errors';
import { TokenRefreshFeature } from './features';
import { RefreshGate } from './refresh-gate';
import { jsonBodyRefresh, parseTokenResponse } from './refresh-request';
import { normalizeOrigin, RequestPolicy, wholeOriginPattern } from './request-matching';
import { Session } from './session';
import {
  OriginMatcher,
  TOKEN_REFRESH_OPTIONS,
  TokenRefreshConfig,
  TokenRefreshOptions,
  UrlMatcher,
} from './token-refresh-config';
import { TokenRefreshService } from './token-refresh-service';
import { TokenStore, ɵTOKEN_STORE_OVERRIDE } from './token-store';

/**
 * Configures `tokenRefreshInterceptor`: where to refresh, which requests get the token, and how a
 * refresh is made and read.
 *
 * The configuration is validated here, once, when the providers are created: a bad option throws an
 * `NGTR101` error that names it, so a typo fails at start-up rather than as a silent pass or a hang.
 * Also provides {@link TokenRefreshService} and, when `store` is given, the {@link TokenStore}.
 *
 * Optional capabilities come as features after the configuration, as with `provideRouter(routes,
 * withX())`: {@link withCrossTab} makes the tabs of an origin share one refresh. An app pays only for
 * the features it lists. Giving the same feature twice throws `NGTR102` in development builds.
 *
 * @usageNotes
 * ```ts
 * export const appConfig: ApplicationConfig = {
 *   providers: [
 *     provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
 *     provideTokenRefresh({
 *       refreshUrl: '/api/auth/refresh',
 *       skipUrls: ['/api/auth/login'],
 *       maxRetries: 1,
 *       onSessionExpired: () => void inject(Router).navigate(['/login']),
 *     }),
 *   ],
 * };
 * ```
 *
 * @param config - The options; only `refreshUrl` is required.
 * @param features - Optional features, such as `withCrossTab()`.
 * @returns Environment providers for an application or a route.
 * @publicApi
 */
export function provideTokenRefresh(
  config: TokenRefreshConfig,
  ...features: TokenRefreshFeature[]
): EnvironmentProviders {
  const options = resolveOptions(config);
  const providers: (Provider | EnvironmentProviders)[] = [
    { provide: TOKEN_REFRESH_OPTIONS, useValue: options },
    RequestPolicy,
    Session,
    RefreshGate,
    TokenRefreshService,
  ];
  const kinds = new Set<string>();
  for (const feature of features) {
    if (ngDevMode && kinds.has(feature.ɵkind)) {
      throw new Error(
        `NGTR102: provideTokenRefresh: the feature "${feature.ɵkind}" is given twice; give each with*() feature once.`,
      );
    }
    kinds.add(feature.ɵkind);
    providers.push(...feature.ɵproviders);
  }
  const { store } = config;
  if (store !== undefined) {
    providers.push(typeof store === 'function' ? store : [], {
      provide: TokenStore,
      // provideTokenRefreshTesting() replaces the store whether it comes before or after this.
      useFactory: () =>
        inject(ɵTOKEN_STORE_OVERRIDE, { optional: true }) ??
        (typeof store === 'function' ? inject(store) : store),
    });
  }
  return makeEnvironmentProviders(providers);
}

const KNOWN_OPTIONS = new Set<string>([
  'refreshUrl',
  'skipUrls',
  'maxRetries',
  'statusCodes',
  'allowedOrigins',
  'headerName',
  'authScheme',
  'buildRefreshRequest',
  'parseRefreshResponse',
  'refreshTimeout',
  'expiryLeeway',
  'onSessionExpired',
  'store',
]);

/** The longest delay `setTimeout` keeps: a longer `refreshTimeout` would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** An HTTP header name or auth scheme: an RFC 9110 token. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/;

/**
 * Fills in the defaults of `config` and, in development builds, validates it: a bad option throws
 * `NGTR101` naming it.
 */
function resolveOptions(config: TokenRefreshConfig): TokenRefreshOptions {
  // Typed, but called from JavaScript too: check what really arrived.
  const given: unknown = config;
  // Stryker disable next-line ConditionalExpression: without the check, a production build fails on the `in` test below instead
  if (ngDevMode) {
    check(
      typeof given === 'object' && given !== null,
      'config',
      `must be a configuration object, got ${describe(config)}.`,
    );
  }
  if ('crossTab' in config) {
    // Removed in 0.x; a config from before must not silently lose its coordination.
    throw new Error(
      'NGTR103: provideTokenRefresh: "crossTab" is now the feature withCrossTab()' +
        (ngDevMode
          ? ': remove the option and write provideTokenRefresh({ ... }, withCrossTab()) (or nothing for crossTab: false).'
          : ''),
    );
  }
  if (ngDevMode) {
    for (const key of Object.keys(config)) {
      check(KNOWN_OPTIONS.has(key), key, 'is not an option (misspelt?).');
    }
  }
  const {
    refreshUrl,
    // Stryker disable next-line ArrayDeclaration: a non-empty default differs only for URLs that contain its text
    skipUrls = [],
    maxRetries = 1,
    statusCodes = [401],
    allowedOrigins = [],
    headerName = 'Authorization',
    authScheme = 'Bearer',
    buildRefreshRequest = jsonBodyRefresh(),
    parseRefreshResponse = parseTokenResponse,
    refreshTimeout = 30_000,
    expiryLeeway = 30_000,
    onSessionExpired,
    store,
  } = config;

  // Development builds only, as Angular checks a router config: production builds ship no checks.
  // Nothing here guards a token; a check that does (allowedOrigins) runs in the matching itself.
  if (ngDevMode) {
    check(
      typeof refreshUrl === 'string' && refreshUrl.trim() !== '',
      'refreshUrl',
      `must be a non-empty URL, got ${describe(refreshUrl)}.`,
    );
    checkArray('skipUrls', skipUrls, checkUrlMatcher);
    check(
      Number.isInteger(maxRetries) && maxRetries >= 0,
      'maxRetries',
      `must be a non-negative integer, got ${describe(maxRetries)}.`,
    );
    checkArray('statusCodes', statusCodes, (code, at) =>
      check(
        Number.isInteger(code) && (code as number) >= 100 && (code as number) <= 599,
        at,
        `must be an HTTP status from 100 to 599, got ${describe(code)}.`,
      ),
    );
    checkArray('allowedOrigins', allowedOrigins, checkOriginMatcher);
    check(
      typeof headerName === 'string' && HTTP_TOKEN.test(headerName),
      'headerName',
      `must be a valid HTTP header name, got ${describe(headerName)}.`,
    );
    check(
      typeof authScheme === 'string' && (authScheme === '' || HTTP_TOKEN.test(authScheme)),
      'authScheme',
      `must be a single word such as "Bearer", or "" for none, got ${describe(authScheme)}.`,
    );
    checkFunction('buildRefreshRequest', buildRefreshRequest);
    checkFunction('parseRefreshResponse', parseRefreshResponse);
    if (onSessionExpired !== undefined) {
      checkFunction('onSessionExpired', onSessionExpired);
    }
    check(
      typeof refreshTimeout === 'number' && refreshTimeout > 0 && refreshTimeout <= MAX_TIMEOUT_MS,
      'refreshTimeout',
      `must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS} (what setTimeout holds), got ${describe(refreshTimeout)}.`,
    );
    check(
      Number.isFinite(expiryLeeway) && expiryLeeway >= 0,
      'expiryLeeway',
      `must be a non-negative number of milliseconds, got ${describe(expiryLeeway)}.`,
    );
    if (store !== undefined) {
      checkStore(store);
    }
  }

  return {
    refreshUrl,
    skipUrls: [...skipUrls],
    maxRetries,
    statusCodes: [...statusCodes],
    allowedOrigins: allowedOrigins.map((origin) =>
      typeof origin === 'string' ? (normalizeOrigin(origin) ?? origin) : wholeOriginPattern(origin),
    ),
    headerName,
    authScheme,
    buildRefreshRequest,
    parseRefreshResponse,
    refreshTimeout,
    expiryLeeway,
    onSessionExpired: onSessionExpired ?? null,
  };
}

/**
 * Throws `NGTR101` for `option` unless `isValid`.
 *
 * @param detail - What is wrong, for development builds; `''` in production, where only the code and
 *   the option's name remain.
 */
function check(isValid: boolean, option: string, detail: string): asserts isValid {
  if (!isValid) {
    throw invalidConfigError(option, detail);
  }
}

function checkArray(
  option: string,
  value: unknown,
  checkItem: (item: unknown, at: string) => void,
): void {
  if (!Array.isArray(value)) {
    throw invalidConfigError(option, ngDevMode ? `must be an array, got ${describe(value)}.` : '');
  }
  value.forEach((item, index) => checkItem(item, `${option}[${index}]`));
}

function checkUrlMatcher(matcher: unknown, at: string): asserts matcher is UrlMatcher {
  if (matcher instanceof RegExp) {
    checkStatelessRegExp(matcher, at);
    return;
  }
  check(
    typeof matcher === 'function' || (typeof matcher === 'string' && matcher !== ''),
    at,
    ngDevMode
      ? `must be a non-empty string, a RegExp or a function, got ${describe(matcher)}.`
      : '',
  );
}

function checkOriginMatcher(matcher: unknown, at: string): asserts matcher is OriginMatcher {
  if (matcher instanceof RegExp) {
    // Matched against the whole origin whatever its shape (see wholeOriginPattern): no anchors needed.
    checkStatelessRegExp(matcher, at);
    return;
  }
  check(
    typeof matcher === 'string' && normalizeOrigin(matcher) !== null,
    at,
    ngDevMode
      ? 'must be an origin such as "https://api.example.com" (scheme, host and optional port; ' +
          `no path or credentials) or a RegExp, got ${describe(matcher)}.`
      : '',
  );
}

/** RegExps with `g` or `y` remember `lastIndex` between tests and would match every other request. */
function checkStatelessRegExp(pattern: RegExp, at: string): void {
  check(
    !pattern.global && !pattern.sticky,
    at,
    ngDevMode ? `must not use the g or y flag, got ${pattern}.` : '',
  );
}

function checkFunction(option: string, value: unknown): void {
  check(
    typeof value === 'function',
    option,
    ngDevMode ? `must be a function, got ${describe(value)}.` : '',
  );
}

function checkStore(store: unknown): asserts store is Type<TokenStore> | TokenStore {
  if (typeof store === 'function') {
    // A class, whose instances have the store's methods; not a factory function.
    check(
      typeof (store.prototype as Partial<TokenStore> | undefined)?.getAccessToken === 'function',
      'store',
      'must be a TokenStore class or instance; a function that is not such a class (a factory?) was given.',
    );
    return;
  }
  const methods = ['getAccessToken', 'getRefreshToken', 'setTokens', 'clear'] as const;
  const missing = methods.filter(
    (method) => typeof (store as Record<string, unknown> | null)?.[method] !== 'function',
  );
  check(
    missing.length === 0,
    'store',
    ngDevMode
      ? `must be a TokenStore class or instance; ${describe(store)} lacks ${missing.join(', ')}.`
      : '',
  );
}

/** A short description of a bad option value for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (value === null || typeof value !== 'object') {
    return String(value);
  }
  return 'an object';
}
