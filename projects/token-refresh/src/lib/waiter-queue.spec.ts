import { record } from './spec-helpers';
import { WaiterQueue } from './waiter-queue';

describe('WaiterQueue', () => {
  it('releases every waiter once, in the order they arrived', () => {
    const queue = new WaiterQueue<string>();
    const order: number[] = [];
    const waiters = [0, 1, 2].map((i) => {
      const received = record(queue.wait());
      received.subscription.add(() => order.push(i));
      return received;
    });

    queue.release((waiter) => {
      waiter.next('token');
      waiter.complete();
    });

    expect(waiters.map((waiter) => [waiter.values, waiter.completed])).toEqual([
      [['token'], true],
      [['token'], true],
      [['token'], true],
    ]);
    expect(order).toEqual([0, 1, 2]);
  });

  it('skips a waiter that left, and keeps one that arrives during a release for the next', () => {
    const queue = new WaiterQueue<string>();
    const leaving = record(queue.wait());
    const staying = record(queue.wait());
    let late: ReturnType<typeof record<string>> | undefined;
    leaving.subscription.unsubscribe();

    let delivered = 0;
    queue.release((waiter) => {
      delivered++;
      late ??= record(queue.wait());
      waiter.next('first');
    });
    expect(delivered).toBe(1);
    expect([leaving.values, staying.values, late?.values]).toEqual([[], ['first'], []]);

    queue.release((waiter) => waiter.error(new Error('second')));
    expect(late?.errors).toEqual([new Error('second')]);
  });
});
