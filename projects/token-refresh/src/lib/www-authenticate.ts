/**
 * One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1), as {@link parseWwwAuthenticate}
 * reads it.
 *
 * @publicApi
 */
export interface AuthChallenge {
  /** The scheme as the server wrote it, e.g. `Bearer` or `DPoP`; compare it case-insensitively. */
  readonly scheme: string;
  /**
   * The auth parameters, by lower-case name, with quoted values unquoted and unescaped, e.g.
   * `{ error: 'invalid_token', error_description: 'The access token expired' }`. Empty when the
   * challenge has none or carries a `token68`.
   */
  readonly params: Readonly<Record<string, string>>;
  /** The `token68` the challenge carries instead of parameters (rare; e.g. `Negotiate abc==`), or `null`. */
  readonly token68: string | null;
}

/**
 * One element of the header at `lastIndex` (sticky), after any list separators: an auth-param
 * (`name=token` or `name="quoted"`, groups 1 to 3, ending at a comma or the end), or an auth-scheme
 * (group 4) followed by a `token68` (group 5), by spaces before its first auth-param (group 6), or by
 * nothing; or the end. RFC 9110 token characters are `\w` and `!#$%&'*+.^\`|~-`.
 */
const ELEMENT =
  /[\s,]*(?:([\w!#$%&'*+.^`|~-]+)\s*=\s*(?:([\w!#$%&'*+.^`|~-]+)|"((?:[^"\\]|\\[\s\S])*)")\s*(?:,|$)|([\w!#$%&'*+.^`|~-]+)(?:\s+([\w.~+/-]+=*)\s*(?=,|$)|(\s+)(?=[\w!#$%&'*+.^`|~-]+\s*=)|\s*(?=,|$))|$)/y;

/**
 * Reads the challenges of a `WWW-Authenticate` header: several challenges in one header, parameters
 * as tokens or quoted strings (with commas and `\"` escapes inside), and `token68` credentials.
 *
 * Never throws: a header that does not follow the grammar of RFC 9110 (§11.6.1), including a
 * parameter given twice in one challenge, reads as no challenge at all (`[]`), as does a missing one.
 * Several header fields, as `HttpHeaders.getAll` returns them, are read as one list.
 *
 * @usageNotes
 * ```ts
 * parseWwwAuthenticate('Bearer realm="api", error="insufficient_scope", scope="orders:write"');
 * // [{ scheme: 'Bearer', token68: null,
 * //    params: { realm: 'api', error: 'insufficient_scope', scope: 'orders:write' } }]
 * ```
 *
 * @param header - The header's value (or values), or `null` when the response has none.
 * @returns The challenges in the order the server gave them.
 * @publicApi
 */
export function parseWwwAuthenticate(
  header: string | readonly string[] | null | undefined,
): AuthChallenge[] {
  const text =
    typeof header === 'string'
      ? header
      : Array.isArray(header)
        ? header.join()
        : // Stryker disable next-line StringLiteral: Stryker's text is no challenge either, so also []
          '';
  const challenges: AuthChallenge[] = [];
  /** The params of the last challenge, while it may take more; `null` when it may not. */
  let params: Record<string, string> | null = null;
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < text.length) {
    const element = ELEMENT.exec(text);
    if (element === null) {
      return [];
    }
    // Stryker disable next-line StringLiteral: a parameter has a token or a quoted value, never neither
    const [, name, token, quoted = '', scheme, token68, hasParams] = element as (
      string | undefined
    )[];
    if (scheme !== undefined) {
      // A null prototype, so that a parameter named `__proto__` is a parameter like any other.
      const fresh = Object.create(null) as Record<string, string>;
      challenges.push({ scheme, params: fresh, token68: token68 ?? null });
      params = hasParams === undefined ? null : fresh;
    } else if (name !== undefined) {
      const key = name.toLowerCase();
      if (params === null || key in params) {
        return [];
      }
      params[key] = token ?? quoted.replace(/\\([\s\S])/g, '$1');
    }
  }
  return challenges;
}
