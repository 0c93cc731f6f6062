import {
  EnvironmentProviders,
  inject,
  makeEnvironmentProviders,
  provideEnvironmentInitializer,
  Provider,
  Type,
} from '@angular/core';

import { CROSS_TAB_ENVIRONMENT, CrossTabCoordinator, crossTabEnvironment } from './cross-tab';
import { invalidConfigError } from './errors';
import { RefreshGate } from './refresh-gate';
import { jsonBodyRefresh, parseTokenResponse } from './refresh-request';
import { isAnchored, normalizeOrigin, RequestPolicy } from './request-matching';
import {
  OriginMatcher,
  TOKEN_REFRESH_OPTIONS,
  TokenRefreshConfig,
  TokenRefreshOptions,
  UrlMatcher,
} from './token-refresh-config';
import { TokenRefreshService } from './token-refresh-service';
import { TokenStore } from './token-store';

/**
 * Configures `tokenRefreshInterceptor`: where to refresh, which requests get the token, and how a
 * refresh is made and read.
 *
 * The configuration is validated here, once, when the providers are created: a bad option throws an
 * `NGTR101` error that names it, so a typo fails at start-up rather than as a silent pass or a hang.
 * Also provides {@link TokenRefreshService} and, when `store` is given, the {@link TokenStore}.
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
 * @returns Environment providers for an application or a route.
 * @publicApi
 */
export function provideTokenRefresh(config: TokenRefreshConfig): EnvironmentProviders {
  const options = resolveOptions(config);
  const providers: (Provider | EnvironmentProviders)[] = [
    { provide: TOKEN_REFRESH_OPTIONS, useValue: options },
    RequestPolicy,
    RefreshGate,
    TokenRefreshService,
  ];
  if (options.crossTab) {
    // The gate starts with the app, so that a tab that has sent nothing yet still hears the others.
    providers.push(
      { provide: CROSS_TAB_ENVIRONMENT, useFactory: crossTabEnvironment },
      CrossTabCoordinator,
      provideEnvironmentInitializer(() => void inject(RefreshGate)),
    );
  }
  if (config.store !== undefined) {
    providers.push(
      typeof config.store === 'function'
        ? { provide: TokenStore, useClass: config.store }
        : { provide: TokenStore, useValue: config.store },
    );
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
  'crossTab',
  'store',
]);

/** An HTTP header name or auth scheme: an RFC 9110 token. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/;

/** Validates `config` and fills in the defaults. Throws `NGTR101` naming the first bad option. */
function resolveOptions(config: TokenRefreshConfig): TokenRefreshOptions {
  // Typed, but called from JavaScript too: check what really arrived.
  const given: unknown = config;
  if (typeof given !== 'object' || given === null) {
    throw invalidConfigError(`expects a configuration object, got ${describe(config)}.`);
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw invalidConfigError(`unknown option "${key}".`);
    }
  }
  const {
    refreshUrl,
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
    crossTab = true,
    store,
  } = config;

  if (typeof refreshUrl !== 'string' || refreshUrl.trim() === '') {
    throw invalidConfigError(`"refreshUrl" must be a non-empty URL, got ${describe(refreshUrl)}.`);
  }
  checkArray('skipUrls', skipUrls, checkUrlMatcher);
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw invalidConfigError(
      `"maxRetries" must be a non-negative integer, got ${describe(maxRetries)}.`,
    );
  }
  checkArray('statusCodes', statusCodes, (code, at) => {
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599) {
      throw invalidConfigError(
        `"${at}" must be an HTTP status from 100 to 599, got ${describe(code)}.`,
      );
    }
  });
  checkArray('allowedOrigins', allowedOrigins, checkOriginMatcher);
  if (typeof headerName !== 'string' || !HTTP_TOKEN.test(headerName)) {
    throw invalidConfigError(
      `"headerName" must be a valid HTTP header name, got ${describe(headerName)}.`,
    );
  }
  if (typeof authScheme !== 'string' || (authScheme !== '' && !HTTP_TOKEN.test(authScheme))) {
    throw invalidConfigError(
      `"authScheme" must be a single word such as "Bearer", or "" for none, got ${describe(authScheme)}.`,
    );
  }
  checkFunction('buildRefreshRequest', buildRefreshRequest);
  checkFunction('parseRefreshResponse', parseRefreshResponse);
  if (onSessionExpired !== undefined) {
    checkFunction('onSessionExpired', onSessionExpired);
  }
  if (
    typeof refreshTimeout !== 'number' ||
    !(refreshTimeout > 0) ||
    !Number.isFinite(refreshTimeout)
  ) {
    throw invalidConfigError(
      `"refreshTimeout" must be a positive number of milliseconds, got ${describe(refreshTimeout)}.`,
    );
  }
  if (typeof expiryLeeway !== 'number' || !(expiryLeeway >= 0) || !Number.isFinite(expiryLeeway)) {
    throw invalidConfigError(
      `"expiryLeeway" must be a non-negative number of milliseconds, got ${describe(expiryLeeway)}.`,
    );
  }
  if (typeof crossTab !== 'boolean') {
    throw invalidConfigError(`"crossTab" must be true or false, got ${describe(crossTab)}.`);
  }
  if (store !== undefined) {
    checkStore(store);
  }

  return {
    refreshUrl,
    skipUrls: [...skipUrls],
    maxRetries,
    statusCodes: [...statusCodes],
    allowedOrigins: allowedOrigins.map((origin) =>
      typeof origin === 'string' ? (normalizeOrigin(origin) ?? origin) : origin,
    ),
    headerName,
    authScheme,
    buildRefreshRequest,
    parseRefreshResponse,
    refreshTimeout,
    expiryLeeway,
    onSessionExpired: onSessionExpired ?? null,
    crossTab,
  };
}

function checkArray(
  option: string,
  value: unknown,
  checkItem: (item: unknown, at: string) => void,
): void {
  if (!Array.isArray(value)) {
    throw invalidConfigError(`"${option}" must be an array, got ${describe(value)}.`);
  }
  value.forEach((item, index) => checkItem(item, `${option}[${index}]`));
}

function checkUrlMatcher(matcher: unknown, at: string): asserts matcher is UrlMatcher {
  if (typeof matcher === 'function') {
    return;
  }
  if (matcher instanceof RegExp) {
    checkStatelessRegExp(matcher, at);
    return;
  }
  if (typeof matcher !== 'string' || matcher === '') {
    throw invalidConfigError(
      `"${at}" must be a non-empty string, a RegExp or a function, got ${describe(matcher)}.`,
    );
  }
}

function checkOriginMatcher(matcher: unknown, at: string): asserts matcher is OriginMatcher {
  if (matcher instanceof RegExp) {
    checkStatelessRegExp(matcher, at);
    if (!isAnchored(matcher)) {
      throw invalidConfigError(
        `"${at}" must be anchored with ^ and $ (e.g. /^https:\\/\\/api\\.example\\.com$/), ` +
          `or a look-alike host could match it, got ${matcher}.`,
      );
    }
    return;
  }
  if (typeof matcher !== 'string' || normalizeOrigin(matcher) === null) {
    throw invalidConfigError(
      `"${at}" must be an origin such as "https://api.example.com" (scheme, host and optional ` +
        `port; no path or credentials) or a RegExp, got ${describe(matcher)}.`,
    );
  }
}

/** RegExps with `g` or `y` remember `lastIndex` between tests and would match every other request. */
function checkStatelessRegExp(pattern: RegExp, at: string): void {
  if (pattern.global || pattern.sticky) {
    throw invalidConfigError(`"${at}" must not use the g or y flag, got ${pattern}.`);
  }
}

function checkFunction(option: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw invalidConfigError(`"${option}" must be a function, got ${describe(value)}.`);
  }
}

function checkStore(store: unknown): asserts store is Type<TokenStore> | TokenStore {
  if (typeof store === 'function') {
    return;
  }
  const methods = ['getAccessToken', 'getRefreshToken', 'setTokens', 'clear'] as const;
  const missing = methods.filter(
    (method) => typeof (store as Record<string, unknown> | null)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw invalidConfigError(
      `"store" must be a TokenStore class or instance; ${describe(store)} lacks ${missing.join(', ')}.`,
    );
  }
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
