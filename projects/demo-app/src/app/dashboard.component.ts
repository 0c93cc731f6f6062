import { HttpClient, HttpContext } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  OnInit,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Router } from '@angular/router';
import {
  SKIP_TOKEN_REFRESH,
  TokenRefreshError,
  TokenRefreshService,
  TokenStore,
} from 'ngx-token-refresh';
import { firstValueFrom } from 'rxjs';

import { LastBurst } from './burst-outcome';

/** The outcome of one call fired from the dashboard. */
interface CallResult {
  readonly id: number;
  readonly status: 'pending' | 'ok' | 'failed';
  readonly detail: string;
}

/** The server's counters, from /api/demo/stats. */
interface ServerStats {
  readonly refreshCalls: number;
  readonly unauthorized: number;
}

@Component({
  selector: 'app-dashboard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <main>
      <header class="top">
        <div>
          <h1>ngx-token-refresh demo</h1>
          <p class="lead">
            Signed in as <strong data-testid="username">{{ username() }}</strong>. Expire the access
            token, then fire parallel calls: they all fail with 401 at once, yet the library
            refreshes exactly once and retries each call with the new token.
          </p>
        </div>
        <button type="button" class="secondary" (click)="signOut()">Sign out</button>
      </header>

      <section aria-labelledby="controls">
        <h2 id="controls">Try it</h2>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            (click)="expireAccessToken()"
            data-testid="expire"
          >
            Expire access token
          </button>
          <button type="button" class="secondary" (click)="revokeSession()" data-testid="revoke">
            Revoke session
          </button>
          <label>
            Parallel calls
            <input
              type="number"
              min="1"
              max="200"
              [value]="callCount()"
              (change)="setCallCount($event)"
              data-testid="count"
            />
          </label>
          <button type="button" (click)="fireCalls()" data-testid="fire">
            Fire {{ callCount() }} calls
          </button>
        </div>
      </section>

      <section aria-labelledby="numbers">
        <h2 id="numbers">What happened</h2>
        <dl class="stats">
          <div>
            <dt>Refresh state (signal)</dt>
            <dd [class]="'state-' + session.state()" data-testid="state">{{ session.state() }}</dd>
          </div>
          <div>
            <dt>Refresh calls on the server</dt>
            <dd data-testid="refresh-calls">{{ stats().refreshCalls }}</dd>
          </div>
          <div>
            <dt>401s the server sent</dt>
            <dd data-testid="unauthorized">{{ stats().unauthorized }}</dd>
          </div>
          <div>
            <dt>Calls ok / failed</dt>
            <dd>
              <span data-testid="ok">{{ okCount() }}</span> /
              <span data-testid="failed">{{ failedCount() }}</span>
            </dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="calls">
        <h2 id="calls">Calls</h2>
        <ol class="calls" aria-live="polite" [attr.data-burst]="burst()">
          @for (call of calls(); track call.id) {
            <li [class]="call.status">#{{ call.id }} {{ call.status }} {{ call.detail }}</li>
          } @empty {
            <li>No calls yet.</li>
          }
        </ol>
      </section>

      <section aria-labelledby="events">
        <h2 id="events">Library events</h2>
        <ol class="log" data-testid="events">
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
export class DashboardComponent implements OnInit {
  protected readonly session = inject(TokenRefreshService);
  protected readonly username = signal('…');
  protected readonly callCount = signal(20);
  protected readonly calls = signal<CallResult[]>([]);
  /** Counts the bursts fired, so that a test can tell this burst's results from the last one's. */
  protected readonly burst = signal(0);
  protected readonly log = signal<string[]>([]);
  protected readonly okCount = signal(0);
  protected readonly failedCount = signal(0);
  protected readonly stats = signal<ServerStats>({ refreshCalls: 0, unauthorized: 0 });
  private readonly http = inject(HttpClient);
  private readonly store = inject(TokenStore);
  private readonly router = inject(Router);
  private readonly lastBurst = inject(LastBurst);

  constructor() {
    this.session.events.pipe(takeUntilDestroyed(inject(DestroyRef))).subscribe((event) => {
      const detail =
        event.type === 'refresh-started'
          ? ` (${event.trigger})`
          : event.type === 'refresh-failed'
            ? `: ${event.error.code}`
            : '';
      this.addLog(`${event.type}${detail}`);
    });
  }

  ngOnInit(): void {
    this.http.get<{ username: string }>('/api/profile').subscribe({
      next: ({ username }) => this.username.set(username),
      error: () => this.username.set('(no session)'),
    });
    void this.refreshStats();
  }

  protected setCallCount(event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    this.callCount.set(Math.min(200, Math.max(1, Math.trunc(value) || 1)));
  }

  protected fireCalls(): void {
    const count = this.callCount();
    let pending = count;
    this.okCount.set(0);
    this.failedCount.set(0);
    this.calls.set(
      Array.from({ length: count }, (_, id) => ({ id, status: 'pending', detail: '' })),
    );
    this.lastBurst.start(count);
    this.burst.update((burst) => burst + 1);
    const done = (id: number, status: 'ok' | 'failed', detail: string) => {
      this.lastBurst.record(status, detail);
      (status === 'ok' ? this.okCount : this.failedCount).update((n) => n + 1);
      this.calls.update((calls) =>
        calls.map((call) => (call.id === id ? { id, status, detail } : call)),
      );
      if (--pending === 0) {
        void this.refreshStats();
      }
    };
    for (let id = 0; id < count; id++) {
      this.http.get(`/api/data/${id}`).subscribe({
        next: () => done(id, 'ok', ''),
        error: (error: unknown) => done(id, 'failed', describeError(error)),
      });
    }
  }

  protected async expireAccessToken(): Promise<void> {
    await firstValueFrom(this.http.post('/api/demo/expire-access-tokens', null));
    this.addLog('server: every access token expired');
  }

  protected async revokeSession(): Promise<void> {
    await firstValueFrom(this.http.post('/api/demo/revoke-session', null));
    this.addLog('server: session revoked');
  }

  protected async signOut(): Promise<void> {
    const refreshToken = await this.store.getRefreshToken();
    const context = new HttpContext().set(SKIP_TOKEN_REFRESH, true);
    await firstValueFrom(this.http.post('/api/auth/logout', { refreshToken }, { context })).catch(
      () => undefined,
    );
    await this.session.clearSession();
    await this.router.navigate(['/login']);
  }

  private async refreshStats(): Promise<void> {
    this.stats.set(await firstValueFrom(this.http.get<ServerStats>('/api/demo/stats')));
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
