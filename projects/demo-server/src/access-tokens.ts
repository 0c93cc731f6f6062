import { jwtVerify, SignJWT } from 'jose';

import type { SessionStore } from './session-store.ts';

/** Who an access token speaks for. */
export interface Caller {
  username: string;
  /** The session (refresh-token family) the token was issued to. */
  familyId: string;
}

/**
 * Issues and checks access tokens: HS256 JWTs (`jose`) naming the user (`sub`), the session (`sid`)
 * and the session's access generation (`gen`).
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
    return new SignJWT({ sid: familyId, gen: accessGeneration })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#key);
  }

  /** The caller of an `Authorization: Bearer` header, or `null` when it is missing or not valid. */
  async verify(authorization: string | undefined): Promise<Caller | null> {
    const match = /^Bearer ([\w.-]+)$/.exec(authorization ?? '');
    if (!match) {
      return null;
    }
    try {
      const { payload } = await jwtVerify(match[1], this.#key, { algorithms: ['HS256'] });
      const { sid, gen, sub } = payload;
      if (typeof sid !== 'string' || typeof gen !== 'number' || typeof sub !== 'string') {
        return null;
      }
      const family = this.#sessions.liveFamily(sid);
      return family?.accessGeneration === gen && family.username === sub
        ? { username: sub, familyId: sid }
        : null;
    } catch {
      // Expired, forged or malformed: the caller answers 401 and the client refreshes.
      return null;
    }
  }
}
