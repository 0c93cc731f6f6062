import { Injectable, signal } from '@angular/core';

/** How the calls of the last burst ended; kept at the root so the login page can tell the user. */
export interface BurstOutcome {
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  /** Why calls failed, e.g. `session-expired` or `401`. */
  readonly reasons: readonly string[];
}

/** The outcome of the dashboard's last burst of calls, shared with the login page. */
@Injectable({ providedIn: 'root' })
export class LastBurst {
  readonly outcome = signal<BurstOutcome>({ total: 0, ok: 0, failed: 0, reasons: [] });

  start(total: number): void {
    this.outcome.set({ total, ok: 0, failed: 0, reasons: [] });
  }

  record(result: 'ok' | 'failed', reason = ''): void {
    this.outcome.update((outcome) =>
      result === 'ok'
        ? { ...outcome, ok: outcome.ok + 1 }
        : {
            ...outcome,
            failed: outcome.failed + 1,
            reasons: outcome.reasons.includes(reason)
              ? outcome.reasons
              : [...outcome.reasons, reason],
          },
    );
  }
}
