import { createHash, randomBytes } from 'node:crypto';

import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
} from 'jose';
import type { ProtectedHeaderParameters } from 'jose';

/** The only proof algorithm the demo accepts (asymmetric, as RFC 9449 requires). */
export const DPOP_ALGORITHM = 'ES256';
/** How far a proof's `iat` may be from the server's clock, either way. */
export const PROOF_WINDOW_SECONDS = 60;
/** How long a nonce is the current one; the previous one is accepted for as long again. */
export const NONCE_PERIOD_SECONDS = 60;
/** At most this many proof ids are remembered; beyond it, proofs are refused until some expire. */
export const MAX_REMEMBERED_PROOFS = 50_000;

/** What a proof must match: the request as the client saw it. */
export interface ProofTarget {
  /** The request method. */
  method: string;
  /** The absolute request URL (its query and fragment are ignored). */
  url: string;
  /** The access token of a resource request, whose hash the proof's `ath` must be. */
  accessToken?: string;
}

/**
 * What checking a proof found: the thumbprint of its key, or why it is refused. `use_dpop_nonce`
 * means a proof that is fine except for its nonce (missing, unknown or too old): the client resends
 * it with the nonce of the answer. `busy` means the replay cache is full.
 */
export type ProofCheck =
  | { jkt: string; error: null }
  | { jkt: null; error: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'busy'; description: string };

/** JWK members that only a private key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 128;

/**
 * Checks DPoP proofs (RFC 9449 §4.3) with `jose`, and keeps what that needs: the server's nonces
 * and the ids of the proofs it accepted.
 *
 * A proof passes when its header is `typ: dpop+jwt`, `alg: ES256` and a public `jwk` (no private
 * members), it is signed by that key, its `htm` and `htu` are the request's method and URL (without
 * query and fragment), its `iat` is within {@link PROOF_WINDOW_SECONDS} of now, its `ath` is the
 * SHA-256 of the access token on a resource request (and absent otherwise), its `nonce` is the
 * current or the previous nonce, and its `jti` was not seen before. Only then is its `jti`
 * remembered, until its `iat` leaves the window, so a replayed proof is refused while it would
 * otherwise pass.
 *
 * Nonces rotate every {@link NONCE_PERIOD_SECONDS}, on first use after the period: a client that
 * sends the previous one still passes, and learns the new one from the answer's `DPoP-Nonce`.
 */
export class DpopVerifier {
  readonly #now: () => number;
  readonly #maxRemembered: number;
  /** Proof ids by the time (ms) after which they can no longer pass, in insertion order. */
  readonly #seen = new Map<string, number>();
  #nonce = { current: '', previous: '', since: 0 };

  /**
   * @param options - `now`: the clock (ms); `maxRememberedProofs`: the replay cache's bound.
   */
  constructor(options: { now?: () => number; maxRememberedProofs?: number } = {}) {
    const { now = Date.now, maxRememberedProofs = MAX_REMEMBERED_PROOFS } = options;
    this.#now = now;
    this.#maxRemembered = maxRememberedProofs;
    this.#nonce = { current: newNonce(), previous: '', since: now() };
  }

  /** The nonce to send in `DPoP-Nonce`; rotates it when its period is over. */
  nonce(): string {
    const now = this.#now();
    const elapsed = now - this.#nonce.since;
    const period = NONCE_PERIOD_SECONDS * 1000;
    if (elapsed >= 2 * period) {
      this.#nonce = { current: newNonce(), previous: '', since: now };
    } else if (elapsed >= period) {
      this.rotateNonce();
    }
    return this.#nonce.current;
  }

  /** Starts a new nonce now; the current one becomes the previous one (the test hook uses it). */
  rotateNonce(): void {
    this.#nonce = { current: newNonce(), previous: this.#nonce.current, since: this.#now() };
  }

  /**
   * Checks the proof against the request; see the class.
   *
   * @param proofs - The request's `DPoP` header: its value, or each value when it came more than
   *   once (RFC 9449 §4.3 allows one), or `undefined` without one.
   */
  async check(
    proofs: string | readonly string[] | undefined,
    target: ProofTarget,
  ): Promise<ProofCheck> {
    if (typeof proofs !== 'string' && proofs !== undefined && proofs.length > 1) {
      return refused('The request has more than one DPoP header');
    }
    const proof = typeof proofs === 'string' ? proofs : proofs?.[0];
    if (proof === undefined || proof === '') {
      return refused('The request has no DPoP proof');
    }
    const header = protectedHeaderOf(proof);
    if (header === null) {
      return refused('The DPoP proof is not a JWT');
    }
    if (header.typ !== 'dpop+jwt') {
      return refused("The DPoP proof's typ is not dpop+jwt");
    }
    if (header.alg !== DPOP_ALGORITHM) {
      return refused(`The DPoP proof must be signed with ${DPOP_ALGORITHM}`);
    }
    // Typed as a JWK, but it is whatever the client sent: check what really arrived.
    const jwk: unknown = header.jwk;
    if (typeof jwk !== 'object' || jwk === null) {
      return refused('The DPoP proof has no jwk header');
    }
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
      return refused("The DPoP proof's jwk holds a private key");
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [DPOP_ALGORITHM],
      }));
    } catch (error) {
      // A bad signature, a jwk that is not an EC P-256 public key, or claims that are not JSON:
      // jose's errors, and WebCrypto's DataError for key data it cannot import (a member of the
      // wrong type or length, a point off the curve, a crv that is not the alg's).
      if (error instanceof errors.JOSEError || isKeyDataError(error)) {
        return refused("The DPoP proof's signature does not verify with its jwk");
      }
      throw error;
    }
    const claimProblem = this.#claimProblem(payload, target);
    if (claimProblem !== null) {
      return refused(claimProblem);
    }
    const { nonce } = payload;
    this.nonce();
    if (nonce === undefined) {
      return { jkt: null, error: 'use_dpop_nonce', description: 'The DPoP proof has no nonce' };
    }
    if (nonce === '' || (nonce !== this.#nonce.current && nonce !== this.#nonce.previous)) {
      return {
        jkt: null,
        error: 'use_dpop_nonce',
        description: "The DPoP proof's nonce is not current",
      };
    }
    const remembered = this.#remember(payload['jti'] as string, payload['iat'] as number);
    if (remembered !== null) {
      return remembered;
    }
    return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), error: null };
  }

  /** Why the claims do not fit the request, or `null` when they do (all but nonce and replay). */
  #claimProblem(payload: Record<string, unknown>, target: ProofTarget): string | null {
    const { jti, htm, htu, iat, ath } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
      return 'The DPoP proof has no jti';
    }
    if (htm !== target.method) {
      return `The DPoP proof's htm is not ${target.method}`;
    }
    const expected = withoutQuery(target.url);
    if (typeof htu !== 'string' || expected === null || withoutQuery(htu) !== expected) {
      return "The DPoP proof's htu is not the request URL";
    }
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      return 'The DPoP proof has no iat';
    }
    if (Math.abs(iat * 1000 - this.#now()) > PROOF_WINDOW_SECONDS * 1000) {
      return `The DPoP proof's iat is more than ${PROOF_WINDOW_SECONDS} s away from the server's time`;
    }
    if (target.accessToken === undefined) {
      return ath === undefined ? null : 'The DPoP proof has an ath but the request no access token';
    }
    if (ath === undefined) {
      return 'The DPoP proof has no ath';
    }
    return ath === tokenHash(target.accessToken)
      ? null
      : "The DPoP proof's ath is not the hash of the access token";
  }

  /** Remembers a proof id, or says why it cannot pass: seen before, or no room left. */
  #remember(jti: string, iat: number): ProofCheck | null {
    const now = this.#now();
    for (const [id, expiresAt] of this.#seen) {
      // Roughly in order of expiry (iat is within the window of the time of insertion).
      if (expiresAt > now) break;
      this.#seen.delete(id);
    }
    const expiresAt = this.#seen.get(jti);
    if (expiresAt !== undefined && expiresAt > now) {
      return refused('The DPoP proof was used before (its jti is not new)');
    }
    if (this.#seen.size >= this.#maxRemembered) {
      return { jkt: null, error: 'busy', description: 'Too many DPoP proofs; try again shortly' };
    }
    this.#seen.set(jti, iat * 1000 + PROOF_WINDOW_SECONDS * 1000);
    return null;
  }
}

/** The `ath` of an access token: base64url(SHA-256(token)). */
export function tokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

function refused(description: string): ProofCheck {
  return { jkt: null, error: 'invalid_dpop_proof', description };
}

function isKeyDataError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'DataError';
}

function protectedHeaderOf(proof: string): ProtectedHeaderParameters | null {
  try {
    return decodeProtectedHeader(proof);
  } catch {
    // Not three base64url parts, or a header that is not a JSON object.
    return null;
  }
}

/** The URL's origin and path, normalized by the URL parser (what `htu` is compared on), or `null`. */
function withoutQuery(url: string): string | null {
  if (!URL.canParse(url)) {
    return null;
  }
  const parsed = new URL(url);
  return parsed.origin + parsed.pathname;
}

function newNonce(): string {
  return randomBytes(16).toString('base64url');
}
