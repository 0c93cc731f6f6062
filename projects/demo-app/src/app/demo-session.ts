import { inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';

/** Why the login page is shown: a first visit, a sign-out, or a session that ended by itself. */
export type SignInReason = 'not-signed-in' | 'signed-out' | 'expired';

/**
 * What the app knows about the user's session beyond the library's state: whether this tab ever had
 * one, so that "your session ended" is said only to someone who was signed in.
 */
@Injectable({ providedIn: 'root' })
export class DemoSession {
  /** Whether this tab has had a session (signed in, or found one stored). */
  readonly hadSession = signal(false);
  private readonly router = inject(Router);

  started(): void {
    this.hadSession.set(true);
  }

  /** The library's `onSessionExpired`: the login page says the session ended, if there was one. */
  expired(): void {
    const hadSession = this.hadSession();
    this.hadSession.set(false);
    void this.router.navigate(['/login'], { queryParams: hadSession ? { expired: 1 } : {} });
  }

  /** After the user signed out. */
  signedOut(): void {
    this.hadSession.set(false);
    void this.router.navigate(['/login'], { queryParams: { signedOut: 1 } });
  }
}
