/**
 * `callqa process DIR --out OUTDIR` (contract §3): the whole pipeline on a local folder of recordings,
 * through the same queues and stages as the nightly run. The folder is uploaded under a fresh prefix of
 * the process bucket (a local S3 server is started when none is configured), scanned, processed by
 * in-process workers for every stage, and the reports and transcripts are copied to OUTDIR with a summary.
 *
 * A run uses queues of its own (the configured queue prefix + `-process-<run id>`, removed afterwards) and
 * its own bucket (`S3_PROCESS_BUCKET`), so it neither takes jobs of the nightly workers nor shows up in the
 * nightly `status` and `retry`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../infra/config.js';
import { getRecordings, type RecordingRow } from '../infra/database.js';
import type { Logger } from '../infra/logger.js';
import { openServices } from '../infra/services.js';
import { reportHtmlKey, reportKey, transcriptKey } from '../pipeline/storage-keys.js';
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
  /** Why a reported call is flagged (`rule_failed`, `finding_needs_review`, `no_agent_speech`). */
  reviewReasons?: string[];
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
  baseConfig: Config,
  log: Logger,
  dir: string,
  outDir: string,
  onProgress?: (done: number, total: number, entry: SummaryEntry) => void,
): Promise<ProcessResult> {
  const started = Date.now();
  const runId = randomUUID();
  const config: Config = {
    ...baseConfig,
    queuePrefix: `${baseConfig.queuePrefix}-process-${runId.slice(0, 8)}`,
    s3: { ...baseConfig.s3, recordingsBucket: baseConfig.s3.processBucket },
  };
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (error as Error).message}`);
  }
  await mkdir(outDir, { recursive: true });
  const services = await openServices(config, log, { allowLocalS3: true });
  const queues = openQueues(services.redis, config);
  const running = startWorkers({ services, queues }, STAGES);
  try {
    const bucket = config.s3.recordingsBucket;
    const prefix = `${new Date().toISOString().slice(0, 10)}/${runId}/`;
    for (const name of entries) {
      await services.storage.putFile(bucket, prefix + name, path.join(dir, name));
    }
    const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket, prefix);
    const fileOf = new Map(scan.recordings.map((r) => [r.recordingId, r.key.slice(prefix.length)]));
    const entryOf = (row: RecordingRow) => toEntry(fileOf.get(row.id)!, row);
    const ids = scan.recordings.map((r) => r.recordingId);

    const finished = new Map<string, RecordingRow>();
    while (finished.size < ids.length) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const row of await getRecordings(services.db, ids.filter((id) => !finished.has(id)))) {
        if (row.status !== 'reported' && row.status !== 'failed') continue;
        finished.set(row.id, row);
        onProgress?.(finished.size, ids.length, entryOf(row));
      }
    }

    const summary: SummaryEntry[] = [];
    const usedStems = new Set<string>();
    for (const id of ids) {
      const row = finished.get(id)!;
      const entry = entryOf(row);
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
        const transcript = await services.storage.getText(config.s3.resultsBucket, transcriptKey(row.objectKey));
        if (transcript !== undefined) await writeFile(path.join(outDir, `${stem}.transcript.json`), transcript);
        Object.assign(entry, { callId: report.callId, score: report.score, flagged: report.flagged, reviewReasons: report.reviewReasons });
      }
      summary.push(entry);
    }
    await writeFile(path.join(outDir, 'summary.json'), `${JSON.stringify({ recordings: summary }, null, 2)}\n`);
    return { recordings: summary, wallSec: (Date.now() - started) / 1000 };
  } finally {
    await running.close();
    await Promise.all(STAGES.map((s) => queues[s].obliterate({ force: true }).catch(() => undefined)));
    await closeQueues(queues);
    await services.close();
  }
}

/** The summary entry of a finished recording; the reason names the file, not its storage key. */
function toEntry(file: string, row: RecordingRow): SummaryEntry {
  if (row.status === 'reported') return { file, status: 'reported', callId: row.callId ?? undefined };
  const reason = (row.reason ?? '').replaceAll(`${row.bucket}/${row.objectKey}`, file);
  return { file, status: 'failed', callId: row.callId ?? undefined, reason: `${row.reasonCode}: ${reason}` };
}

/** Formats the summary as an aligned text table for the terminal. */
export function formatSummaryTable(entries: SummaryEntry[]): string {
  const rows = [['file', 'status', 'callId', 'score', 'flagged', 'reason']].concat(
    entries.map((e) => [
      e.file,
      e.status,
      e.callId ?? '',
      e.score?.toString() ?? '',
      e.flagged === undefined ? '' : e.flagged ? 'yes' : 'no',
      e.reason ?? e.reviewReasons?.join(', ') ?? '',
    ]),
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
