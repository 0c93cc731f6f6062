import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { TokenRefreshError, TokenRefreshService, TokenStore } from 'ngx-token-refresh';
import { firstValueFrom } from 'rxjs';

import { FakeAuthServer } from './fake-auth-backend';

/** The outcome of one call fired from the dashboard. */
interface CallResult {
  readonly id: number;
  readonly status: 'pending' | 'ok' | 'failed';
  readonly detail: string;
}

@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <h1>ngx-token-refresh demo</h1>
      <p class="lead">
        Expire the access token, then fire parallel calls: they all fail with 401 at once, yet the
        library refreshes exactly once and retries each call with the new token.
      </p>

      <section aria-labelledby="controls">
        <h2 id="controls">Session</h2>
        <div class="actions">
          <button type="button" (click)="signIn()">Sign in</button>
          <button type="button" class="secondary" (click)="server.expireAccessToken()">
            Expire access token
          </button>
          <button type="button" class="secondary" (click)="server.revokeSession()">Revoke session</button>
          <label>
            Parallel calls
            <input type="number" min="1" max="200" [value]="callCount()" (change)="setCallCount($event)" />
          </label>
          <button type="button" (click)="fireCalls()">Fire {{ callCount() }} calls</button>
        </div>
      </section>

      <section aria-labelledby="numbers">
        <h2 id="numbers">What happened</h2>
        <dl class="stats">
          <div>
            <dt>Refresh state</dt>
            <dd [class]="'state-' + session.state()" data-testid="state">{{ session.state() }}</dd>
          </div>
          <div>
            <dt>Refresh calls (server)</dt>
            <dd data-testid="refresh-calls">{{ server.refreshCalls() }}</dd>
          </div>
          <div>
            <dt>401s served</dt>
            <dd>{{ server.unauthorizedAnswers() }}</dd>
          </div>
          <div>
            <dt>Calls ok / failed</dt>
            <dd>{{ okCount() }} / {{ failedCount() }}</dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="calls">
        <h2 id="calls">Calls</h2>
        <ol class="calls" aria-live="polite">
          @for (call of calls(); track call.id) {
            <li [class]="call.status">#{{ call.id }} {{ call.status }} {{ call.detail }}</li>
          } @empty {
            <li>No calls yet.</li>
          }
        </ol>
      </section>

      <section aria-labelledby="events">
        <h2 id="events">Library events</h2>
        <ol class="log">
          @for (line of log(); track $index) {
            <li>{{ line }}</li>
          } @empty {
            <li>No events yet.</li>
          }
        </ol>
      </section>
    </main>
  `,
})
export class AppComponent {
  protected readonly session = inject(TokenRefreshService);
  protected readonly server = inject(FakeAuthServer);
  protected readonly callCount = signal(10);
  protected readonly calls = signal<CallResult[]>([]);
  protected readonly log = signal<string[]>([]);
  protected readonly okCount = signal(0);
  protected readonly failedCount = signal(0);
  private readonly http = inject(HttpClient);
  private readonly store = inject(TokenStore);

  constructor() {
    this.session.events.pipe(takeUntilDestroyed(inject(DestroyRef))).subscribe((event) => {
      const detail =
        event.type === 'refresh-started' ? ` (${event.trigger})` : event.type === 'refresh-failed' ? `: ${event.error.code}` : '';
      this.addLog(`${event.type}${detail}`);
    });
  }

  protected async signIn(): Promise<void> {
    const tokens = await firstValueFrom(
      this.http.post<{ accessToken: string; refreshToken: string }>('/api/auth/login', {}),
    );
    await this.store.setTokens(tokens);
    this.addLog('signed in');
  }

  protected setCallCount(event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    this.callCount.set(Math.min(200, Math.max(1, Math.trunc(value) || 1)));
  }

  protected fireCalls(): void {
    const count = this.callCount();
    this.okCount.set(0);
    this.failedCount.set(0);
    this.calls.set(Array.from({ length: count }, (_, id) => ({ id, status: 'pending', detail: '' })));
    for (let id = 0; id < count; id++) {
      this.http.get(`/api/data/${id}`).subscribe({
        next: () => this.finish(id, 'ok', ''),
        error: (error: unknown) => this.finish(id, 'failed', describeError(error)),
      });
    }
  }

  private finish(id: number, status: 'ok' | 'failed', detail: string): void {
    (status === 'ok' ? this.okCount : this.failedCount).update((count) => count + 1);
    this.calls.update((calls) => calls.map((call) => (call.id === id ? { id, status, detail } : call)));
  }

  private addLog(line: string): void {
    const time = new Date().toLocaleTimeString();
    this.log.update((lines) => [`${time} ${line}`, ...lines].slice(0, 100));
  }
}

function describeError(error: unknown): string {
  if (error instanceof TokenRefreshError) {
    return error.code;
  }
  return (error as { status?: number }).status?.toString() ?? 'error';
}
