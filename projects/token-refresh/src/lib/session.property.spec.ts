import { ErrorHandler } from '@angular/core';
import { TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import fc from 'fast-check';

import { record, Received, REFRESH_URL, settle, setUp } from './spec-helpers';
import { TokenRefreshService } from './token-refresh-service';
import { TokenSet, TokenStore } from './token-store';

/** One thing that happens next: the app, the API, the refresh endpoint or the store acts. */
type Step =
  | { kind: 'issue' }
  | { kind: 'answer'; pick: number; status: 200 | 401 }
  | { kind: 'refresh'; outcome: 'ok' | 'rejected' | 'unavailable' }
  | { kind: 'login' }
  | { kind: 'logout' }
  | { kind: 'finish-writes' }
  | { kind: 'fail-next-write' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'issue' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      pick: fc.nat(),
      status: fc.constantFrom(200 as const, 401 as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refresh' as const),
      outcome: fc.constantFrom(
        'ok' as const,
        'ok' as const,
        'rejected' as const,
        'unavailable' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'login' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'logout' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'finish-writes' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'fail-next-write' }) },
);

/** Time for all the runs of the property, instrumented by StrykerJS on a busy machine. */
const PROPERTY_TEST_TIMEOUT_MS = 30_000;

describe('sessions under random interleavings (property-based)', () => {
  afterEach(() => TestBed.resetTestingModule());

  it(
    'never sends a token of a session that was cleared or replaced, and settles every request',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }),
          async (steps) => {
            TestBed.resetTestingModule();
            const run = new Run();
            for (const step of steps) {
              await run.apply(step);
              run.checkOneRefreshInFlight();
              run.checkTokensBelongToTheCurrentSession();
            }
            await run.drain();
            run.checkEveryRequestEndedOnce();
            await run.checkNextRequestUsesTheCurrentSession();
          },
        ),
        { numRuns: 150 },
      );
      // Hundreds of runs: more time than the short timeout of mutation runs (jest.mutation.config.js).
    },
    PROPERTY_TEST_TIMEOUT_MS,
  );
});

/**
 * The system under test with a store whose writes finish only when told (slow, or failing), and a
 * record of which session ("generation") every token belongs to.
 */
class Run {
  private readonly store = new ScriptedStore();
  private readonly setup = setUp({}, [
    { provide: TokenStore, useValue: this.store },
    { provide: ErrorHandler, useValue: { handleError: () => undefined } },
  ]);
  private readonly service = TestBed.inject(TokenRefreshService);
  private readonly requests: Received<unknown>[] = [];
  private openApiCalls: TestRequest[] = [];
  private openRefreshCalls: { call: TestRequest; generation: number }[] = [];
  /** Bumped by every login and logout: tokens of an older generation must never go out again. */
  private generation = 0;
  private readonly generationOfToken = new Map<string, number>();
  private issued = 0;
  private isLoggingOut = false;

  constructor() {
    this.store.tokens = this.newSession();
  }

  async apply(step: Step): Promise<void> {
    switch (step.kind) {
      case 'issue':
        this.requests.push(record(this.setup.http.get(`/api/r/${this.requests.length}`)));
        break;
      case 'answer': {
        const call = this.takeOpen(this.openApiCalls, step.pick);
        if (call && step.status === 200) {
          call.flush({ ok: true });
        } else if (call) {
          call.flush(null, { status: 401, statusText: 'Scripted' });
        }
        break;
      }
      case 'refresh': {
        const open = this.openRefreshCalls.filter(({ call }) => !call.cancelled);
        this.openRefreshCalls = [];
        const next = open.shift();
        this.openRefreshCalls.push(...open);
        if (next) {
          this.answerRefresh(next.call, next.generation, step.outcome);
        }
        break;
      }
      case 'login':
        // A new sign-in while the old session may still be refreshing: as documented, the app
        // clears the old session first, then stores the new one through the store.
        if (!this.isLoggingOut) {
          this.isLoggingOut = true;
          const signIn = () => {
            this.generation++;
            const done = () => (this.isLoggingOut = false);
            this.store.setTokens(this.newSession()).then(done, done);
          };
          this.service.clearSession().then(signIn, signIn);
        }
        break;
      case 'logout':
        if (!this.isLoggingOut) {
          this.isLoggingOut = true;
          // The old session is over for the app once clearSession() has resolved (or failed).
          const over = () => {
            this.isLoggingOut = false;
            this.generation++;
          };
          this.service.clearSession().then(over, over);
        }
        break;
      case 'finish-writes':
        this.store.finishWrites();
        break;
      case 'fail-next-write':
        this.store.failNextWrite = true;
        break;
    }
    await settle();
    this.collectOpenCalls();
  }

  /** Finishes writes and answers everything still open with success until nothing is left. */
  async drain(): Promise<void> {
    this.store.failNextWrite = false;
    for (let round = 0; round < 1_000; round++) {
      this.store.finishWrites();
      await settle();
      this.collectOpenCalls();
      const refresh = this.openRefreshCalls.find(({ call }) => !call.cancelled);
      this.openRefreshCalls = [];
      const api = refresh ? undefined : this.takeOpen(this.openApiCalls, 0);
      if (refresh) {
        this.answerRefresh(refresh.call, refresh.generation, 'ok');
      } else if (api) {
        api.flush({ ok: true });
      } else if (this.store.pendingWrites === 0) {
        return;
      }
    }
    throw new Error('the system did not settle within 1000 rounds');
  }

  checkOneRefreshInFlight(): void {
    const inFlight = this.openRefreshCalls.filter(({ call }) => !call.cancelled).length;
    if (inFlight > 1) {
      throw new Error(`${inFlight} refreshes in flight at once`);
    }
  }

  /** Every API call collected so far carried no token, or one of the session current when sent. */
  checkTokensBelongToTheCurrentSession(): void {
    for (const call of this.openApiCalls) {
      const token = call.request.headers.get('Authorization')?.replace('Bearer ', '') ?? null;
      const sentIn = (call as TestRequest & { sentIn?: number }).sentIn;
      if (token !== null && this.generationOfToken.get(token) !== sentIn) {
        throw new Error(
          `a request sent in session ${String(sentIn)} carried ${token} of session ${String(this.generationOfToken.get(token))}`,
        );
      }
    }
  }

  checkEveryRequestEndedOnce(): void {
    this.requests.forEach((request, index) => {
      const endings = (request.completed ? 1 : 0) + request.errors.length;
      if (endings !== 1) {
        throw new Error(`request ${index} ended ${endings} times`);
      }
    });
  }

  /** A request sent after everything settled goes out with the current session, or with none. */
  async checkNextRequestUsesTheCurrentSession(): Promise<void> {
    this.setup.http.get('/api/last').subscribe({ error: () => undefined });
    await settle();
    this.collectOpenCalls();
    this.checkTokensBelongToTheCurrentSession();
  }

  private newSession(): TokenSet {
    const tokens = { accessToken: `login-${this.issued}`, refreshToken: `r-login-${this.issued}` };
    this.issued++;
    this.generationOfToken.set(tokens.accessToken, this.generation);
    return tokens;
  }

  private answerRefresh(
    call: TestRequest,
    generation: number,
    outcome: 'ok' | 'rejected' | 'unavailable',
  ): void {
    if (outcome === 'ok') {
      const accessToken = `refreshed-${this.issued++}`;
      // A refreshed token belongs to the session whose refresh call produced it.
      this.generationOfToken.set(accessToken, generation);
      call.flush({ accessToken, refreshToken: `r-${accessToken}` });
    } else if (outcome === 'rejected') {
      call.flush(null, { status: 401, statusText: 'Rejected' });
    } else {
      call.flush(null, { status: 503, statusText: 'Unavailable' });
    }
  }

  private collectOpenCalls(): void {
    for (const call of this.setup.backend.match(() => true)) {
      if (call.request.url === REFRESH_URL) {
        this.openRefreshCalls.push({ call, generation: this.generation });
      } else {
        (call as TestRequest & { sentIn?: number }).sentIn = this.generation;
        this.openApiCalls.push(call);
      }
    }
  }

  private takeOpen(calls: TestRequest[], pick: number): TestRequest | undefined {
    const live = calls.filter((call) => !call.cancelled);
    calls.length = 0;
    calls.push(...live);
    return calls.length === 0 ? undefined : calls.splice(pick % calls.length, 1)[0];
  }
}

/** Reads answer at once; writes and clears finish only when told, or fail when told to. */
class ScriptedStore extends TokenStore {
  tokens: TokenSet | null = null;
  failNextWrite = false;
  #pending: (() => void)[] = [];

  get pendingWrites(): number {
    return this.#pending.length;
  }

  getAccessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  getRefreshToken(): string | null {
    return this.tokens?.refreshToken ?? null;
  }

  setTokens(tokens: TokenSet): Promise<void> {
    return this.#write(() => (this.tokens = { ...tokens }));
  }

  clear(): Promise<void> {
    return this.#write(() => (this.tokens = null));
  }

  finishWrites(): void {
    const pending = this.#pending;
    this.#pending = [];
    pending.forEach((finish) => finish());
  }

  #write(apply: () => void): Promise<void> {
    const fails = this.failNextWrite;
    this.failNextWrite = false;
    return new Promise((resolve, reject) =>
      this.#pending.push(() => {
        if (fails) {
          reject(new Error('write failed'));
        } else {
          apply();
          resolve();
        }
      }),
    );
  }
}
