import { invalidConfigError } from './errors';

describe('invalidConfigError', () => {
  it('names the option, then says what is wrong with it', () => {
    expect(
      invalidConfigError('maxRetries', 'must be a non-negative integer, got -1.').message,
    ).toBe('NGTR101: provideTokenRefresh: "maxRetries" must be a non-negative integer, got -1.');
  });

  it('keeps the code and the option alone when the detail is dropped, as production builds do', () => {
    expect(invalidConfigError('skipUrls[2]', '').message).toBe(
      'NGTR101: provideTokenRefresh: "skipUrls[2]"',
    );
  });
});
