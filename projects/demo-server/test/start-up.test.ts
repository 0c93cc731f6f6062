import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { DEFAULT_OPTIONS, readOptions } from '../src/options.ts';
import { startTestServer } from './helpers.ts';

describe('readOptions', () => {
  it('fills every option from its default when no variable is set', () => {
    assert.deepEqual(readOptions({}), DEFAULT_OPTIONS);
    assert.equal(DEFAULT_OPTIONS.rotationGraceSeconds, 5);
  });

  it('reads the variables', () => {
    const options = readOptions({
      PORT: '0',
      ROTATION_GRACE_SECONDS: '0',
      SESSION_LIFETIME_SECONDS: '3600',
      REFRESH_STYLE: 'cookie',
      DEMO_STORE: 'session',
      DEMO_REFRESH_TIMEOUT_MS: '1500',
      TRUST_PROXY: '1',
      DEMO_DPOP: 'on',
      STATIC_DIR: '',
    });

    assert.equal(options.port, 0);
    assert.equal(options.rotationGraceSeconds, 0);
    assert.equal(options.familyLifetimeSeconds, 3600);
    assert.equal(options.refreshStyle, 'cookie');
    assert.deepEqual(options.demo, { store: 'session', refreshTimeoutMs: 1500 });
    assert.equal(options.trustProxy, true);
    assert.equal(options.dpop, true);
    assert.equal(options.staticDir, null);
    assert.equal(readOptions({ DEMO_DPOP: 'off' }).dpop, false);
  });

  it('names the variable and the value it refuses', () => {
    assert.throws(() => readOptions({ PORT: '99999' }), {
      message: 'PORT must be an integer from 0 to 65535, got "99999"',
    });
    assert.throws(() => readOptions({ ROTATION_GRACE_SECONDS: 'soon' }), {
      message: 'ROTATION_GRACE_SECONDS must be an integer from 0 to 300, got "soon"',
    });
    assert.throws(() => readOptions({ DEMO_STORE: 'local' }), {
      message: 'DEMO_STORE must be one of default, session, got "local"',
    });
    assert.throws(() => readOptions({ DEMO_DPOP: '1' }), {
      message: 'DEMO_DPOP must be one of off, on, got "1"',
    });
  });
});

describe('main.ts', () => {
  it('says in one line which port is taken and how to pick another, and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runMain({ PORT: String(port), DEMO_DB: ':memory:' });

      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.equal(
        stderr,
        `demo-server: port ${port} on 127.0.0.1 is already in use; start it on another one, e.g. PORT=0 npm start\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('check-port.ts, run before the builds, says the same when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, stderr } = await runMain({ PORT: String(port) }, 'check-port.ts');

      assert.equal(code, 1);
      assert.match(
        stderr,
        new RegExp(`^demo-server: port ${port} on 127.0.0.1 is already in use;.*PORT=`),
      );
    } finally {
      blocker.close();
    }
  });

  it('check-port.ts passes a free port', async () => {
    assert.deepEqual(await runMain({ PORT: '0' }, 'check-port.ts'), {
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('refuses a bad variable in one line naming it', async () => {
    const { code, stderr } = await runMain({ REFRESH_STYLE: 'header', DEMO_DB: ':memory:' });

    assert.equal(code, 1);
    assert.equal(stderr, 'demo-server: REFRESH_STYLE must be one of body, cookie, got "header"\n');
  });
});

describe('test hooks', () => {
  it('do not exist outside test mode', async () => {
    const server = await startTestServer({ testMode: false });
    try {
      assert.equal((await server.post('/__test/expire-access-tokens')).status, 404);
      assert.equal((await server.get('/__test/stats')).status, 404);
    } finally {
      await server.close();
    }
  });
});

function runMain(
  env: Record<string, string>,
  script = 'main.ts',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../src', script)], {
      env: { PATH: process.env['PATH'], STATIC_DIR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
