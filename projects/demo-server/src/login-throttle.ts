/** How many failed logins are allowed, per user name and per client address, in one window. */
export interface LoginThrottleOptions {
  /** Failed logins allowed for one user name (known or not) per window. */
  maxFailuresPerUser: number;
  /** Failed logins allowed from one client address per window. */
  maxFailuresPerClient: number;
  /** Length of the window; the first failure opens it. */
  windowSeconds: number;
  /** The clock, in epoch milliseconds; tests pass a fake one. */
  now?: () => number;
}

interface Window {
  failures: number;
  endsAt: number;
}

/**
 * Counts failed logins per user name and per client, and says when to refuse further attempts.
 *
 * Only failures count, so a user who signs in correctly is never slowed down by their own logins. A
 * refused attempt is answered before any password hashing, which is what keeps a flood cheap. The
 * per-user limit also counts unknown names, so that the answer never tells which names exist; the
 * price is that an attacker can lock a known name out for one window (see the server README).
 */
export class LoginThrottle {
  readonly #options: Required<LoginThrottleOptions>;
  readonly #windows = new Map<string, Window>();

  constructor(options: LoginThrottleOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** Seconds until `username` from `client` may try again, or 0 when it may try now. */
  retryAfterSeconds(username: string, client: string): number {
    const now = this.#options.now();
    const wait = Math.max(
      this.#wait(`user:${username}`, this.#options.maxFailuresPerUser, now),
      this.#wait(`client:${client}`, this.#options.maxFailuresPerClient, now),
    );
    return Math.ceil(wait / 1000);
  }

  /** Records a failed login. */
  recordFailure(username: string, client: string): void {
    const now = this.#options.now();
    for (const key of [`user:${username}`, `client:${client}`]) {
      const window = this.#live(key, now);
      if (window) {
        window.failures++;
      } else {
        this.#windows.set(key, { failures: 1, endsAt: now + this.#options.windowSeconds * 1000 });
      }
    }
    if (this.#windows.size > 10_000) {
      this.#sweep(now); // keeps memory bounded under a flood of random names
    }
  }

  #wait(key: string, max: number, now: number): number {
    const window = this.#live(key, now);
    return window && window.failures >= max ? window.endsAt - now : 0;
  }

  #live(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window && window.endsAt <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAt <= now) {
        this.#windows.delete(key);
      }
    }
  }
}
