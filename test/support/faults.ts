/**
 * Fault injection for the fault suite (issue 10), besides the TCP proxies of scripts/tcp-proxy.ts: `callqa worker`
 * processes run as an operator runs them, killed with SIGKILL when a test says so; and the one assertion
 * every fault test ends with — every recording ended once, nothing open, no orphan process, no temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { expect } from 'vitest';
import type { Pool } from '../../infra/db/pool.js';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { reportHtmlKey, reportKey } from '../../pipeline/storage-keys.js';
import { CALLQA_BIN, pgrep, waitFor } from './integration.js';
export { TcpProxy } from '../../scripts/tcp-proxy.js';

/** A `callqa worker` process. `output`: its stdout and stderr so far (JSON log lines). */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal) when it ends. */
  exited: Promise<number | string | null>;
}

/** Starts `callqa worker --no-schedule [--stages …]` with `env` (log level info, so tests can read what it did). */
export function startWorker(env: Record<string, string>, stages?: string): WorkerProcess {
  let output = '';
  const child = spawn(process.execPath, [CALLQA_BIN, 'worker', '--no-schedule', ...(stages ? ['--stages', stages] : [])], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, output: () => output, exited };
}

/** Stops a worker with SIGTERM and returns its exit code (SIGKILL after `limitMs`, then the test fails on the code). */
export async function stopWorker(w: WorkerProcess, limitMs = 30_000): Promise<number | string | null> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return w.exited;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), limitMs);
  try {
    return await w.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Parsed JSON log lines of a worker's output (other lines skipped). */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** Statuses that are not terminal. */
const OPEN = ['queued', 'preparing', 'transcribing', 'analyzing'];

/** Waits until `expected` recording rows of `bucket` exist and none is open; returns the rows. */
export async function waitAllEnded(db: Pool, bucket: string, expected: number, timeoutMs = 180_000): Promise<Record<string, unknown>[]> {
  return waitFor(
    `${expected} recordings of ${bucket} to end`,
    async () => {
      const { rows } = await db.query('SELECT * FROM recordings WHERE bucket = $1', [bucket]);
      const terminal = rows.filter((r) => !OPEN.includes(r.status as string));
      return rows.length >= expected && terminal.length === rows.length ? rows : undefined;
    },
    timeoutMs,
    250,
  );
}

/** The columns of a recording row (and its count of summary rows) that {@link expectEveryRecordingEndedOnce} reads. */
interface EndedRow {
  object_key: string;
  status: string;
  reason_code: string | null;
  reason: string | null;
  reports: number;
}

/**
 * The promise of the pipeline, checked after a fault: each object key ended exactly once — one version
 * reported (with its summary row, report JSON and HTML) or failed with a reason code, older versions
 * `superseded` — nothing is open, no ffmpeg/ffprobe/whisper.cpp of this test is still running, and no
 * per-job temp folder is left in `workDir`.
 *
 * @param expect what each key must have ended as (`failed:<code>` for an expected failure)
 */
export async function expectEveryRecordingEndedOnce(
  o: { db: Pool; storage: ObjectStorage; bucket: string; resultsBucket: string; workDir: string; processNeedles: string[] },
  outcomes: Map<string, 'reported' | `failed:${string}`>,
): Promise<void> {
  const { rows } = await o.db.query<EndedRow>(
    'SELECT r.*, (SELECT count(*) FROM reports p WHERE p.recording_id = r.id)::int AS reports FROM recordings r WHERE bucket = $1',
    [o.bucket],
  );
  expect(rows.filter((r) => OPEN.includes(r.status)).map((r) => `${r.object_key} ${r.status}`)).toEqual([]);
  const byKey = new Map<string, EndedRow[]>();
  for (const r of rows) byKey.set(r.object_key, [...(byKey.get(r.object_key) ?? []), r]);
  expect([...byKey.keys()].sort()).toEqual([...outcomes.keys()].sort());
  for (const [key, want] of outcomes) {
    const versions = byKey.get(key)!;
    const live = versions.filter((r) => r.status !== 'superseded');
    expect(
      live.map((r) => r.status),
      key,
    ).toHaveLength(1);
    const row = live[0]!;
    if (want === 'reported') {
      expect(row.status, `${key}: ${row.reason_code}: ${row.reason}`).toBe('reported');
      expect(row.reports, key).toBe(1);
      expect(await o.storage.stat(o.resultsBucket, reportKey(key)), `${key} report JSON`).toBeDefined();
      expect(await o.storage.stat(o.resultsBucket, reportHtmlKey(key)), `${key} report HTML`).toBeDefined();
    } else {
      expect(`${row.status}:${row.reason_code}`, `${key}: ${row.reason}`).toBe(want);
      expect(row.reason ?? '').not.toBe('');
    }
    // Superseded versions never got a report of their own.
    for (const old of versions.filter((r) => r.status === 'superseded')) expect(old.reports, `${key} superseded version`).toBe(0);
  }
  for (const needle of o.processNeedles) expect(pgrep(needle), `processes matching ${needle}`).toEqual([]);
  expect((await readdir(o.workDir)).filter((n) => n.startsWith('callqa-job-'))).toEqual([]);
}
