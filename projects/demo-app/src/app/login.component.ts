import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';
import { TokenSet, TokenStore } from 'ngx-token-refresh';
import { firstValueFrom } from 'rxjs';

import { LastBurst } from './burst-outcome';

@Component({
  selector: 'app-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main class="narrow">
      <h1>ngx-token-refresh demo</h1>
      <p class="lead">Sign in as <strong>demo</strong> / <strong>demo-password</strong>.</p>
      @if (wasExpired) {
        <p class="notice" role="status" data-testid="expired-notice">
          Your session ended. Please sign in again.
          @if (lastBurst().failed > 0) {
            ({{ lastBurst().failed }} of {{ lastBurst().total }} calls failed:
            {{ lastBurst().reasons.join(', ') }})
          }
        </p>
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
            <p class="error" role="alert">{{ error() }}</p>
          }
          <button type="submit">Sign in</button>
        </form>
      </section>
    </main>
  `,
})
export class LoginComponent {
  protected readonly error = signal('');
  protected readonly wasExpired = inject(ActivatedRoute).snapshot.queryParamMap.has('expired');
  protected readonly lastBurst = inject(LastBurst).outcome;
  private readonly http = inject(HttpClient);
  private readonly store = inject(TokenStore);
  private readonly router = inject(Router);

  protected async signIn(event: Event, username: string, password: string): Promise<void> {
    event.preventDefault();
    try {
      const tokens = await firstValueFrom(
        this.http.post<TokenSet>('/api/auth/login', { username, password }),
      );
      await this.store.setTokens(tokens);
      await this.router.navigate(['/dashboard']);
    } catch (error) {
      this.error.set(
        error instanceof HttpErrorResponse && error.status === 401
          ? 'Wrong username or password.'
          : 'Signing in failed; is the demo server running?',
      );
    }
  }
}
