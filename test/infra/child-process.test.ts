/**
 * The child-process runner (infra/child-process.ts) with real processes: the time limit and the abort kill
 * the whole process group (with a grace period: SIGTERM, then SIGKILL), a kill -9 of the parent takes the
 * child with it, stderr is bounded, a missing program is a `not_started` error.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChildProcessError, runChild, STDERR_KEEP_BYTES } from '../../infra/child-process.js';
import { pgrep, waitFor } from '../support/integration.js';

/** A `sleep` duration no other process on the machine uses, so pgrep finds only this test's sleepers. */
const uniqueSleep = () => `${randomInt(100_000, 999_999)}.5`;

describe('runChild', () => {
  it('returns exit code, stdout and stderr of a finished program', async () => {
    const r = await runChild('sh', '/bin/sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeLimitMs: 10_000 });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  });

  it('kills the whole process group at the time limit and waits until it is gone', async () => {
    const secs = uniqueSleep();
    const error = await runChild('sh', '/bin/sh', ['-c', `sleep ${secs} & sleep ${secs}; wait`], { timeLimitMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChildProcessError);
    expect(error).toMatchObject({ kind: 'time_limit', limitMs: 500 });
    // The background sleep (a grandchild) went with the group.
    await waitFor('the sleepers to be gone', async () => (pgrep(`sleep ${secs}`).length === 0 ? true : undefined), 3_000, 50);
  });

  it('kills the program when the AbortSignal fires', async () => {
    const secs = uniqueSleep();
    const controller = new AbortController();
    const run = runChild('sleep', 'sleep', [secs], { timeLimitMs: 60_000, signal: controller.signal });
    await waitFor('sleep to start', async () => (pgrep(`sleep ${secs}`).length ? true : undefined), 5_000, 20);
    controller.abort(new Error('shutdown'));
    await expect(run).rejects.toMatchObject({ kind: 'aborted' });
    expect(pgrep(`sleep ${secs}`)).toEqual([]);
  });

  it('with a grace period, sends SIGTERM first so that the program can finish on its own', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'callqa-grace-'));
    try {
      const marker = path.join(dir, 'stopped');
      const script = `trap 'echo stopped > "$0"; exit 0' TERM; sleep ${uniqueSleep()} & wait`;
      const error = await runChild('sh', '/bin/sh', ['-c', script, marker], { timeLimitMs: 300, killGraceMs: 10_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ kind: 'time_limit', limitMs: 300 });
      expect(await readFile(marker, 'utf8')).toBe('stopped\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with a grace period, sends SIGKILL to a program that ignores SIGTERM once the period is over', async () => {
    const secs = uniqueSleep();
    const started = Date.now();
    const error = await runChild('sh', '/bin/sh', ['-c', `trap '' TERM; sleep ${secs} & wait`], {
      timeLimitMs: 300,
      killGraceMs: 700,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'time_limit' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(pgrep(`sleep ${secs}`)).toEqual([]);
  });

  it('runs the program in the given folder with the given environment', async () => {
    const r = await runChild('sh', '/bin/sh', ['-c', 'pwd; echo "$CALLQA_PROBE"'], {
      timeLimitMs: 10_000,
      cwd: '/tmp',
      env: { ...process.env, CALLQA_PROBE: 'probe-value' },
    });
    expect(r.stdout).toBe('/tmp\nprobe-value\n');
  });

  it('dies with its parent, also when the parent gets kill -9', async () => {
    const secs = uniqueSleep();
    const module = path.resolve(import.meta.dirname, '../../dist/infra/child-process.js');
    const parent = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import('${module}').then((m) => m.runChild('sleep', 'sleep', ['${secs}'], { timeLimitMs: 600000 }))`],
      { stdio: 'ignore' },
    );
    await waitFor('sleep to start', async () => (pgrep(`sleep ${secs}`).length ? true : undefined), 10_000, 50);
    parent.kill('SIGKILL');
    await waitFor('the orphan to be killed', async () => (pgrep(`sleep ${secs}`).length === 0 ? true : undefined), 3_000, 50);
  });

  it('keeps the head and the tail of a long stderr', async () => {
    const r = await runChild('sh', '/bin/sh', ['-c', 'echo FIRST >&2; head -c 300000 /dev/zero | tr "\\0" x >&2; echo; echo LAST >&2'], {
      timeLimitMs: 10_000,
    });
    expect(r.stderr.length).toBeLessThan(2 * STDERR_KEEP_BYTES + 100);
    expect(r.stderr.startsWith('FIRST')).toBe(true);
    expect(r.stderr.trimEnd().endsWith('LAST')).toBe(true);
    expect(r.stderr).toContain('stderr elided');
  });

  it('names a program that cannot start', async () => {
    await expect(runChild('nothing', '/nonexistent/program', [], { timeLimitMs: 1_000 })).rejects.toMatchObject({
      kind: 'not_started',
      program: 'nothing',
    });
  });
});
