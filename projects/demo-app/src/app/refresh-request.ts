import { HttpRequest } from '@angular/common/http';
import { RefreshRequestBuilder } from 'ngx-token-refresh';

/**
 * Cookie-style refresh with an empty JSON body: the demo server accepts login, refresh and logout
 * only as JSON from its own origin (its CSRF defence), and the library's `cookieRefresh()` sends no
 * body, hence no `Content-Type`.
 */
export function cookieRefreshWithJsonBody(): RefreshRequestBuilder {
  return (_refreshToken, refreshUrl) =>
    new HttpRequest('POST', refreshUrl, {}, { withCredentials: true });
}
