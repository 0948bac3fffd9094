/** `callqa users …` and `callqa serve`, run as a user runs them, on real PostgreSQL, Redis and s3rver. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CALLQA_BIN, runCallqa, startTestEnv, TEST_DATABASE_URL, waitFor, type TestEnv } from '../support/integration.js';
import { dropDatabase, SECRET } from '../support/web.js';

describe('callqa users and callqa serve', () => {
  let t: TestEnv;
  let env: Record<string, string>;
  const db = new URL(TEST_DATABASE_URL);
  db.pathname = `/callqa_web_cli_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv({ DATABASE_URL: db.toString() });
    env = { ...t.env, WEB_SESSION_SECRET: '', CALLQA_PASSWORD: '' };
  });
  afterAll(async () => {
    await t?.cleanup();
    await dropDatabase(db.toString());
  });

  it('adds, lists, disables and enables users; refuses weak passwords and bad roles', async () => {
    const add = await runCallqa(['users', 'add', 'wangfang', '--role', 'officer', '--name', '王芳'], {
      ...env,
      CALLQA_PASSWORD: 'a long enough password',
    });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('created wangfang (officer)');
    expect(
      (await runCallqa(['users', 'add', 'wangfang', '--role', 'officer'], { ...env, CALLQA_PASSWORD: 'a long enough password' })).stderr,
    ).toContain('exists already');
    expect((await runCallqa(['users', 'add', 'li', '--role', 'officer'], { ...env, CALLQA_PASSWORD: 'short' })).stderr).toContain(
      'at least 10',
    );
    expect(
      (await runCallqa(['users', 'add', 'li', '--role', 'boss'], { ...env, CALLQA_PASSWORD: 'a long enough password' })).stderr,
    ).toContain('--role must be one of');
    const list = await runCallqa(['users', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ username: 'wangfang', name: '王芳', role: 'officer', disabled: false }),
    ]);
    expect((await runCallqa(['users', 'disable', 'wangfang'], env)).stdout).toContain('disabled wangfang');
    expect((await runCallqa(['users', 'list'], env)).stdout).toMatch(/wangfang\s+officer\s+disabled/);
    expect((await runCallqa(['users', 'enable', 'wangfang'], env)).code).toBe(0);
    expect((await runCallqa(['users', 'disable', 'nobody'], env)).stderr).toContain('no user "nobody"');
  });

  it('serve refuses to start without WEB_SESSION_SECRET', async () => {
    const r = await runCallqa(['serve'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('WEB_SESSION_SECRET');
  });

  it('serve listens, answers /healthz, refuses anonymous pages and stops on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [CALLQA_BIN, 'serve'], {
      env: { ...process.env, ...env, WEB_SESSION_SECRET: SECRET, WEB_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('listening', async () => (stderr.includes('listening on') ? true : undefined), 30_000);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const page = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toContain('/login');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
