import { Observable, Subscriber } from 'rxjs';

/**
 * Requests waiting for the refresh in flight. Internal.
 *
 * Released all at once, in the order they arrived, in one pass. A waiter that leaves (its request was
 * cancelled) is only marked, so leaving costs O(1). RxJS Subjects remove each leaving observer with
 * `indexOf` and `splice`, which turns the release of N waiters, each leaving as it is served, into
 * O(N²) work: 100 000 waiters would take seconds.
 */
export class WaiterQueue<T> {
  #waiting: { subscriber: Subscriber<T> | null }[] = [];

  /** Waits until the next `release`. */
  wait(): Observable<T> {
    return new Observable<T>((subscriber) => {
      const entry: { subscriber: Subscriber<T> | null } = { subscriber };
      this.#waiting.push(entry);
      return () => {
        entry.subscriber = null;
      };
    });
  }

  /**
   * Hands every waiter still there to `deliver`, first come first served. Waiters that arrive during
   * the release wait for the next one.
   */
  release(deliver: (subscriber: Subscriber<T>) => void): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const entry of waiting) {
      const subscriber = entry.subscriber;
      if (subscriber !== null) {
        entry.subscriber = null;
        deliver(subscriber);
      }
    }
  }
}
