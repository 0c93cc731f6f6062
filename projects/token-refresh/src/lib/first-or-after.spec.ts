import { defer, EMPTY, NEVER, Observable, of, Subject, throwError } from 'rxjs';

import { firstOrAfter } from './first-or-after';
import { record } from './spec-helpers';

describe('firstOrAfter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gives the first value that comes in time, completes, and never runs the fallback', () => {
    const source = new Subject<string>();
    const fallback = countSubscriptions(of('fallback'));

    const received = record(firstOrAfter(source, 1000, fallback.observable));
    jest.advanceTimersByTime(999);
    source.next('first');
    source.next('second');
    jest.advanceTimersByTime(1000);

    expect([received.values, received.completed]).toEqual([['first'], true]);
    expect(source.observed).toBe(false);
    expect(fallback.subscriptions).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it.each<[string, Observable<string>, { errors: unknown[]; completed: boolean }]>([
    ['fails', throwError(() => new Error('no')), { errors: [new Error('no')], completed: false }],
    ['completes without a value', EMPTY, { errors: [], completed: true }],
  ])('ends as the source does when it %s in time, without the fallback', (_, source, ended) => {
    const fallback = countSubscriptions(of('fallback'));

    const received = record(firstOrAfter(source, 1000, fallback.observable));
    jest.advanceTimersByTime(1000);

    expect(received).toMatchObject({ values: [], ...ended });
    expect(fallback.subscriptions).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('after ms, cancels the source before it switches to the fallback', () => {
    const order: string[] = [];
    const source = new Observable<string>(() => () => order.push('source cancelled'));
    const fallback = defer(() => {
      order.push('fallback subscribed');
      return of('fallback');
    });

    const received = record(firstOrAfter(source, 1000, fallback));
    jest.advanceTimersByTime(999);
    expect(order).toEqual([]);
    jest.advanceTimersByTime(1);

    expect(order).toEqual(['source cancelled', 'fallback subscribed']);
    expect([received.values, received.completed]).toEqual([['fallback'], true]);
  });

  it('once unsubscribed, cancels the source and never runs the fallback', () => {
    const source = new Subject<string>();
    const fallback = countSubscriptions(NEVER);

    record(firstOrAfter(source, 1000, fallback.observable)).subscription.unsubscribe();
    jest.advanceTimersByTime(1000);

    expect(source.observed).toBe(false);
    expect(fallback.subscriptions).toBe(0);
  });

  it('unsubscribing after the switch cancels the fallback', () => {
    const fallback = new Subject<string>();

    const received = record(firstOrAfter(NEVER, 1000, fallback));
    jest.advanceTimersByTime(1000);
    expect(fallback.observed).toBe(true);
    received.subscription.unsubscribe();

    expect(fallback.observed).toBe(false);
  });
});

function countSubscriptions<T>(source: Observable<T>) {
  const counted = {
    subscriptions: 0,
    observable: defer(() => {
      counted.subscriptions++;
      return source;
    }),
  };
  return counted;
}
