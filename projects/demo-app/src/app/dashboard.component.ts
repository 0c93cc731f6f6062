import { HttpClient, HttpContext } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  OnInit,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  DpopService,
  SKIP_TOKEN_REFRESH,
  TokenRefreshService,
  TokenStore,
} from 'ngx-token-refresh';
import { firstValueFrom } from 'rxjs';

import { LastBurst } from './burst-outcome';
import { DemoSession } from './demo-session';
import { describeChallenge, describeHttpFailure, failureCode } from './http-failure';
import { BURST_ID, WireLog } from './wire-log';

/** The outcome of one call fired from the dashboard. */
interface CallResult {
  readonly id: number;
  readonly status: 'pending' | 'ok' | 'failed';
  readonly detail: string;
}

/** What one burst of calls caused, as this tab saw it. */
interface BurstFigures {
  readonly calls: number;
  /** 401s other than DPoP nonce challenges (an expired token, in the demo). */
  readonly unauthorized: number;
  /** `withDpop()`: answers asking for a new nonce, to the calls and to the refresh. */
  readonly nonceChallenges: number;
  /** Refresh calls, their nonce resends left out. */
  readonly refreshes: number;
  /** Retries after a refresh, nonce resends left out. */
  readonly retries: number;
  readonly milliseconds: number;
}

/** The server's counters, from /api/demo/stats: every tab and every user since the server started. */
interface ServerStats {
  readonly refreshCalls: number;
  readonly unauthorized: number;
  /** `DEMO_DPOP=on`: refresh and login calls answered 400 `use_dpop_nonce`. */
  readonly dpopTokenNonceChallenges?: number;
  /** `DEMO_DPOP=on`: API calls answered 401 `use_dpop_nonce` (within `unauthorized`). */
  readonly dpopResourceNonceChallenges?: number;
}

/** One line of the event log, numbered in the order it happened. */
interface LogEntry {
  readonly seq: number;
  readonly text: string;
}

const MIN_CALLS = 1;
const MAX_CALLS = 200;

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
          @if (dpopThumbprint(); as thumbprint) {
            <p class="hint" data-testid="dpop" [attr.data-thumbprint]="thumbprint">
              Tokens: DPoP-bound (key thumbprint {{ thumbprint.slice(0, 12) }}…)
            </p>
          }
        </div>
        <button type="button" class="secondary" (click)="signOut()" data-testid="sign-out">
          Sign out
        </button>
      </header>

      @if (message(); as message) {
        <p [class]="message.kind" role="status" data-testid="message">{{ message.text }}</p>
      }

      <section aria-labelledby="controls">
        <h2 id="controls">Try it</h2>
        <form class="actions" (submit)="submitCalls($event)">
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
              [min]="minCalls"
              [max]="maxCalls"
              [value]="callCount()"
              (input)="readCallCount($event)"
              (change)="settleCallCount($event)"
              aria-describedby="count-hint"
              data-testid="count"
            />
          </label>
          <button type="submit" data-testid="fire">
            Fire {{ callCount() }} {{ callCount() === 1 ? 'call' : 'calls' }}
          </button>
          <span id="count-hint" class="hint" data-testid="count-hint">{{ countHint() }}</span>
        </form>
      </section>

      <section aria-labelledby="challenges">
        <h2 id="challenges">Refusals no refresh can fix</h2>
        <p class="hint">
          These calls carry a valid access token, yet the server refuses them and says why in its
          <code>WWW-Authenticate</code> challenge. The library reads it and does not refresh: the
          error reaches the app at once.
        </p>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            (click)="openAdminReport()"
            data-testid="call-scope"
          >
            Open the admin report (needs a scope)
          </button>
          <button
            type="button"
            class="secondary"
            (click)="openSecuritySettings()"
            data-testid="call-step-up"
          >
            Open security settings (needs MFA)
          </button>
        </div>
        @if (challengeResult(); as result) {
          <p role="status" data-testid="challenge-result">{{ result }}</p>
        }
      </section>

      <section aria-labelledby="numbers">
        <h2 id="numbers">What happened</h2>
        <dl class="stats">
          <div>
            <dt>Refresh state (signal)</dt>
            <dd [class]="'state-' + session.state()" data-testid="state">{{ session.state() }}</dd>
          </div>
          <div>
            <dt>Calls ok / failed (this burst)</dt>
            <dd>
              <span data-testid="ok">{{ okCount() }}</span> /
              <span data-testid="failed">{{ failedCount() }}</span>
            </dd>
          </div>
        </dl>
        <h3>This burst, in this tab</h3>
        @if (burstFigures(); as figures) {
          <dl class="stats" data-testid="burst">
            <div>
              <dt>401s received</dt>
              <dd data-testid="burst-unauthorized">{{ figures.unauthorized }}</dd>
            </div>
            @if (isDpop) {
              <div>
                <dt>DPoP nonce challenges (each resent once with the new nonce)</dt>
                <dd data-testid="burst-nonce-challenges">{{ figures.nonceChallenges }}</dd>
              </div>
            }
            <div>
              <dt>Refresh calls sent</dt>
              <dd data-testid="burst-refreshes">{{ figures.refreshes }}</dd>
            </div>
            <div>
              <dt>Retries</dt>
              <dd data-testid="burst-retries">{{ figures.retries }}</dd>
            </div>
            <div>
              <dt>Time</dt>
              <dd data-testid="burst-time">{{ figures.milliseconds }} ms</dd>
            </div>
          </dl>
        } @else {
          <p class="hint">Fire a burst to see its own figures here.</p>
        }
        <h3>Server totals since it started (every tab, every user)</h3>
        <dl class="stats">
          <div>
            <dt>Refresh calls</dt>
            <dd data-testid="refresh-calls">{{ stats().refreshCalls }}</dd>
          </div>
          <div>
            <dt>401s sent</dt>
            <dd data-testid="unauthorized">{{ stats().unauthorized }}</dd>
          </div>
          @if (isDpop) {
            <div>
              <dt>DPoP nonce challenges (401s above, and 400s)</dt>
              <dd data-testid="nonce-challenges">{{ serverNonceChallenges() }}</dd>
            </div>
          }
        </dl>
      </section>

      <section aria-labelledby="calls">
        <h2 id="calls">Calls</h2>
        <ol class="calls" aria-live="polite" [attr.data-burst]="burst()">
          @for (call of calls(); track call.id) {
            <li [class]="call.status">#{{ call.id }} {{ call.status }} {{ call.detail }}</li>
          }
        </ol>
        @if (calls().length === 0) {
          <p class="hint">No calls yet.</p>
        }
      </section>

      <section aria-labelledby="events">
        <h2 id="events">Library events, newest first</h2>
        @if (log().length > 0) {
          <ol class="log" reversed data-testid="events">
            @for (entry of log(); track entry.seq) {
              <li [attr.value]="entry.seq">{{ entry.text }}</li>
            }
          </ol>
        } @else {
          <p class="hint" data-testid="events-empty">No events yet.</p>
        }
      </section>
    </main>
  `,
})
export class DashboardComponent implements OnInit {
  protected readonly session = inject(TokenRefreshService);
  protected readonly minCalls = MIN_CALLS;
  protected readonly maxCalls = MAX_CALLS;
  protected readonly username = signal('…');
  protected readonly callCount = signal(20);
  protected readonly countHint = signal('');
  protected readonly calls = signal<CallResult[]>([]);
  /** Counts the bursts fired, so that a test can tell this burst's results from the last one's. */
  protected readonly burst = signal(0);
  protected readonly burstFigures = signal<BurstFigures | null>(null);
  protected readonly log = signal<LogEntry[]>([]);
  protected readonly okCount = signal(0);
  protected readonly failedCount = signal(0);
  protected readonly stats = signal<ServerStats>({ refreshCalls: 0, unauthorized: 0 });
  /** How the last call of the "refusals" section ended, as the server's challenge put it. */
  protected readonly challengeResult = signal('');
  /** The last thing the page has to tell: what an action did, or why it failed. */
  protected readonly message = signal<{ kind: 'info' | 'error'; text: string } | null>(null);
  /** With `DEMO_DPOP=on`: the thumbprint of the key the tokens are bound to (`cnf.jkt`). */
  protected readonly dpopThumbprint = signal('');
  private readonly dpop = inject(DpopService, { optional: true });
  /** Whether the app proves its calls (`withDpop()`), so that nonce challenges can happen. */
  protected readonly isDpop = this.dpop !== null;
  protected readonly serverNonceChallenges = computed(
    () =>
      (this.stats().dpopTokenNonceChallenges ?? 0) +
      (this.stats().dpopResourceNonceChallenges ?? 0),
  );
  private readonly http = inject(HttpClient);
  private readonly store = inject(TokenStore);
  private readonly demoSession = inject(DemoSession);
  private readonly lastBurst = inject(LastBurst);
  private readonly wire = inject(WireLog);
  private logSeq = 0;

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
      error: (error: unknown) => {
        this.username.set('(no session)');
        this.tell('error', `Loading your profile failed: ${describeHttpFailure(error)}`);
      },
    });
    void this.refreshStats();
    void this.dpop?.thumbprint().then(
      (thumbprint) => this.dpopThumbprint.set(thumbprint),
      (error: unknown) => this.tell('error', `No DPoP key: ${describeHttpFailure(error)}`),
    );
  }

  /** Keeps the button's count in step with what is typed, clamped to what the demo allows. */
  protected readCallCount(event: Event): void {
    const typed = (event.target as HTMLInputElement).valueAsNumber;
    if (Number.isNaN(typed)) {
      this.countHint.set(`Enter a number from ${MIN_CALLS} to ${MAX_CALLS}.`);
      return;
    }
    const count = Math.min(MAX_CALLS, Math.max(MIN_CALLS, Math.trunc(typed)));
    this.callCount.set(count);
    this.countHint.set(
      count === typed
        ? ''
        : `${MIN_CALLS} to ${MAX_CALLS} calls at a time: ${count} will be fired.`,
    );
  }

  /** When the field is left (or Enter pressed), it shows the count the button will fire. */
  protected settleCallCount(event: Event): void {
    this.readCallCount(event);
    (event.target as HTMLInputElement).value = String(this.callCount());
  }

  protected submitCalls(event: Event): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).querySelector('input');
    if (input) {
      this.settleCallCount({ target: input } as unknown as Event);
    }
    this.fireCalls();
  }

  protected fireCalls(): void {
    const count = this.callCount();
    const burst = this.burst() + 1;
    const startedAt = performance.now();
    let pending = count;
    let failures = 0;
    this.okCount.set(0);
    this.failedCount.set(0);
    this.burstFigures.set(null);
    this.calls.set(
      Array.from({ length: count }, (_, id) => ({ id, status: 'pending', detail: '' })),
    );
    this.lastBurst.start(count);
    this.burst.set(burst);
    const done = (id: number, status: 'ok' | 'failed', detail: string) => {
      this.lastBurst.record(status, detail);
      (status === 'ok' ? this.okCount : this.failedCount).update((n) => n + 1);
      this.calls.update((calls) =>
        calls.map((call) => (call.id === id ? { id, status, detail } : call)),
      );
      if (--pending === 0) {
        this.finishBurst(burst, count, startedAt, failures);
      }
    };
    for (let id = 0; id < count; id++) {
      // A context per call: the wire log tells a call's nonce resend by it.
      const context = new HttpContext().set(BURST_ID, burst);
      this.http.get(`/api/data/${id}`, { context }).subscribe({
        next: () => done(id, 'ok', ''),
        error: (error: unknown) => {
          failures++;
          if (failures === 1) {
            this.tell('error', `Calls are failing: ${describeHttpFailure(error)}`);
          }
          done(id, 'failed', failureCode(error));
        },
      });
    }
  }

  protected async expireAccessToken(): Promise<void> {
    try {
      await this.demoAction('/api/demo/expire-access-tokens');
      this.tell(
        'info',
        'The server expired the access tokens of this session. The next calls get a 401 and ' +
          'the library refreshes once for all of them.',
      );
      this.addLog('server: this session’s access tokens expired');
    } catch (error) {
      this.tell('error', `Expiring the access token failed: ${describeDemoFailure(error)}`);
    }
  }

  protected async revokeSession(): Promise<void> {
    try {
      await this.demoAction('/api/demo/revoke-session');
      this.tell(
        'info',
        'The server revoked this session: its access and refresh tokens no longer work. The next ' +
          'call gets a 401, the refresh is rejected, and you are signed out.',
      );
      this.addLog('server: this session revoked');
    } catch (error) {
      this.tell('error', `Revoking the session failed: ${describeDemoFailure(error)}`);
    }
  }

  /** A route that needs the `admin` scope, which demo tokens lack: 403 `insufficient_scope`. */
  protected openAdminReport(): void {
    this.callRefusedRoute('/api/admin/report', 'Admin report');
  }

  /** A route that needs a multi-factor sign-in (RFC 9470): 401 `insufficient_user_authentication`. */
  protected openSecuritySettings(): void {
    this.callRefusedRoute('/api/account/security', 'Security settings');
  }

  protected async signOut(): Promise<void> {
    const refreshToken = await this.store.getRefreshToken();
    const context = new HttpContext().set(SKIP_TOKEN_REFRESH, true);
    try {
      await firstValueFrom(this.http.post('/api/auth/logout', { refreshToken }, { context }));
    } catch {
      // The server may be down: the session still ends here; it expires there on its own.
    }
    await this.session.clearSession();
    this.demoSession.signedOut();
  }

  /**
   * Calls a demo endpoint with this session's access token, but without refreshing: the button acts
   * on the session as it is. A 401 here means the access token has already expired.
   */
  private demoAction(url: string): Promise<unknown> {
    const context = new HttpContext().set(SKIP_TOKEN_REFRESH, true);
    return firstValueFrom(this.http.post(url, null, { context }));
  }

  /** Calls a route through the library as any call goes, and shows the server's challenge. */
  private callRefusedRoute(url: string, name: string): void {
    this.challengeResult.set(`${name}: waiting for the server…`);
    this.http.get(url).subscribe({
      next: () => this.challengeResult.set(`${name}: allowed`),
      error: (error: unknown) => {
        this.challengeResult.set(`${name}: ${describeChallenge(error)}`);
        void this.refreshStats();
      },
    });
  }

  private finishBurst(burst: number, count: number, startedAt: number, failures: number): void {
    const wire = this.wire.burst(burst);
    this.burstFigures.set({
      calls: count,
      unauthorized: wire.unauthorized,
      nonceChallenges: wire.nonceChallenges + this.wire.refreshNonceChallengesSince(startedAt),
      refreshes: this.wire.refreshesSince(startedAt),
      retries: Math.max(0, wire.sent - count - wire.nonceResends),
      milliseconds: Math.round(performance.now() - startedAt),
    });
    this.wire.forget(burst);
    if (failures === 0 && this.message()?.kind === 'error') {
      this.message.set(null);
    }
    void this.refreshStats();
  }

  private async refreshStats(): Promise<void> {
    try {
      this.stats.set(await firstValueFrom(this.http.get<ServerStats>('/api/demo/stats')));
    } catch (error) {
      this.tell('error', `Reading the server’s counters failed: ${describeHttpFailure(error)}`);
    }
  }

  private tell(kind: 'info' | 'error', text: string): void {
    this.message.set({ kind, text });
  }

  private addLog(text: string): void {
    const time = new Date().toLocaleTimeString();
    const entry = { seq: ++this.logSeq, text: `${time} ${text}` };
    this.log.update((entries) => [entry, ...entries].slice(0, 100));
  }
}

function describeDemoFailure(error: unknown): string {
  const status = (error as { status?: number }).status;
  return status === 401
    ? 'this session’s access token has already expired or was revoked. Fire a call to refresh it.'
    : describeHttpFailure(error);
}
