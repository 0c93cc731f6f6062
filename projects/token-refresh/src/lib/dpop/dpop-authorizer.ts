import {
  HttpErrorResponse,
  HttpEvent,
  HttpEventType,
  HttpHeaders,
  HttpRequest,
} from '@angular/common/http';
import { DOCUMENT, inject, Injectable } from '@angular/core';
import { catchError, defer, Observable, switchMap, tap } from 'rxjs';

import { TokenRefreshError } from '../errors';
import { REFRESH_COORDINATOR } from '../refresh-coordinator';
import { RequestAuthorizer, RequestSender } from '../request-authorizer';
import { TOKEN_REFRESH_OPTIONS } from '../token-refresh-config';
import { parseWwwAuthenticate } from '../www-authenticate';
import { DpopProofs } from './dpop-proofs';

/**
 * Sends requests with DPoP proofs (RFC 9449): the core's `RequestAuthorizer` when `withDpop()` is on,
 * in a browser. Internal.
 *
 * Every attempt gets a fresh proof: the first send, each retry after a refresh, each nonce resend,
 * and the refresh call. The `DPoP-Nonce` header of every answer is remembered per origin and goes
 * into the next proof for that origin. An answer asking for a nonce (`use_dpop_nonce`: a 400 from a
 * token endpoint, or a 401 with a `DPoP` challenge from a resource server) is resent once with the
 * nonce it brought; that resend is not a retry after a refresh and never starts one. A second such
 * answer in a row fails with `dpop-nonce-rejected`.
 */
@Injectable()
export class DpopAuthorizer implements RequestAuthorizer {
  readonly #proofs = inject(DpopProofs);
  readonly #headerName = inject(TOKEN_REFRESH_OPTIONS).headerName;
  readonly #document = inject(DOCUMENT);
  /** The latest nonce of each origin, by origin. */
  readonly #nonces = new Map<string, string>();

  constructor() {
    // Another tab cleared the session, and with it maybe the key (withCrossTab): read it afresh.
    inject(REFRESH_COORDINATOR, { optional: true })?.changes.subscribe((change) => {
      if (change.type === 'ended') {
        void this.#proofs.forget(false);
      }
    });
  }

  send(
    request: HttpRequest<unknown>,
    token: string,
    next: RequestSender,
  ): Observable<HttpEvent<unknown>> {
    return this.#sendProven(request, token, next, false);
  }

  sendRefresh(request: HttpRequest<unknown>, send: RequestSender): Observable<HttpEvent<unknown>> {
    return this.#sendProven(request, null, send, false).pipe(
      tap((event) => {
        if (event.type === HttpEventType.Response) {
          checkTokenType(event.body);
        }
      }),
    );
  }

  sessionCleared(): Observable<void> {
    return defer(() => this.#proofs.forget(true));
  }

  /**
   * Sends `request` with a new proof (and `token`, when it is a resource request), and resends it
   * once when the answer asks for a nonce.
   */
  #sendProven(
    request: HttpRequest<unknown>,
    token: string | null,
    send: RequestSender,
    isNonceResend: boolean,
  ): Observable<HttpEvent<unknown>> {
    const target = new URL(request.url, this.#document.baseURI);
    const { origin } = target;
    return defer(() =>
      this.#proofs.create({
        htm: request.method,
        htu: origin + target.pathname,
        accessToken: token ?? undefined,
        nonce: this.#nonces.get(origin),
      }),
    ).pipe(
      switchMap((proof) =>
        send(
          request.clone({
            setHeaders:
              token === null
                ? { DPoP: proof }
                : { DPoP: proof, [this.#headerName]: `DPoP ${token}` },
          }),
        ),
      ),
      tap((event) => {
        if (event.type === HttpEventType.Response) {
          this.#remember(origin, event.headers);
        }
      }),
      catchError((error: unknown) => {
        if (!(error instanceof HttpErrorResponse) || !isNonceChallenge(error)) {
          if (error instanceof HttpErrorResponse) {
            this.#remember(origin, error.headers);
          }
          throw error;
        }
        const isNew = this.#remember(origin, error.headers);
        if (isNonceResend || !isNew) {
          throw nonceRejected(error, isNew);
        }
        return this.#sendProven(request, token, send, true);
      }),
    );
  }

  /** Remembers the nonce `headers` bring for `origin`; whether they brought one. */
  #remember(origin: string, headers: HttpHeaders): boolean {
    const nonce = headers.get('DPoP-Nonce');
    if (nonce === null) {
      return false;
    }
    this.#nonces.set(origin, nonce);
    return true;
  }
}

/**
 * Fails a token answer whose `token_type` (or `tokenType`) is not `DPoP`, in any case: the server did
 * not bind the token, and sending it would downgrade it to a bearer token. An answer without one (a
 * custom endpoint that speaks only DPoP, or one that wraps its answer) is accepted: the app opted in.
 */
function checkTokenType(body: unknown): void {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const tokenType = fields['token_type'] ?? fields['tokenType'];
  if (tokenType !== undefined && !(typeof tokenType === 'string' && /^dpop$/i.test(tokenType))) {
    throw new TokenRefreshError(
      'invalid-refresh-response',
      ngDevMode
        ? `withDpop(): the token endpoint answered token_type ${JSON.stringify(tokenType)} instead of "DPoP": it did not bind the token to the key. Turn DPoP on for this client at the server.`
        : 'token_type',
    );
  }
}

/**
 * Whether the server asks for a (new) nonce: `error: "use_dpop_nonce"` in a token endpoint's 400, or
 * a `DPoP` challenge with `error="use_dpop_nonce"` in `WWW-Authenticate` (RFC 9449, sections 8 and 9).
 */
function isNonceChallenge(error: HttpErrorResponse): boolean {
  if (error.status === 400) {
    const body: unknown = error.error;
    const code =
      typeof body === 'string' ? parseError(body) : (body as { error?: unknown } | null)?.error;
    return code === 'use_dpop_nonce';
  }
  return (
    error.status === 401 &&
    parseWwwAuthenticate(error.headers.getAll('WWW-Authenticate')).some(
      (challenge) =>
        challenge.scheme.toLowerCase() === 'dpop' && challenge.params['error'] === 'use_dpop_nonce',
    )
  );
}

function parseError(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: unknown } | null)?.error;
  } catch {
    // Not JSON: not an OAuth error answer.
    return undefined;
  }
}

function nonceRejected(error: HttpErrorResponse, hadNonce: boolean): TokenRefreshError {
  return new TokenRefreshError(
    'dpop-nonce-rejected',
    ngDevMode
      ? hadNonce
        ? `${error.url ?? 'The server'} asked for a new DPoP nonce again right after the request was resent with its nonce.`
        : `${error.url ?? 'The server'} asked for a DPoP nonce without a DPoP-Nonce header the app can read (on another origin, the server must list it in Access-Control-Expose-Headers).`
      : '',
    // The answer's body and headers are left out, as in every error of the library.
    { cause: new HttpErrorResponse({ status: error.status, url: error.url ?? undefined }) },
  );
}
