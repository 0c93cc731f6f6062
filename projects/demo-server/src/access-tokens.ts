import { errors, jwtVerify, SignJWT } from 'jose';

import type { SessionStore } from './session-store.ts';

/** Who an access token speaks for. */
export interface Caller {
  username: string;
  /** The session (refresh-token family) the token was issued to. */
  familyId: string;
  /** The scopes the token grants (its `scope` claim, split on spaces). */
  scopes: readonly string[];
  /** The thumbprint of the DPoP key the token is bound to (its `cnf.jkt`), or `null`. */
  dpopJkt: string | null;
}

/** The scopes every demo access token grants: enough for the profile and the data calls. */
export const DEMO_SCOPES: readonly string[] = ['profile', 'data'];

/**
 * What checking an `Authorization` header found: the caller, or why there is none. `missing` means
 * no credentials of the scheme at all (RFC 6750 §3.1: the challenge then carries no error code).
 */
export type Verification =
  | { caller: Caller; problem: null }
  | { caller: null; problem: 'missing' | 'expired' | 'revoked' | 'invalid' };

/**
 * Issues and checks access tokens: HS256 JWTs (`jose`) naming the user (`sub`), the session (`sid`),
 * the session's access generation (`gen`), the granted scopes (`scope`, always `DEMO_SCOPES`) and,
 * for a session bound to a DPoP key, that key's thumbprint (`cnf.jkt`, RFC 9449 §6.1).
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

  issue(
    username: string,
    familyId: string,
    accessGeneration: number,
    dpopJkt: string | null = null,
  ): Promise<string> {
    const claims = { sid: familyId, gen: accessGeneration, scope: DEMO_SCOPES.join(' ') };
    return new SignJWT(dpopJkt === null ? claims : { ...claims, cnf: { jkt: dpopJkt } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#key);
  }

  /**
   * The caller of an `Authorization` header, or why there is none: no credentials of `scheme`, a
   * token past its `exp` or of an access generation the server has expired, a revoked session, or a
   * token that is forged or malformed.
   */
  async verify(
    authorization: string | undefined,
    scheme: 'Bearer' | 'DPoP' = 'Bearer',
  ): Promise<Verification> {
    const token = credentialsOf(authorization, scheme);
    if (token === null) {
      return { caller: null, problem: 'missing' };
    }
    if (!/^[\w.-]+$/.test(token)) {
      return { caller: null, problem: 'invalid' };
    }
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'] });
      const { sid, gen, sub, scope, cnf } = payload;
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
      const jkt = (cnf as { jkt?: unknown } | undefined)?.jkt;
      const dpopJkt = typeof jkt === 'string' ? jkt : null;
      return { caller: { username: sub, familyId: sid, scopes, dpopJkt }, problem: null };
    } catch (error) {
      // Past its exp, or forged or malformed: either way the caller answers 401 invalid_token.
      return { caller: null, problem: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}

/**
 * What follows the scheme and one space in an `Authorization` header of `scheme` (matched without
 * regard to case, RFC 9110 §11.1), or `null` when the header is missing or has another scheme.
 */
export function credentialsOf(
  authorization: string | undefined,
  scheme: 'Bearer' | 'DPoP',
): string | null {
  if (authorization === undefined || !new RegExp(`^${scheme}(\\s|$)`, 'i').test(authorization)) {
    return null;
  }
  return authorization.slice(scheme.length + 1);
}
