import { Observable, Subscriber, Unsubscribable } from 'rxjs';

/**
 * Requests waiting for the refresh in flight. Internal.
 *
 * Released all at once, in the order they arrived, in one pass. A waiter that leaves (its request was
 * cancelled) is only marked, so leaving costs O(1). RxJS Subjects remove each leaving observer with
 * `indexOf` and `splice`, which turns the release of N waiters, each leaving as it is served, into
 * O(N²) work: 100 000 waiters would take seconds. Waiting allocates one small entry per waiter and
 * nothing else (the Observable is shared, the entry is its own teardown), so a release of many waiters
 * costs little more than a plain callback queue.
 */
export class WaiterQueue<T> {
  #waiting: Waiter<T>[] = [];
  readonly #wait = new Observable<T>((subscriber) => {
    const waiter = new Waiter(subscriber);
    this.#waiting.push(waiter);
    return waiter;
  });

  /** Waits until the next `release`. */
  wait(): Observable<T> {
    return this.#wait;
  }

  /**
   * Hands every waiter still there to `deliver`, first come first served. Waiters that arrive during
   * the release wait for the next one.
   */
  release(deliver: (subscriber: Subscriber<T>) => void): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) {
      const subscriber = waiter.subscriber;
      if (subscriber !== null) {
        waiter.subscriber = null;
        deliver(subscriber);
      }
    }
  }
}

/** One waiting subscriber; unsubscribing it only marks it as gone. */
class Waiter<T> implements Unsubscribable {
  constructor(public subscriber: Subscriber<T> | null) {}

  unsubscribe(): void {
    this.subscriber = null;
  }
}
