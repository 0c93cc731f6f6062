import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import fc from 'fast-check';

import { record, Received, REFRESH_URL, setUp } from './spec-helpers';

/** One thing that happens next: the app, the API or the refresh endpoint acts. */
type Step =
  | { kind: 'issue' }
  | { kind: 'answer'; pick: number; status: 200 | 401 | 500 }
  | { kind: 'refresh'; outcome: 'ok' | 'rejected' | 'unavailable' | 'network' }
  | { kind: 'cancel'; pick: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'issue' }),
  fc.record({
    kind: fc.constant('answer' as const),
    pick: fc.nat(),
    status: fc.constantFrom(200 as const, 401 as const, 401 as const, 500 as const),
  }),
  fc.record({
    kind: fc.constant('refresh' as const),
    outcome: fc.constantFrom(
      'ok' as const,
      'ok' as const,
      'rejected' as const,
      'unavailable' as const,
      'network' as const,
    ),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
);

/** Time for all the runs of the property, instrumented by StrykerJS on a busy machine. */
const PROPERTY_TEST_TIMEOUT_MS = 30_000;

describe('token refresh under random interleavings (property-based)', () => {
  afterEach(() => TestBed.resetTestingModule());

  it(
    'keeps at most one refresh in flight, completes every request exactly once and bounds its retries',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 }),
          fc.array(stepArbitrary, { minLength: 1, maxLength: 60 }),
          (maxRetries, steps) => {
            TestBed.resetTestingModule();
            const run = new Run(maxRetries);
            for (const step of steps) {
              run.apply(step);
              run.checkOneRefreshInFlight();
            }
            run.drain();
            run.checkEveryRequestEndedOnce();
            run.checkRetriesBounded();
          },
        ),
        { numRuns: 300 },
      );
      // Hundreds of runs: more time than the short timeout of mutation runs (jest.mutation.config.js).
    },
    PROPERTY_TEST_TIMEOUT_MS,
  );
});

/** The system under test with a scripted API and refresh endpoint, and what each request saw. */
class Run {
  private readonly setup;
  private readonly requests: Received<unknown>[] = [];
  private readonly cancelledWhileLive = new Set<number>();
  private readonly sendsPerRequest = new Map<number, number>();
  private openApiCalls: TestRequest[] = [];
  private openRefreshCalls: TestRequest[] = [];
  private refreshCount = 0;

  constructor(private readonly maxRetries: number) {
    this.setup = setUp({ maxRetries });
    void this.setup.store.setTokens({ accessToken: 'access-0', refreshToken: 'refresh-0' });
  }

  apply(step: Step): void {
    switch (step.kind) {
      case 'issue':
        this.requests.push(record(this.setup.http.get(`/api/r/${this.requests.length}`)));
        break;
      case 'answer': {
        const call = this.takeOpen(this.openApiCalls, step.pick);
        if (call && step.status === 200) {
          call.flush({ ok: true });
        } else if (call) {
          call.flush(null, { status: step.status, statusText: 'Scripted' });
        }
        break;
      }
      case 'refresh': {
        const call = this.takeOpen(this.openRefreshCalls, 0);
        if (call) {
          this.answerRefresh(call, step.outcome);
        }
        break;
      }
      case 'cancel': {
        if (this.requests.length === 0) {
          break;
        }
        const index = step.pick % this.requests.length;
        const request = this.requests[index];
        if (!request.completed && request.errors.length === 0 && !request.subscription.closed) {
          this.cancelledWhileLive.add(index);
        }
        request.subscription.unsubscribe();
        break;
      }
    }
    this.collectOpenCalls();
  }

  /** Answers everything still open with success until nothing is left (bounded). */
  drain(): void {
    for (let round = 0; round < 10_000; round++) {
      const refresh = this.takeOpen(this.openRefreshCalls, 0);
      const api = refresh ? undefined : this.takeOpen(this.openApiCalls, 0);
      if (refresh) {
        this.answerRefresh(refresh, 'ok');
      } else if (api) {
        api.flush({ ok: true });
      } else {
        return;
      }
      this.collectOpenCalls();
    }
    throw new Error('the system did not settle within 10000 answers');
  }

  checkOneRefreshInFlight(): void {
    const inFlight = this.openRefreshCalls.filter((call) => !call.cancelled).length;
    if (inFlight > 1) {
      throw new Error(`${inFlight} refreshes in flight at once`);
    }
  }

  checkEveryRequestEndedOnce(): void {
    this.requests.forEach((request, index) => {
      const endings = (request.completed ? 1 : 0) + request.errors.length;
      const expected = this.cancelledWhileLive.has(index) ? 0 : 1;
      if (
        endings !== expected ||
        request.values.length > 1 ||
        (request.completed && request.values.length !== 1)
      ) {
        throw new Error(
          `request ${index} ended ${endings} times (expected ${expected}), with ${request.values.length} values`,
        );
      }
    });
  }

  checkRetriesBounded(): void {
    for (const [index, sends] of this.sendsPerRequest) {
      if (sends > 1 + this.maxRetries) {
        throw new Error(
          `request ${index} was sent ${sends} times with maxRetries ${this.maxRetries}`,
        );
      }
    }
  }

  private answerRefresh(
    call: TestRequest,
    outcome: Extract<Step, { kind: 'refresh' }>['outcome'],
  ): void {
    if (outcome === 'ok') {
      this.refreshCount++;
      call.flush({
        accessToken: `access-${this.refreshCount}`,
        refreshToken: `refresh-${this.refreshCount}`,
      });
    } else if (outcome === 'rejected') {
      call.flush(null, { status: 401, statusText: 'Rejected' });
      // A rejected refresh ends the session; the user signs in again so the run can go on.
      void this.setup.store.setTokens({
        accessToken: 'after-login',
        refreshToken: 'refresh-login',
      });
    } else if (outcome === 'unavailable') {
      call.flush(null, { status: 503, statusText: 'Unavailable' });
    } else {
      call.error(new ProgressEvent('error'));
    }
  }

  /** Moves the calls the interceptor has just sent into the open lists, counting sends per request. */
  private collectOpenCalls(): void {
    const backend: HttpTestingController = this.setup.backend;
    for (const call of backend.match(() => true)) {
      if (call.request.url === REFRESH_URL) {
        this.openRefreshCalls.push(call);
      } else {
        const index = Number(call.request.url.split('/').pop());
        this.sendsPerRequest.set(index, (this.sendsPerRequest.get(index) ?? 0) + 1);
        this.openApiCalls.push(call);
      }
    }
  }

  /** Removes and returns an open, not cancelled call; cancelled ones are dropped on the way. */
  private takeOpen(calls: TestRequest[], pick: number): TestRequest | undefined {
    const live = calls.filter((call) => !call.cancelled);
    calls.length = 0;
    calls.push(...live);
    if (calls.length === 0) {
      return undefined;
    }
    return calls.splice(pick % calls.length, 1)[0];
  }
}
