import { whenOnline } from './refresh-hold';
import { record } from './spec-helpers';

describe('whenOnline', () => {
  afterEach(() => jest.restoreAllMocks());

  it('emits once, then completes, when the browser fires online', () => {
    const received = record(whenOnline());
    expect([received.values, received.completed]).toEqual([[], false]);

    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('online'));

    expect([received.values, received.completed]).toEqual([[undefined], true]);
  });

  it('removes its listener when it completes or is unsubscribed', () => {
    const added = jest.spyOn(window, 'addEventListener');
    const removed = jest.spyOn(window, 'removeEventListener');

    record(whenOnline());
    window.dispatchEvent(new Event('online'));
    record(whenOnline()).subscription.unsubscribe();

    expect(added.mock.calls).toEqual([
      ['online', expect.any(Function)],
      ['online', expect.any(Function)],
    ]);
    expect(removed.mock.calls).toEqual(added.mock.calls);
  });
});
