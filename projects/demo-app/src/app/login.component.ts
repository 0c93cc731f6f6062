import {
  HttpClient,
  HttpErrorResponse,
  HttpEvent,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { DpopService, TokenSet, TokenStore } from 'ngx-token-refresh';
import { filter, firstValueFrom, map } from 'rxjs';

import { LastBurst } from './burst-outcome';
import { DemoSession, SignInReason } from './demo-session';
import { describeHttpFailure } from './http-failure';

@Component({
  selector: 'app-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main class="narrow">
      <h1>ngx-token-refresh demo</h1>
      <p class="lead">
        Sign in as <strong>demo</strong> / <strong>demo-password</strong> (or
        <strong>alice</strong> / <strong>alice-password</strong>).
      </p>
      @switch (notice()) {
        @case ('expired') {
          <p class="notice" role="status" data-testid="expired-notice">
            Your session ended. Please sign in again.
            @if (lastBurst().failed > 0) {
              ({{ lastBurst().failed }} of {{ lastBurst().total }} calls failed:
              {{ lastBurst().reasons.join(', ') }})
            }
          </p>
        }
        @case ('signed-out') {
          <p class="notice" role="status" data-testid="signed-out-notice">You signed out.</p>
        }
      }
      <section>
        <form (submit)="signIn($event, username.value, password.value)" aria-labelledby="sign-in">
          <h2 id="sign-in">Sign in</h2>
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            [value]="'demo'"
            #username
            required
          />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            #password
            required
          />
          @if (error()) {
            <p class="error" role="alert" data-testid="login-error">{{ error() }}</p>
          }
          <button type="submit" [disabled]="busy()">Sign in</button>
        </form>
      </section>
    </main>
  `,
})
export class LoginComponent {
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  /** Why this page is shown; cleared on the first sign-in attempt, which is about now, not then. */
  protected readonly notice = signal<SignInReason>(reasonOf(inject(ActivatedRoute)));
  protected readonly lastBurst = inject(LastBurst).outcome;
  private readonly http = inject(HttpClient);
  private readonly store = inject(TokenStore);
  private readonly router = inject(Router);
  private readonly session = inject(DemoSession);
  /** There with `DEMO_DPOP=on` (`withDpop()` provides it). */
  private readonly dpop = inject(DpopService, { optional: true });

  protected async signIn(event: Event, username: string, password: string): Promise<void> {
    event.preventDefault();
    this.notice.set('not-signed-in');
    this.error.set('');
    this.busy.set(true);
    try {
      const tokens = await firstValueFrom(this.requestTokens({ username, password }));
      await this.store.setTokens(tokens);
      this.session.started();
      await this.router.navigate(['/dashboard']);
    } catch (error) {
      this.error.set(describeLoginFailure(error));
    } finally {
      this.busy.set(false);
    }
  }

  /**
   * The login call. With DPoP it goes through `DpopService`, which proves it with the app's key (and
   * answers the server's nonce challenge), so that the server binds the new session to that key.
   */
  private requestTokens(credentials: { username: string; password: string }) {
    if (this.dpop === null) {
      return this.http.post<TokenSet>('/api/auth/login', credentials);
    }
    return this.dpop.sendTokenRequest(new HttpRequest('POST', '/api/auth/login', credentials)).pipe(
      filter(isResponse),
      map((answer) => answer.body as TokenSet),
    );
  }
}

/** The library's answers to the sign-in, without the upload and download progress events. */
function isResponse(event: HttpEvent<unknown>): event is HttpResponse<unknown> {
  return event instanceof HttpResponse;
}

function reasonOf(route: ActivatedRoute): SignInReason {
  const query = route.snapshot.queryParamMap;
  return query.has('expired') ? 'expired' : query.has('signedOut') ? 'signed-out' : 'not-signed-in';
}

function describeLoginFailure(error: unknown): string {
  if (error instanceof HttpErrorResponse && error.status === 401) {
    return 'Wrong username or password.';
  }
  if (error instanceof HttpErrorResponse && error.status === 429) {
    const seconds = Number(error.headers.get('Retry-After'));
    return `Too many failed sign-ins; try again in ${seconds > 0 ? `${seconds} s` : 'a moment'}.`;
  }
  return `Signing in failed: ${describeHttpFailure(error)}`;
}
