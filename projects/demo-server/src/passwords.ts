import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** A password as the server keeps it: a random salt and the scrypt hash, both base64. */
export interface PasswordRecord {
  salt: string;
  hash: string;
}

/** Thrown when too many password checks are already waiting; the caller answers 429. */
export class PasswordHasherBusy extends Error {
  constructor() {
    super('too many password checks in flight');
  }
}

const KEY_LENGTH = 32;

/**
 * Hashes and checks passwords with scrypt off the event loop, a few at a time.
 *
 * scrypt runs on libuv's thread pool, which WebCrypto (and so `jose`) shares: `concurrency` leaves
 * threads free for signing and verifying tokens, and `maxQueued` sheds a flood with a 429 instead of
 * letting it queue without bound. An unknown user is checked against a dummy record, so that it
 * costs the same time as a wrong password and timing does not tell which names exist.
 */
export class PasswordHasher {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #queue: (() => void)[] = [];
  #running = 0;
  #dummy: Promise<PasswordRecord> | null = null;

  readonly #scryptFn: typeof scrypt;

  /**
   * @param options - `concurrency`: scrypt runs at once; `maxQueued`: checks allowed to wait;
   *   `scryptFn`: the scrypt implementation (tests count its calls).
   */
  constructor(options: { concurrency: number; maxQueued: number; scryptFn?: typeof scrypt }) {
    this.#concurrency = options.concurrency;
    this.#maxQueued = options.maxQueued;
    this.#scryptFn = options.scryptFn ?? scrypt;
  }

  /** A new record for `password`, with a fresh salt. */
  async hash(password: string): Promise<PasswordRecord> {
    const salt = randomBytes(16).toString('base64');
    return { salt, hash: (await this.#scrypt(password, salt)).toString('base64') };
  }

  /**
   * Whether `password` matches `record`; with `null` (an unknown user) it does the same work against a
   * dummy record and answers `false`.
   *
   * @throws PasswordHasherBusy when `maxQueued` checks are already waiting.
   */
  async verify(password: string, record: PasswordRecord | null): Promise<boolean> {
    const target = record ?? (await this.#dummyRecord());
    const actual = await this.#scrypt(password, target.salt);
    const expected = Buffer.from(target.hash, 'base64');
    return (
      record !== null && expected.length === actual.length && timingSafeEqual(expected, actual)
    );
  }

  #dummyRecord(): Promise<PasswordRecord> {
    this.#dummy ??= this.hash(randomBytes(16).toString('base64'));
    return this.#dummy;
  }

  async #scrypt(password: string, salt: string): Promise<Buffer> {
    await this.#slot();
    try {
      return await new Promise<Buffer>((resolve, reject) =>
        this.#scryptFn(password, salt, KEY_LENGTH, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      );
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }

  #slot(): Promise<void> {
    if (this.#running < this.#concurrency) {
      this.#running++;
      return Promise.resolve();
    }
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(new PasswordHasherBusy());
    }
    return new Promise((resolve) =>
      this.#queue.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }
}
