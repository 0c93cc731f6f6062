import { inject, Injectable, InjectionToken } from '@angular/core';

import { TokenRefreshError } from '../errors';
import { DpopKeyStore } from './dpop-key-store';

/** The signature algorithms `withDpop()` signs proofs with. @publicApi */
export type DpopAlgorithm = 'ES256' | 'ES384';

/** The validated options of `withDpop()`. Internal. */
export interface DpopSettings {
  readonly algorithm: DpopAlgorithm;
}

/** The settings of the nearest `withDpop()`. Internal. */
export const DPOP_SETTINGS = new InjectionToken<DpopSettings>('DPOP_SETTINGS');

/** What one key pair signs with, prepared once per key: the proofs' header never changes. */
interface KeyMaterial {
  readonly privateKey: CryptoKey;
  /** `base64url(header) + '.'`, the start of every proof. */
  readonly headerPrefix: string;
  /** The RFC 7638 SHA-256 thumbprint of the public key (what servers bind tokens to: `cnf.jkt`). */
  readonly thumbprint: string;
}

/** What a proof is about. */
export interface ProofClaims {
  /** The HTTP method. */
  readonly htm: string;
  /** The absolute request URL without query and fragment. */
  readonly htu: string;
  /** The access token the request carries, if any (its hash becomes `ath`). */
  readonly accessToken?: string;
  /** The server's latest nonce for the request's origin, if any. */
  readonly nonce?: string;
}

const CURVES: Record<DpopAlgorithm, { namedCurve: string; hash: string }> = {
  ES256: { namedCurve: 'P-256', hash: 'SHA-256' },
  ES384: { namedCurve: 'P-384', hash: 'SHA-384' },
};

/**
 * Signs DPoP proofs (RFC 9449) with the app's one key pair. Internal.
 *
 * The key pair is loaded from the {@link DpopKeyStore} at the first proof, or made (ECDSA,
 * non-extractable private key) and added to it when there is none. Its public JWK, thumbprint and
 * encoded header are computed once per key; each proof gets a fresh `jti`, `iat` and signature. The
 * `ath` of the last access token is kept, as hashing it again would give the same value.
 */
@Injectable()
export class DpopProofs {
  readonly #settings = inject(DPOP_SETTINGS);
  readonly #keyStore = inject(DpopKeyStore);
  #material: Promise<KeyMaterial> | null = null;
  #lastAth: { readonly token: string; readonly ath: Promise<string> } | null = null;

  /**
   * A signed proof for `claims`.
   *
   * @throws `TokenRefreshError` `dpop-unavailable` (as a rejection) when there is no WebCrypto or
   *   the key store fails.
   */
  async create(claims: ProofClaims): Promise<string> {
    const subtle = webCrypto();
    const [material, ath] = await Promise.all([
      this.#keyMaterial(),
      claims.accessToken === undefined ? undefined : this.#ath(subtle, claims.accessToken),
    ]);
    const payload = encodeJson({
      jti: randomId(),
      htm: claims.htm,
      htu: claims.htu,
      iat: Math.floor(Date.now() / 1000),
      ath,
      nonce: claims.nonce,
    });
    const input = material.headerPrefix + payload;
    const signature = await subtle.sign(
      { name: 'ECDSA', hash: CURVES[this.#settings.algorithm].hash },
      material.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64Url(new Uint8Array(signature))}`;
  }

  /** The JWK SHA-256 thumbprint of the key (RFC 7638): `dpop_jkt`, and the servers' `cnf.jkt`. */
  async thumbprint(): Promise<string> {
    // Without WebCrypto, #loadOrMake rejects with dpop-unavailable before it touches the store.
    return (await this.#keyMaterial()).thumbprint;
  }

  /** Forgets the key: in the store when `inStore`, and in memory always. */
  async forget(inStore: boolean): Promise<void> {
    this.#material = null;
    if (inStore) {
      await unavailableOnFailure('the DpopKeyStore failed to clear', () => this.#keyStore.clear());
    }
  }

  #keyMaterial(): Promise<KeyMaterial> {
    if (this.#material === null) {
      const material = this.#loadOrMake();
      this.#material = material;
      // A failure is not kept: the next proof tries again (a store that was busy, a quota).
      material.catch(() => {
        if (this.#material === material) {
          this.#material = null;
        }
      });
    }
    return this.#material;
  }

  async #loadOrMake(): Promise<KeyMaterial> {
    const subtle = webCrypto();
    const { algorithm } = this.#settings;
    const pair = await unavailableOnFailure('the DpopKeyStore failed', async () => {
      const stored = await this.#keyStore.load();
      if (stored) {
        return stored;
      }
      const made = await subtle.generateKey(
        { name: 'ECDSA', namedCurve: CURVES[algorithm].namedCurve },
        false,
        ['sign', 'verify'],
      );
      return this.#keyStore.add(made);
    });
    // The public key of a pair is always exportable; only the private key is locked in.
    const { crv, kty, x, y } = await subtle.exportKey('jwk', pair.publicKey);
    const jwk = { crv, kty, x, y }; // RFC 7638 order: the members of the thumbprint, sorted
    const digest = await subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(jwk)));
    return {
      privateKey: pair.privateKey,
      headerPrefix: `${encodeJson({ typ: 'dpop+jwt', alg: algorithm, jwk })}.`,
      thumbprint: base64Url(new Uint8Array(digest)),
    };
  }

  #ath(subtle: SubtleCrypto, token: string): Promise<string> {
    if (this.#lastAth?.token !== token) {
      const ath = subtle
        .digest('SHA-256', new TextEncoder().encode(token))
        .then((digest) => base64Url(new Uint8Array(digest)));
      this.#lastAth = { token, ath };
    }
    return this.#lastAth.ath;
  }
}

/** The browser's WebCrypto; throws `dpop-unavailable` where there is none (an insecure context). */
function webCrypto(): SubtleCrypto {
  const subtle = (globalThis as { crypto?: Partial<Crypto> }).crypto?.subtle;
  if (!subtle) {
    throw new TokenRefreshError(
      'dpop-unavailable',
      ngDevMode
        ? 'withDpop() needs WebCrypto (crypto.subtle), which is missing here: browsers offer it in secure contexts only (https, or http://localhost).'
        : 'crypto.subtle',
    );
  }
  return subtle;
}

async function unavailableOnFailure<T>(what: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // The key store threw or rejected: no IndexedDB (private mode), or a custom store's failure.
    throw new TokenRefreshError(
      'dpop-unavailable',
      ngDevMode ? `withDpop(): ${what} (no IndexedDB?); see \`cause\`.` : 'DpopKeyStore',
      { cause: error },
    );
  }
}

function randomId(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(16)));
}

function encodeJson(value: object): string {
  return base64Url(new TextEncoder().encode(JSON.stringify(value)));
}

/** Base64url without padding (RFC 7515). */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  // Stryker disable next-line Regex: btoa pads at its end only, where /=+/ is the same
  const unpadded = btoa(binary).replace(/=+$/, '');
  return unpadded.replace(/\+/g, '-').replace(/\//g, '_');
}
