/** How the demo server runs. Every field has an environment variable; see the README. */
export interface DemoServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** SQLite file for users and sessions (`:memory:` for a throwaway server). */
  dbPath: string;
  /** Lifetime of access tokens. */
  accessTokenTtlSeconds: number;
  /** How long a refresh token stays usable if it is never rotated. */
  refreshTokenTtlSeconds: number;
  /** Absolute lifetime of a session (a login), however often it refreshes. */
  familyLifetimeSeconds: number;
  /** How long after a rotation the previous refresh token still gets the same successor. */
  rotationGraceSeconds: number;
  /** Where the refresh token travels: the JSON body, or an httpOnly SameSite=Strict cookie. */
  refreshStyle: 'body' | 'cookie';
  /** Failed logins allowed per user name, per client address, and the window they count in. */
  loginThrottle: {
    maxFailuresPerUser: number;
    maxFailuresPerClient: number;
    windowSeconds: number;
  };
  /** Whether `X-Forwarded-For` names the client (only behind a proxy you trust). */
  trustProxy: boolean;
  /**
   * Whether tokens are DPoP-bound (RFC 9449): login, refresh and the protected API then require a
   * proof, with the server's nonce, and access tokens carry the key's thumbprint (`cnf.jkt`).
   */
  dpop: boolean;
  /** Whether the /__test hooks exist. Never on outside tests. */
  testMode: boolean;
  /** The built demo app to serve, or `null` for an API-only server. */
  staticDir: string | null;
  /** What the demo app is told through `/demo-config.js`. */
  demo: { store: 'default' | 'session'; refreshTimeoutMs: number | null };
}

/** The defaults, as `npm start` runs them. */
export const DEFAULT_OPTIONS: DemoServerOptions = {
  port: 4300,
  dbPath: '.demo-data/demo.db',
  accessTokenTtlSeconds: 15,
  refreshTokenTtlSeconds: 7 * 24 * 3600,
  familyLifetimeSeconds: 30 * 24 * 3600,
  rotationGraceSeconds: 5,
  refreshStyle: 'body',
  loginThrottle: { maxFailuresPerUser: 5, maxFailuresPerClient: 20, windowSeconds: 60 },
  trustProxy: false,
  dpop: false,
  testMode: false,
  staticDir: 'dist/demo-app/browser',
  demo: { store: 'default', refreshTimeoutMs: null },
};

/**
 * Reads the options from environment variables, with the defaults for those unset.
 *
 * @throws Error naming the variable and the value when a value is not acceptable.
 */
export function readOptions(env: Record<string, string | undefined>): DemoServerOptions {
  const number = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      return fallback;
    }
    if (!values.includes(raw as T)) {
      throw new Error(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };
  const d = DEFAULT_OPTIONS;
  const refreshTimeoutMs = number('DEMO_REFRESH_TIMEOUT_MS', 0, 0);
  return {
    port: number('PORT', d.port, 0, 65535),
    dbPath: env['DEMO_DB'] === undefined || env['DEMO_DB'] === '' ? d.dbPath : env['DEMO_DB'],
    accessTokenTtlSeconds: number('ACCESS_TTL_SECONDS', d.accessTokenTtlSeconds, 1),
    refreshTokenTtlSeconds: number('REFRESH_TTL_SECONDS', d.refreshTokenTtlSeconds, 1),
    familyLifetimeSeconds: number('SESSION_LIFETIME_SECONDS', d.familyLifetimeSeconds, 1),
    rotationGraceSeconds: number('ROTATION_GRACE_SECONDS', d.rotationGraceSeconds, 0, 300),
    refreshStyle: oneOf('REFRESH_STYLE', ['body', 'cookie'], d.refreshStyle),
    loginThrottle: {
      maxFailuresPerUser: number('LOGIN_FAILURES_PER_USER', d.loginThrottle.maxFailuresPerUser, 1),
      maxFailuresPerClient: number(
        'LOGIN_FAILURES_PER_CLIENT',
        d.loginThrottle.maxFailuresPerClient,
        1,
      ),
      windowSeconds: number('LOGIN_THROTTLE_SECONDS', d.loginThrottle.windowSeconds, 1),
    },
    trustProxy: oneOf('TRUST_PROXY', ['0', '1'], '0') === '1',
    dpop: oneOf('DEMO_DPOP', ['off', 'on'], d.dpop ? 'on' : 'off') === 'on',
    testMode: oneOf('DEMO_TEST_MODE', ['0', '1'], '0') === '1',
    staticDir: env['STATIC_DIR'] === undefined ? d.staticDir : env['STATIC_DIR'] || null,
    demo: {
      store: oneOf('DEMO_STORE', ['default', 'session'], d.demo.store),
      refreshTimeoutMs: refreshTimeoutMs === 0 ? null : refreshTimeoutMs,
    },
  };
}
