/**
 * Makes an unsigned JWT for tests, with an `exp` claim `expiresInSeconds` from now (negative: already
 * expired), so that the library's proactive refresh can read it. Never accepted by a real server.
 *
 * @usageNotes
 * ```ts
 * store.signIn({ accessToken: fakeJwt({ expiresInSeconds: -5 }), refreshToken: 'r1' });
 * ```
 *
 * @param options - `expiresInSeconds` (default 3600) and extra `claims`.
 * @returns A JWT string: header.payload.signature.
 * @publicApi
 */
export function fakeJwt(
  options: { expiresInSeconds?: number; claims?: Record<string, unknown> } = {},
): string {
  const exp = Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 3600);
  return `${base64Url({ alg: 'none', typ: 'JWT' })}.${base64Url({ ...options.claims, exp })}.test-signature`;
}

function base64Url(part: object): string {
  const bytes = new TextEncoder().encode(JSON.stringify(part));
  return btoa(String.fromCharCode(...bytes))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
