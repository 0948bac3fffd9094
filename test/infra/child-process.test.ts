/**
 * The child-process runner (infra/child-process.ts) with real processes: the time limit and the abort kill
 * the whole process group, a kill -9 of the parent takes the child with it, stderr is bounded, a missing
 * program is a `not_started` error.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
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
    const error = await runChild('sh', '/bin/sh', ['-c', `sleep ${secs} & sleep ${secs}; wait`], { timeLimitMs: 500 }).catch((e: unknown) => e);
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

  it('dies with its parent, also when the parent gets kill -9', async () => {
    const secs = uniqueSleep();
    const module = path.resolve(import.meta.dirname, '../../dist/infra/child-process.js');
    const parent = spawn(process.execPath, ['--input-type=module', '-e', `import('${module}').then((m) => m.runChild('sleep', 'sleep', ['${secs}'], { timeLimitMs: 600000 }))`], { stdio: 'ignore' });
    await waitFor('sleep to start', async () => (pgrep(`sleep ${secs}`).length ? true : undefined), 10_000, 50);
    parent.kill('SIGKILL');
    await waitFor('the orphan to be killed', async () => (pgrep(`sleep ${secs}`).length === 0 ? true : undefined), 3_000, 50);
  });

  it('keeps the head and the tail of a long stderr', async () => {
    const r = await runChild('sh', '/bin/sh', ['-c', 'echo FIRST >&2; head -c 300000 /dev/zero | tr "\\0" x >&2; echo; echo LAST >&2'], { timeLimitMs: 10_000 });
    expect(r.stderr.length).toBeLessThan(2 * STDERR_KEEP_BYTES + 100);
    expect(r.stderr.startsWith('FIRST')).toBe(true);
    expect(r.stderr.trimEnd().endsWith('LAST')).toBe(true);
    expect(r.stderr).toContain('stderr elided');
  });

  it('names a program that cannot start', async () => {
    await expect(runChild('nothing', '/nonexistent/program', [], { timeLimitMs: 1_000 })).rejects.toMatchObject({ kind: 'not_started', program: 'nothing' });
  });
});
