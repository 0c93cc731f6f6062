import { HttpRequest } from '@angular/common/http';
import { DOCUMENT, inject, Injectable } from '@angular/core';

import { TOKEN_REFRESH_OPTIONS } from './token-refresh-config';

/**
 * Decides, per request, whether the access token may be sent and whether the request takes part in
 * refreshing. Internal; built once per injector from the validated options and the app's origin.
 */
@Injectable()
export class RequestPolicy {
  /** The validated options, for the interceptor. */
  readonly options = inject(TOKEN_REFRESH_OPTIONS);
  readonly #document = inject(DOCUMENT, { optional: true });
  readonly #appOrigin = originOfDocument(this.#document);
  /**
   * The origin relative URLs go to: the document's base URL's, as the browser resolves them (a
   * `<base href>` may point to another origin); the app's origin where there is no base URL.
   */
  readonly #baseOrigin = originOfBase(this.#document) ?? this.#appOrigin;
  readonly #allowedOrigins = new Set(
    // Equivalent without the filter: has() of a string never matches a RegExp entry.
    // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent, see above
    this.options.allowedOrigins.filter((origin) => typeof origin === 'string'),
  );
  readonly #allowedOriginPatterns = this.options.allowedOrigins.filter(
    (origin) => origin instanceof RegExp,
  );
  /** Whether an absolute URL's origin may receive the token, remembered per origin. */
  readonly #allowedOrigin = new OriginDecisions(this.#baseOrigin, (origin) =>
    this.#isAllowedOrigin(origin),
  );
  /** Whether paths (`/api/x`) may receive the token: whether the base URL's origin may. */
  readonly #isPathAllowed =
    this.#baseOrigin === this.#appOrigin || this.#isAllowedOrigin(this.#baseOrigin);
  /** `refreshUrl` and the string entries of `skipUrls`, compiled into one test. */
  readonly #isExcludedUrl = urlPrefixTest(
    [
      this.options.refreshUrl,
      ...this.options.skipUrls.filter((matcher) => typeof matcher === 'string'),
    ],
    this.#appOrigin,
  );
  /** The RegExp and predicate entries of `skipUrls`, in their order. */
  readonly #otherSkipMatchers = this.options.skipUrls.filter(
    (matcher) => typeof matcher !== 'string',
  );

  /**
   * Whether `url` may receive the access token: the app's own origin always may, other origins only
   * when `allowedOrigins` lists them. Relative URLs are judged by the origin the browser sends them
   * to, the document's base URL's. Origins are compared after parsing, so a look-alike host such as
   * `https://api.example.com.evil.io` never matches `https://api.example.com`.
   */
  mayReceiveToken(url: string): boolean {
    return isPathRelative(url) ? this.#isPathAllowed : this.#allowedOrigin.allows(url);
  }

  #isAllowedOrigin(origin: string | null): boolean {
    if (origin === null) {
      return false;
    }
    return (
      origin === (this.#appOrigin ?? RELATIVE_BASE) ||
      this.#allowedOrigins.has(origin) ||
      this.#allowedOriginPatterns.some((pattern) => pattern.test(origin))
    );
  }

  /** Whether the request is the refresh call or matches `skipUrls`: it is then left untouched. */
  isExcluded(request: HttpRequest<unknown>): boolean {
    if (this.#isExcludedUrl(request.url)) {
      return true;
    }
    // A loop rather than some(): this runs on every request, and needs no closure.
    for (const matcher of this.#otherSkipMatchers) {
      if (typeof matcher === 'function' ? matcher(request) : matcher.test(request.url)) {
        return true;
      }
    }
    return false;
  }
}

/**
 * A test for URLs that equal one of `patterns` or continue it after a segment boundary (`/`, `?` or
 * `#`): the pattern `/api/public` matches `/api/public/x` and `/api/public?x=1`, not
 * `/api/publicity` nor `/v2/api/public`. A pattern that is an absolute path also matches the same
 * path on an absolute URL of the app's own origin.
 *
 * The patterns are compiled into one anchored RegExp, so that a request costs one test however many
 * patterns there are: this runs on every request.
 *
 * @param patterns - URLs or URL prefixes: `refreshUrl` and the strings of `skipUrls`.
 * @param appOrigin - The app's origin, or `null` where unknown (server-side rendering).
 */
export function urlPrefixTest(
  patterns: readonly string[],
  appOrigin: string | null,
): (url: string) => boolean {
  const anyPrefix = prefixRegExp(patterns);
  const pathPrefixes = patterns.filter(isPathRelative);
  // Unused where the app's origin is unknown: the test below then answers before reaching it.
  const pathPrefix = pathPrefixes.length > 0 ? prefixRegExp(pathPrefixes) : null;
  // Only a URL on the app's own origin is worth parsing for its path; most absolute URLs go elsewhere.
  const onAppOrigin = new OriginDecisions(appOrigin, (origin) => origin === appOrigin);
  return (url) => {
    if (anyPrefix.test(url)) {
      return true;
    }
    if (appOrigin === null || pathPrefix === null || isPathRelative(url)) {
      return false;
    }
    if (!onAppOrigin.allows(url)) {
      return false;
    }
    // On the app's origin, as onAppOrigin found: only its path, query and fragment are left to test.
    const parsed = parseUrl(url, appOrigin);
    return parsed !== null && pathPrefix.test(parsed.pathname + parsed.search + parsed.hash);
  };
}

/**
 * `^(?:p1|p2|...)`, each pattern taken literally and, unless it ends with `/`, followed by a segment
 * boundary or the end.
 */
function prefixRegExp(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map(
    (pattern) => escapeRegExp(pattern) + (pattern.endsWith('/') ? '' : SEGMENT_END),
  );
  return new RegExp(`^(?:${alternatives.join('|')})`);
}

/** A segment boundary (`/`, `?` or `#`) or the end of the URL. */
const SEGMENT_END = '(?:[/?#]|$)';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A decision over the origin of absolute URLs, remembered per origin: a URL whose plain
 * `scheme://authority` prefix was decided before is answered by one or two RegExp tests, without
 * parsing it or slicing a string out of it. Only prefixes that pass `plainAuthorityOf()` are
 * remembered, so every URL that starts with one goes to the same origin; any other URL is parsed in
 * full, every time. Bounded, so that an app calling many hosts cannot grow it without end.
 */
class OriginDecisions {
  readonly #base: string | null;
  readonly #decide: (origin: string | null) => boolean;
  readonly #yes: string[] = [];
  readonly #no: string[] = [];
  #yesTest: RegExp | null = null;
  #noTest: RegExp | null = null;

  /**
   * @param base - The app's origin, to resolve URLs against; `null` where unknown.
   * @param decide - The decision for an origin (`null` when the URL does not parse).
   */
  constructor(base: string | null, decide: (origin: string | null) => boolean) {
    this.#base = base;
    this.#decide = decide;
  }

  /**
   * The decision for the origin that `url` goes to. Called for every URL that is not a plain path:
   * absolute ones are remembered by their authority; protocol- and document-relative ones
   * (`//host/x`, `api/x`) are parsed every time.
   */
  allows(url: string): boolean {
    if (this.#yesTest?.test(url)) {
      return true;
    }
    if (this.#noTest?.test(url)) {
      return false;
    }
    const authority = plainAuthorityOf(url);
    if (authority === null) {
      return this.#decide(parseOrigin(url, this.#base));
    }
    const decision = this.#decide(parseOrigin(authority, this.#base));
    this.#remember(authority, decision);
    return decision;
  }

  #remember(authority: string, decision: boolean): void {
    if (this.#yes.length + this.#no.length >= MAX_CACHED_AUTHORITIES) {
      this.#yes.length = 0;
      this.#no.length = 0;
      this.#yesTest = null;
      this.#noTest = null;
    }
    if (decision) {
      this.#yes.push(authority);
      this.#yesTest = authorityRegExp(this.#yes);
    } else {
      this.#no.push(authority);
      this.#noTest = authorityRegExp(this.#no);
    }
  }
}

/** Matches URLs that start with one of `authorities` and go on with `/`, `?`, `#` or nothing. */
function authorityRegExp(authorities: readonly string[]): RegExp {
  return new RegExp(`^(?:${authorities.map(escapeRegExp).join('|')})${SEGMENT_END}`);
}

/**
 * Whether `url` is a path on the current origin (`/api/x`), recognised without parsing. Anything
 * else, including `//host`, `/\host` and paths with tabs or newlines that the URL parser would strip,
 * goes through the real parser instead.
 */
function isPathRelative(url: string): boolean {
  if (url.charCodeAt(0) !== SLASH) {
    return false;
  }
  const second = url.charCodeAt(1);
  return (
    second !== SLASH && second !== BACKSLASH && second !== TAB && second !== LF && second !== CR
  );
}

/**
 * The `scheme://authority` prefix of an absolute URL, when it can stand for the whole URL's origin:
 * no userinfo (`@`), backslash, whitespace or control character in it, and it ends the URL or is
 * followed by `/`, `?` or `#`. The URL parser then resolves the URL and its prefix to the same origin,
 * so a decision made once for the prefix holds for every URL that starts with it. Anything else
 * returns `null` and is parsed in full, every time.
 */
function plainAuthorityOf(url: string): string | null {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 1 || !SCHEME.test(url.slice(0, schemeEnd))) {
    return null;
  }
  for (let i = schemeEnd + 3; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === SLASH || code === QUESTION_MARK || code === HASH) {
      return url.slice(0, i);
    }
    if (code === AT || code === BACKSLASH || code <= SPACE || code === DELETE) {
      return null;
    }
  }
  return url;
}

const SCHEME = /^[a-zA-Z][a-zA-Z\d+.-]*$/;
const QUESTION_MARK = 0x3f;
const HASH = 0x23;
const AT = 0x40;
const SPACE = 0x20;
const DELETE = 0x7f;

/** Bounds the authority cache, so that an app calling many hosts cannot grow it without end. */
const MAX_CACHED_AUTHORITIES = 64;

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** Base for resolving relative URLs where the app's origin is unknown (server-side rendering). */
const RELATIVE_BASE = 'https://relative.invalid';

/**
 * The origin a request to `url` goes to, resolved as the browser would resolve it, or `null` when
 * `url` does not parse.
 */
function parseOrigin(url: string, appOrigin: string | null): string | null {
  return parseUrl(url, appOrigin ?? RELATIVE_BASE)?.origin ?? null;
}

function parseUrl(url: string, base: string): URL | null {
  try {
    return new URL(url, base);
  } catch {
    // An unparseable URL cannot be proven to go to an allowed origin, so it gets no token.
    return null;
  }
}

/** The app's origin, or `null` where the document has none (server-side rendering, `file:`). */
function originOfDocument(document: Document | null): string | null {
  // A server-side document may have no location, whatever the DOM types say.
  const location: Location | null | undefined = document?.location;
  const origin = location?.origin;
  return origin && origin !== 'null' ? origin : null;
}

/** The origin of the document's base URL, or `null` where there is none (server-side rendering). */
function originOfBase(document: Document | null): string | null {
  let baseUri: string | null | undefined;
  try {
    // A server-side document may have no base URL, whatever the DOM types say: Angular's server DOM
    // (domino) throws "NotYetImplemented" on reading it.
    baseUri = document?.baseURI;
  } catch {
    // That "NotYetImplemented": baseUri stays undefined, so there is no base URL, as on a server.
  }
  const origin = baseUri ? parseUrl(baseUri, RELATIVE_BASE)?.origin : null;
  return origin && origin !== 'null' ? origin : null;
}

/**
 * Normalizes an `allowedOrigins` entry given as a string to the form `URL.origin` produces (lower-case
 * host, default port dropped), or returns `null` when it is not an origin.
 *
 * @param origin - An entry such as `https://API.example.com:443`.
 */
export function normalizeOrigin(origin: string): string | null {
  // No wildcard: the URL parser would take `*` as part of a host name, which then matches nothing.
  if (!/^[a-z][a-z\d+.-]*:\/\/[^/?#@\\*]+\/?$/i.test(origin)) {
    return null;
  }
  const parsed = parseUrl(origin, RELATIVE_BASE);
  return parsed === null || parsed.origin === 'null' ? null : parsed.origin;
}

/**
 * An `allowedOrigins` RegExp that matches whole origins only: `^(?:pattern)$`, with its flags. Whatever
 * the pattern's shape (a top-level `|`, a missing anchor), it can then never match a part of an
 * origin, such as the `https://api.example.com` of `https://api.example.com.evil.io`. The `g` and `y`
 * flags are dropped, so that every test starts afresh.
 *
 * @param pattern - An `allowedOrigins` entry.
 */
export function wholeOriginPattern(pattern: RegExp): RegExp {
  // Without g and y, which would make test() resume at lastIndex and answer differently each time.
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}
