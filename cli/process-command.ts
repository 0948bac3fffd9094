/**
 * `callqa process DIR --out OUTDIR` (contract §3): the whole pipeline on a local folder of recordings,
 * through the same queues and stages as the nightly run. The folder is uploaded under a fresh prefix of
 * the recordings bucket (a local S3 server is started when none is configured), scanned, processed by
 * in-process workers for every stage, and the reports are copied to OUTDIR with a summary.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../infra/config.js';
import { getRecordings, type RecordingRow } from '../infra/database.js';
import type { Logger } from '../infra/logger.js';
import { openServices } from '../infra/services.js';
import { reportHtmlKey, reportKey } from '../pipeline/storage-keys.js';
import type { Report } from '../rules/report.js';
import { scanPrefix } from '../workers/enqueue.js';
import { closeQueues, openQueues, STAGES } from '../workers/queues.js';
import { startWorkers } from '../workers/run-workers.js';

/** One line of `summary.json`. */
export interface SummaryEntry {
  /** File name in DIR. */
  file: string;
  status: 'reported' | 'failed';
  callId?: string;
  /** Why it failed (`code: message`); absent for reported recordings. */
  reason?: string;
  score?: number;
  flagged?: boolean;
}

/** Result of {@link processFolder}. `wallSec`: seconds from start to the last report. */
export interface ProcessResult {
  recordings: SummaryEntry[];
  wallSec: number;
}

/** Makes a call id safe as a file name (no path separators or control characters). */
export function safeFileStem(callId: string): string {
  const stem = callId.replace(/[\/\\\x00-\x1f]/g, '_').replace(/^\.+/, '_');
  return stem.length ? stem.slice(0, 180) : '_';
}

/**
 * Runs the pipeline on every recording in `dir` and writes `<callId>.report.json` (+ `.report.html`) per
 * reported recording and `summary.json` to `outDir`.
 *
 * @param onProgress called whenever a recording reaches `reported` or `failed`
 * @throws {Error} when the run itself cannot complete (Redis, PostgreSQL or storage unreachable, DIR unreadable)
 */
export async function processFolder(
  config: Config,
  log: Logger,
  dir: string,
  outDir: string,
  onProgress?: (done: number, total: number, entry: SummaryEntry) => void,
): Promise<ProcessResult> {
  const started = Date.now();
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  await mkdir(outDir, { recursive: true });
  const services = await openServices(config, log, { allowLocalS3: true });
  const queues = openQueues(services.redis, config);
  const running = startWorkers({ services, queues }, STAGES);
  try {
    const bucket = config.s3.recordingsBucket;
    const prefix = `process/${new Date().toISOString().slice(0, 10)}/${randomUUID()}/`;
    for (const name of entries) {
      await services.storage.putFile(bucket, prefix + name, path.join(dir, name));
    }
    const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket, prefix);
    const fileOf = new Map(scan.recordings.map((r) => [r.recordingId, r.key.slice(prefix.length)]));
    const ids = scan.recordings.map((r) => r.recordingId);

    const finished = new Map<string, RecordingRow>();
    while (finished.size < ids.length) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const row of await getRecordings(services.db, ids.filter((id) => !finished.has(id)))) {
        if (row.status !== 'reported' && row.status !== 'failed') continue;
        finished.set(row.id, row);
        onProgress?.(finished.size, ids.length, toEntry(fileOf.get(row.id)!, row));
      }
    }

    const summary: SummaryEntry[] = [];
    const usedStems = new Set<string>();
    for (const id of ids) {
      const row = finished.get(id)!;
      const entry = toEntry(fileOf.get(id)!, row);
      if (row.status === 'reported') {
        const text = await services.storage.getText(config.s3.resultsBucket, reportKey(row.objectKey));
        if (text === undefined) throw new Error(`report of ${entry.file} is missing from storage`);
        const report = JSON.parse(text) as Report;
        let stem = safeFileStem(report.callId);
        if (usedStems.has(stem)) stem = safeFileStem(`${report.callId}.${entry.file}`);
        usedStems.add(stem);
        await writeFile(path.join(outDir, `${stem}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
        const html = await services.storage.getText(config.s3.resultsBucket, reportHtmlKey(row.objectKey));
        if (html !== undefined) await writeFile(path.join(outDir, `${stem}.report.html`), html);
        Object.assign(entry, { callId: report.callId, score: report.score, flagged: report.flagged });
      }
      summary.push(entry);
    }
    await writeFile(path.join(outDir, 'summary.json'), `${JSON.stringify({ recordings: summary }, null, 2)}\n`);
    return { recordings: summary, wallSec: (Date.now() - started) / 1000 };
  } finally {
    await running.close();
    await closeQueues(queues);
    await services.close();
  }
}

function toEntry(file: string, row: RecordingRow): SummaryEntry {
  return row.status === 'reported'
    ? { file, status: 'reported', callId: row.callId ?? undefined }
    : { file, status: 'failed', callId: row.callId ?? undefined, reason: `${row.reasonCode}: ${row.reason}` };
}

/** Formats the summary as an aligned text table for the terminal. */
export function formatSummaryTable(entries: SummaryEntry[]): string {
  const rows = [['file', 'status', 'callId', 'score', 'flagged', 'reason']].concat(
    entries.map((e) => [e.file, e.status, e.callId ?? '', e.score?.toString() ?? '', e.flagged === undefined ? '' : e.flagged ? 'yes' : 'no', e.reason ?? '']),
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0))));
  return rows
    .map((r) =>
      r
        .map((cell, i) => {
          const w = [...cell].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
          return i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - w);
        })
        .join('  '),
    )
    .join('\n');
}
