import { Observable, take } from 'rxjs';

/**
 * The first value of `source` if it comes within `ms`, then completes (as it does when `source`
 * completes without a value); otherwise unsubscribes
 * `source` (which cancels the work behind it) and switches to `fallback`. Internal.
 *
 * Used for the refresh timeout (`fallback` fails) and for a tab that waits briefly for another tab's
 * message (`fallback` refreshes here). Plain timers rather than RxJS `timeout`, `race` and `timer`,
 * which would bring the RxJS scheduler machinery into every app's bundle.
 *
 * @param source - What is waited for.
 * @param ms - How long to wait for its first value.
 * @param fallback - What to use instead once `ms` have passed.
 */
export function firstOrAfter<T>(
  source: Observable<T>,
  ms: number,
  fallback: Observable<T>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const timer = setTimeout(() => {
      first.unsubscribe();
      // As RxJS's `defer` does: `subscriber` then holds the fallback, and ending it ends the fallback.
      fallback.subscribe(subscriber);
    }, ms);
    const first = source.pipe(take(1)).subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => subscriber.error(error),
      // After the first value, or without one: nothing more will come, so neither waiting nor the
      // fallback helps.
      complete: () => subscriber.complete(),
    });
    // Also runs when the source ends first (ending `subscriber` runs it), and clears the timer then.
    return () => {
      clearTimeout(timer);
      first.unsubscribe();
    };
  });
}
