/*
 * Starts the demo server and Debian's Chromium for the end-to-end tests, and stops both.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

const ROOT = resolve(__dirname, '..');
const NODE = process.execPath;
/** Debian's Chromium and the flags it runs with here; bench/browser.mjs reads the same file. */
const CHROMIUM_CONFIG = JSON.parse(readFileSync(join(__dirname, 'chromium.json'), 'utf8')) as {
  executablePath: string;
  args: string[];
};
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? CHROMIUM_CONFIG.executablePath;

/** The server's counters (see projects/demo-server). */
export interface ServerStats {
  refreshCalls: number;
  refreshSuccesses: number;
  refreshRejections: number;
  unauthorized: number;
  /** 403s for a scope the token lacks. */
  forbidden: number;
  apiCalls: number;
  reuseDetected: number;
  /** Refreshes that presented the previous token within the rotation grace window. */
  graceReplays: number;
  loginFailures: number;
  loginsThrottled: number;
  /** `DEMO_DPOP=on`: logins and refreshes answered 400 `use_dpop_nonce`. */
  dpopTokenNonceChallenges: number;
  /** `DEMO_DPOP=on`: protected calls answered 401 `use_dpop_nonce`. */
  dpopResourceNonceChallenges: number;
  /** `DEMO_DPOP=on`: requests refused with `invalid_dpop_proof`. */
  dpopProofRejections: number;
}

export interface ServerOptions {
  refreshStyle?: 'body' | 'cookie';
  accessTtlSeconds?: number;
  /** `ROTATION_GRACE_SECONDS`; the server's default (5) when unset. */
  rotationGraceSeconds?: number;
  /** `DEMO_STORE`: `session` gives each tab its own session. */
  store?: 'default' | 'session';
  /** `DEMO_REFRESH_TIMEOUT_MS`: the app's `refreshTimeout`. */
  refreshTimeoutMs?: number;
  /** `DEMO_DPOP=on`: tokens bound to the app's DPoP key, proofs and nonces required. */
  dpop?: boolean;
}

/** A demo server in test mode, in its own process, with its own database. */
export class DemoServer {
  url = '';
  private process: ChildProcess | null = null;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'ntr-e2e-'));

  constructor(private readonly options: ServerOptions = {}) {}

  /** Starts the server; a restart reuses the first port, so the app keeps its origin and storage. */
  async start(): Promise<void> {
    const port = this.url === '' ? '0' : new URL(this.url).port;
    const child = spawn(NODE, [join(ROOT, 'projects/demo-server/src/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: port,
        DEMO_DB: join(this.dataDir, 'demo.db'),
        DEMO_TEST_MODE: '1',
        REFRESH_STYLE: this.options.refreshStyle ?? 'body',
        ACCESS_TTL_SECONDS: String(this.options.accessTtlSeconds ?? 300),
        ROTATION_GRACE_SECONDS: optional(this.options.rotationGraceSeconds),
        DEMO_STORE: this.options.store ?? 'default',
        DEMO_REFRESH_TIMEOUT_MS: optional(this.options.refreshTimeoutMs),
        DEMO_DPOP: this.options.dpop === true ? 'on' : 'off',
        STATIC_DIR: join(ROOT, 'dist/demo-app/browser'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    this.url = await waitForListening(child, 'the demo server');
  }

  /** Stops the process; the database stays, so a restart keeps the sessions. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child?.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async hook<T = unknown>(path: string, body?: object): Promise<T> {
    const response = await fetch(`${this.url}/__test/${path}`, {
      method: body === undefined && path === 'stats' ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  }

  stats(): Promise<ServerStats> {
    return this.hook<ServerStats>('stats');
  }
}

/** An optional number as an environment value: '' (the server's default) when unset. */
function optional(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}

/**
 * Waits for a server child process to print `listening <url>` (its first line) and returns the URL.
 * Fails after 15 s, or when the process exits first, with what it printed.
 */
export function waitForListening(child: ChildProcess, name: string): Promise<string> {
  return new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 15 s`)), 15_000);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^listening (\S+)/m.exec(output);
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

/** Chromium with a fresh profile, headless, with no background traffic. */
export async function launchBrowser(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}; install Debian's chromium (apt-get install chromium).`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'ntr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_CONFIG.args,
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login page (as `demo`, or another seeded user) and waits for the dashboard. */
export async function signIn(page: Page, server: DemoServer, username = 'demo'): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-password`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard');
  await page.getByTestId('username').filter({ hasText: username }).waitFor();
}

/** Fires `count` parallel calls from the dashboard and waits until every one of them has ended. */
export async function fireCalls(
  page: Page,
  count: number,
): Promise<{ ok: number; failed: number }> {
  await page.getByTestId('count').fill(String(count));
  await page.getByTestId('count').dispatchEvent('change');
  const before = Number(await page.locator('ol.calls').getAttribute('data-burst'));
  await page.getByTestId('fire').click();
  return waitForCalls(page, count, before);
}

/**
 * Waits until a burst after `afterBurst` is shown, none of its calls is pending, and `count` calls
 * have ended; returns how they ended. Without the burst number, the previous burst's totals could be
 * read before the page shows the new one.
 */
export async function waitForCalls(
  page: Page,
  count: number,
  afterBurst = -1,
): Promise<{ ok: number; failed: number }> {
  await page.waitForFunction(
    ({ expected, after }) => {
      const text = (id: string) =>
        Number(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? 'NaN');
      const list = document.querySelector('ol.calls');
      const burst = Number(list?.getAttribute('data-burst') ?? -1);
      const pending = document.querySelectorAll('ol.calls li.pending').length;
      return burst > after && pending === 0 && text('ok') + text('failed') >= expected;
    },
    { expected: count, after: afterBurst },
    { timeout: 30_000 },
  );
  const read = async (id: string) => Number(await page.getByTestId(id).textContent());
  return { ok: await read('ok'), failed: await read('failed') };
}
