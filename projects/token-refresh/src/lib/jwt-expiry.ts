/**
 * Reads when a JWT expires from its `exp` claim, without verifying anything (that is the server's job).
 *
 * Returns `null` for anything that is not a well-formed JWT with a numeric `exp`: opaque tokens and
 * malformed ones are simply not known to expire, so they never trigger a proactive refresh.
 *
 * @param token - The access token.
 * @returns The expiry in epoch milliseconds, or `null` when unknown.
 */
export function readJwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return null;
  }
  try {
    const payload: unknown = JSON.parse(decodeBase64Url(parts[1]));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    // Not base64url, not UTF-8 or not JSON: a malformed token, which is simply not known to expire.
    return null;
  }
}

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  // No padding to restore: atob decodes base64 without its trailing `=` (forgiving-base64 decode).
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Remembers the expiry of the last token read, so that the per-request check decodes a JWT once per
 * token rather than once per request.
 */
export class JwtExpiryCache {
  #lastToken: string | null = null;
  #lastExpiry: number | null = null;

  /**
   * @param token - The access token.
   * @returns Its expiry in epoch milliseconds, or `null` when unknown.
   */
  expiryOf(token: string): number | null {
    if (token !== this.#lastToken) {
      this.#lastToken = token;
      this.#lastExpiry = readJwtExpiry(token);
    }
    return this.#lastExpiry;
  }
}
