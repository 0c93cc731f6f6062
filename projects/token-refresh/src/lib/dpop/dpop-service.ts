import { HttpClient, HttpEvent, HttpRequest } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { Observable } from 'rxjs';

import { IS_REFRESH_REQUEST } from '../context';
import { DpopAuthorizer } from './dpop-authorizer';
import { DpopProofs } from './dpop-proofs';

/**
 * The app's DPoP key, for the calls the library does not make itself: the sign-in. Provided by
 * `withDpop()`.
 *
 * The library proves every request that gets the access token and its own refresh call. The first
 * tokens come from the app's sign-in (the authorization code exchange), which must be proven with the
 * same key, or the server binds the session to no key (or another one): send it with
 * {@link DpopService.sendTokenRequest}. Servers that bind the authorization code to the key want its
 * thumbprint as `dpop_jkt` in the authorization request: {@link DpopService.thumbprint}.
 *
 * @usageNotes
 * ```ts
 * const dpop = inject(DpopService);
 * const body = new HttpParams({ fromObject: { grant_type: 'authorization_code', code, ... } });
 * dpop.sendTokenRequest(new HttpRequest('POST', tokenUrl, body.toString(), { headers }))
 *   .pipe(filter((event) => event.type === HttpEventType.Response))
 *   .subscribe((answer) => store.setTokens(parseTokenResponse(answer.body)));
 * ```
 *
 * @publicApi
 */
@Injectable()
export class DpopService {
  readonly #http = inject(HttpClient);
  readonly #authorizer = inject(DpopAuthorizer);
  readonly #proofs = inject(DpopProofs);

  /**
   * The JWK SHA-256 thumbprint (RFC 7638) of the app's public key: the `dpop_jkt` parameter of an
   * authorization request, and the `cnf.jkt` claim of the tokens a server binds to the key. Makes the
   * key when there is none yet.
   *
   * @returns The base64url thumbprint; rejects with a `dpop-unavailable` `TokenRefreshError` where no
   *   key can be made or loaded.
   */
  thumbprint(): Promise<string> {
    return this.#proofs.thumbprint();
  }

  /**
   * Sends a request to a token endpoint (such as the authorization code exchange) through
   * `HttpClient`, with a DPoP proof and no access token, as the library sends its refresh call: a
   * `use_dpop_nonce` answer is resent once with the server's nonce, and the nonce is remembered.
   *
   * @param request - The token request.
   * @returns The events of the call, as `HttpClient.request` gives them.
   */
  sendTokenRequest(request: HttpRequest<unknown>): Observable<HttpEvent<unknown>> {
    return this.#authorizer.sendRefresh(
      request.clone({ context: request.context.set(IS_REFRESH_REQUEST, true) }),
      (call) => this.#http.request(call),
    );
  }
}
