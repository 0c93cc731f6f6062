import { errors, jwtVerify, SignJWT } from 'jose';

import type { SessionStore } from './session-store.ts';

/** Who an access token speaks for. */
export interface Caller {
  username: string;
  /** The session (refresh-token family) the token was issued to. */
  familyId: string;
  /** The scopes the token grants (its `scope` claim, split on spaces). */
  scopes: readonly string[];
}

/** The scopes every demo access token grants: enough for the profile and the data calls. */
export const DEMO_SCOPES: readonly string[] = ['profile', 'data'];

/**
 * What checking an `Authorization` header found: the caller, or why there is none. `missing` means
 * no Bearer credentials at all (RFC 6750 §3.1: the challenge then carries no error code).
 */
export type Verification =
  | { caller: Caller; problem: null }
  | { caller: null; problem: 'missing' | 'expired' | 'revoked' | 'invalid' };

/**
 * Issues and checks access tokens: HS256 JWTs (`jose`) naming the user (`sub`), the session (`sid`),
 * the session's access generation (`gen`) and the granted scopes (`scope`, always `DEMO_SCOPES`).
 *
 * A token is accepted only while its session is live and its generation current, both read from the
 * database: revoking a session or expiring its access tokens takes effect at once, and survives a
 * restart of the server.
 */
export class AccessTokens {
  readonly #key: Uint8Array;
  readonly #sessions: SessionStore;
  readonly #ttlSeconds: number;

  constructor(sessions: SessionStore, ttlSeconds: number) {
    this.#sessions = sessions;
    this.#key = sessions.signingKey();
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  issue(username: string, familyId: string, accessGeneration: number): Promise<string> {
    return new SignJWT({ sid: familyId, gen: accessGeneration, scope: DEMO_SCOPES.join(' ') })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#key);
  }

  /**
   * The caller of an `Authorization` header, or why there is none: no Bearer credentials, a token
   * past its `exp` or of an access generation the server has expired, a revoked session, or a
   * token that is forged or malformed.
   */
  async verify(authorization: string | undefined): Promise<Verification> {
    if (authorization === undefined || !/^Bearer(\s|$)/i.test(authorization)) {
      return { caller: null, problem: 'missing' };
    }
    const match = /^Bearer ([\w.-]+)$/.exec(authorization);
    if (!match) {
      return { caller: null, problem: 'invalid' };
    }
    try {
      const { payload } = await jwtVerify(match[1], this.#key, { algorithms: ['HS256'] });
      const { sid, gen, sub, scope } = payload;
      if (typeof sid !== 'string' || typeof gen !== 'number' || typeof sub !== 'string') {
        return { caller: null, problem: 'invalid' };
      }
      const family = this.#sessions.liveFamily(sid);
      if (family === null) {
        return { caller: null, problem: 'revoked' };
      }
      if (family.username !== sub) {
        return { caller: null, problem: 'invalid' };
      }
      if (family.accessGeneration !== gen) {
        return { caller: null, problem: 'expired' };
      }
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      return { caller: { username: sub, familyId: sid, scopes }, problem: null };
    } catch (error) {
      // Past its exp, or forged or malformed: either way the caller answers 401 invalid_token.
      return { caller: null, problem: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
