/**
 * `callqa process DIR --out OUTDIR` (contract §3): the whole pipeline on a local folder of recordings,
 * through the same queues and stages as the nightly run. The recordings are uploaded to the process bucket
 * under content keys (a local S3 server is started when none is configured), queued, processed by
 * in-process workers for every stage, and the reports and transcripts are copied to OUTDIR with a summary
 * that has one entry per entry of DIR.
 *
 * A run uses queues of its own (the configured queue prefix + `-process-<run id>`, removed afterwards) and
 * its own bucket (`S3_PROCESS_BUCKET`), so it neither takes jobs of the nightly workers nor shows up in the
 * nightly `status` and `retry`. Running the same folder again reuses the earlier reports.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../infra/config.js';
import { getRecordings, markRecordingFailed, type RecordingRow } from '../infra/db/recordings-repository.js';
import type { Pool } from '../infra/db/pool.js';
import type { Logger } from '../infra/logger.js';
import type { ObjectStorage } from '../infra/object-storage.js';
import { openServices } from '../infra/services.js';
import {
  METADATA_SUFFIX,
  recordingId,
  reportHtmlKey,
  reportKey,
  sidecarOf,
  TRANSCRIPT_SIDECAR_SUFFIX,
  transcriptKey,
} from '../pipeline/storage-keys.js';
import type { RecordingRef } from '../pipeline/stages/context.js';
import type { Report } from '../domain/report.js';
import { queueNewRecordings, requeueRecordings } from '../workers/enqueue.js';
import { closeQueues, openQueues, STAGES, type Queues } from '../workers/queues.js';
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
  /** One entry per entry of DIR (sidecars aside), sorted by file name. */
  recordings: SummaryEntry[];
  wallSec: number;
  /** True when the run was stopped by its AbortSignal. */
  interrupted: boolean;
}

/** Longest output file stem in UTF-8 bytes: file systems take 255 bytes a name, and `-NN.transcript.json` follows. */
const MAX_STEM_BYTES = 200;

/** Makes a call id safe as a file name: no path separators or control characters, at most 200 UTF-8 bytes. */
export function safeFileStem(callId: string): string {
  // eslint-disable-next-line no-control-regex -- control characters never reach a file name
  let stem = callId.replace(/[/\\\x00-\x1f]/g, '_').replace(/^\.+/, '_');
  while (Buffer.byteLength(stem) > MAX_STEM_BYTES) stem = [...stem].slice(0, -1).join('');
  return stem.length ? stem : '_';
}

/** Output file stems for call ids: safe, and distinct even when call ids repeat or only differ after 180 characters. */
export function uniqueStems(callIds: string[]): string[] {
  const used = new Set<string>();
  return callIds.map((callId) => {
    const base = safeFileStem(callId);
    let stem = base;
    for (let n = 2; used.has(stem); n += 1) stem = `${base}-${n}`;
    used.add(stem);
    return stem;
  });
}

/**
 * A file name as shown in summaries, logs and reasons: the name itself when it is UTF-8; otherwise each byte
 * that is not part of valid UTF-8 as `\xNN` (a GBK-encoded `张三.wav` shows as `\xd5\xc5\xc8\xfd.wav`).
 * A backslash in a name shows as `\\`, so two different names never show the same.
 */
export function displayFileName(name: Buffer): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const b = name[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    const chunk = len ? name.subarray(i, i + len) : undefined;
    const text = chunk && chunk.length === len ? decodeStrict(chunk) : undefined;
    if (text === undefined) {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += text === '\\' ? '\\\\' : text;
      i += len;
    }
  }
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
function decodeStrict(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** An entry of DIR: its name as the bytes the file system holds, and as shown ({@link displayFileName}). */
export interface FolderEntry {
  name: Buffer;
  display: string;
}

/** How the entries of DIR are taken. File names are shown with {@link displayFileName}. */
export interface FolderPlan {
  /** Recordings with the sidecars found beside them. */
  recordings: { file: string; metadata?: string; transcript?: string }[];
  /** Entries that are not processed, each with the reason (they still appear in summary.json). */
  skipped: SummaryEntry[];
  /** The bytes of each name shown in `recordings` (what to open). */
  names: Map<string, Buffer>;
}

/** `dir` + `/` + `name`, as a Buffer path (names that are not UTF-8 stay byte for byte). */
export function entryPath(dir: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(path.resolve(dir) + path.sep), name]);
}

/**
 * Sorts the entries of a folder into recordings and their sidecars (`<file>.json` metadata,
 * `<file>.transcript.json` transcript). Names are read as bytes, so names that are not UTF-8 (e.g. GBK)
 * are opened as they are. A symbolic link is followed only when it leads to a file inside DIR: a link out
 * of the folder (e.g. to /etc/passwd, or to audio elsewhere) is not read and is listed as `not_a_file`. A
 * `.json` file without its recording, a sub-folder, a named pipe or a broken link is not processed and is
 * listed with the reason.
 *
 * @throws {Error} `DIR: no such folder` / `not a folder` / the system's reason when DIR cannot be read
 */
export async function planFolder(dir: string): Promise<FolderPlan> {
  let raw: Buffer[];
  let root: string;
  try {
    raw = await readdir(dir, { encoding: 'buffer' });
    root = await realpath(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (error as Error).message}`);
  }
  const entries: FolderEntry[] = raw
    .map((name) => ({ name, display: displayFileName(name) }))
    .sort((a, b) => Buffer.compare(a.name, b.name));
  const skipped: SummaryEntry[] = [];
  const files = new Set<string>();
  const names = new Map<string, Buffer>();
  for (const { name, display } of entries) {
    const full = entryPath(dir, name);
    try {
      if ((await lstat(full)).isSymbolicLink()) {
        const target = await realpath(full);
        if (!target.startsWith(root + path.sep)) {
          skipped.push({ file: display, status: 'failed', reason: `not_a_file: ${display} is a link out of the folder (not followed)` });
          continue;
        }
      }
      const info = await stat(full);
      if (info.isFile()) {
        files.add(display);
        names.set(display, name);
      } else
        skipped.push({
          file: display,
          status: 'failed',
          reason: `not_a_file: ${display} is ${info.isDirectory() ? 'a folder' : 'not a regular file (pipe, socket or device)'}`,
        });
    } catch (error) {
      skipped.push({
        file: display,
        status: 'failed',
        reason: `unreadable: ${display}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'a link to nothing' : (error as Error).message}`,
      });
    }
  }
  const recordings: FolderPlan['recordings'] = [];
  for (const name of files) {
    if (sidecarOf(name, (n) => files.has(n)) !== undefined) continue;
    if (name.endsWith(METADATA_SUFFIX)) {
      const described = name.endsWith(TRANSCRIPT_SIDECAR_SUFFIX)
        ? `a transcript sidecar, but ${name.slice(0, -TRANSCRIPT_SIDECAR_SUFFIX.length)} is not in the folder`
        : `a JSON file, not a recording, and ${name.slice(0, -METADATA_SUFFIX.length)} is not in the folder for it to describe`;
      skipped.push({
        file: name,
        status: 'failed',
        reason: `not_a_recording: ${name} is ${described} (sidecars are named <recording>.json or <recording>${TRANSCRIPT_SIDECAR_SUFFIX})`,
      });
      continue;
    }
    const metadata = files.has(name + METADATA_SUFFIX) ? name + METADATA_SUFFIX : undefined;
    const transcript = files.has(name + TRANSCRIPT_SIDECAR_SUFFIX) ? name + TRANSCRIPT_SIDECAR_SUFFIX : undefined;
    recordings.push({ file: name, metadata, transcript });
  }
  return { recordings, skipped, names };
}

/** Where `process` keeps local folders' recordings in the process bucket. */
const LOCAL_PREFIX = 'local/';

/**
 * The object name of a recording from a local folder: sha-256 (hex, 40 characters) over its file name, its
 * bytes and its sidecars' bytes. Running the same folder again finds the same objects, so each recording is
 * processed once; a changed file or sidecar is a new recording.
 */
async function contentKey(dir: string, plan: FolderPlan, rec: FolderPlan['recordings'][number]): Promise<string> {
  const open = (display: string) => entryPath(dir, plan.names.get(display)!);
  const hash = createHash('sha256').update(plan.names.get(rec.file)!).update('\0');
  for await (const chunk of createReadStream(open(rec.file))) hash.update(chunk as Buffer);
  for (const sidecar of [rec.metadata, rec.transcript]) {
    hash.update('\0');
    if (sidecar) hash.update(await readFile(open(sidecar)));
  }
  return hash.digest('hex').slice(0, 40);
}

/** Options of {@link processFolder}. */
export interface ProcessOptions {
  /** Called whenever a recording reaches `reported` or `failed`. */
  onProgress?: (done: number, total: number, entry: SummaryEntry) => void;
  /** Aborting stops the run: running child processes are killed, unfinished recordings are listed as `interrupted`. */
  signal?: AbortSignal;
}

/**
 * Runs the pipeline on every recording in `dir` and writes `<callId>.report.json`, `.report.html` and
 * `.transcript.json` per reported recording and `summary.json` (one entry per entry of DIR) to `outDir`.
 *
 * Recordings are uploaded under content keys (`local/<sha-256 of name, bytes and sidecars><ext>`, see
 * {@link contentKey}), so no file name, however long or odd, becomes part of an object key, and a file
 * processed before is not processed again; the file name travels as the object's `original-name` metadata
 * and gives the call id when no metadata sidecar does. Each recording is queued as soon as it is uploaded,
 * so the pipeline starts on the first file while the rest of the folder is still hashed and uploaded.
 *
 * @throws {Error} when the run itself cannot complete (Redis, PostgreSQL or storage unreachable, DIR or
 *   OUTDIR unusable)
 */
export async function processFolder(
  baseConfig: Config,
  log: Logger,
  dir: string,
  outDir: string,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const started = Date.now();
  const runId = randomUUID();
  const config: Config = {
    ...baseConfig,
    queuePrefix: `${baseConfig.queuePrefix}-process-${runId.slice(0, 8)}`,
    s3: { ...baseConfig.s3, recordingsBucket: baseConfig.s3.processBucket },
  };
  const plan = await planFolder(dir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new Error(
      `${outDir}: cannot be used as the output folder: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file of that name exists' : (error as Error).message}`,
    );
  }
  const services = await openServices(config, log, { allowLocalS3: true });
  const queues = openQueues(services.redis, config);
  const running = startWorkers({ services, queues }, STAGES);
  try {
    const bucket = config.s3.recordingsBucket;
    const recs: RecordingRef[] = [];
    const fileOf = new Map<string, string>();
    // Each recording is queued as soon as it is uploaded, so the workers start on the first file while the
    // others are hashed and uploaded (on a 2-core machine that upload work otherwise leaves a core idle).
    for (const rec of plan.recordings) {
      const ext = path.extname(rec.file).toLowerCase();
      const key = `${LOCAL_PREFIX}${await contentKey(dir, plan, rec)}${/^\.[a-z0-9]{1,8}$/.test(ext) ? ext : ''}`;
      const local = (display: string) => entryPath(dir, plan.names.get(display)!);
      await services.storage.putFile(bucket, key, local(rec.file), 'application/octet-stream', {
        'original-name': encodeURIComponent(rec.file),
      });
      if (rec.metadata) await services.storage.putFile(bucket, key + METADATA_SUFFIX, local(rec.metadata), 'application/json');
      if (rec.transcript)
        await services.storage.putFile(bucket, key + TRANSCRIPT_SIDECAR_SUFFIX, local(rec.transcript), 'application/json');
      const stored = await services.storage.stat(bucket, key);
      if (!stored) throw new Error(`${rec.file}: the upload to ${bucket} did not arrive`);
      const ref: RecordingRef = {
        recordingId: recordingId(bucket, key, stored.etag),
        bucket,
        key,
        etag: stored.etag,
        size: stored.size,
        originalName: rec.file,
      };
      const seen = fileOf.has(ref.recordingId);
      recs.push(ref);
      fileOf.set(ref.recordingId, rec.file);
      if (!seen) await queueRecording({ db: services.db, queues, storage: services.storage }, ref, config.s3.resultsBucket);
    }
    const entryOf = (row: RecordingRow) => toEntry(fileOf.get(row.id)!, row);
    const ids = [...new Set(recs.map((r) => r.recordingId))];
    const total = ids.length + plan.skipped.length;
    plan.skipped.forEach((entry, i) => options.onProgress?.(i + 1, total, entry));

    const finished = new Map<string, RecordingRow>();
    while (finished.size < ids.length && !options.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const row of await getRecordings(
        services.db,
        ids.filter((id) => !finished.has(id)),
      )) {
        if (row.status !== 'reported' && row.status !== 'failed') continue;
        finished.set(row.id, row);
        options.onProgress?.(plan.skipped.length + finished.size, total, entryOf(row));
      }
    }
    if (options.signal?.aborted) {
      await running.close(); // kills running ffmpeg / whisper.cpp and hands their jobs back
      for (const id of ids.filter((i) => !finished.has(i))) {
        await markRecordingFailed(services.db, id, 'process', 'interrupted', 'the run was interrupted before this recording finished');
      }
      for (const row of await getRecordings(
        services.db,
        ids.filter((id) => !finished.has(id)),
      ))
        finished.set(row.id, row);
    }

    const reports: { entry: SummaryEntry; row: RecordingRow; report: Report }[] = [];
    const summary: SummaryEntry[] = [];
    for (const id of ids) {
      const row = finished.get(id)!;
      const entry = entryOf(row);
      if (row.status === 'failed' && row.reasonCode !== 'interrupted') {
        // A rejected file's content does not stay in the process bucket (an interrupted one is kept for the next run).
        await services.storage.remove(bucket, [row.objectKey, row.objectKey + METADATA_SUFFIX, row.objectKey + TRANSCRIPT_SIDECAR_SUFFIX]);
      }
      if (row.status === 'reported') {
        const text = await services.storage.getText(config.s3.resultsBucket, reportKey(row.objectKey));
        if (text === undefined) throw new Error(`report of ${entry.file} is missing from storage`);
        const report = JSON.parse(text) as Report;
        Object.assign(entry, { callId: report.callId, score: report.score, flagged: report.flagged, reviewReasons: report.reviewReasons });
        reports.push({ entry, row, report });
      }
      summary.push(entry);
    }
    const stems = uniqueStems(reports.map((r) => r.report.callId));
    for (const [i, { row, report }] of reports.entries()) {
      const stem = stems[i]!;
      await writeFile(path.join(outDir, `${stem}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
      const html = await services.storage.getText(config.s3.resultsBucket, reportHtmlKey(row.objectKey));
      if (html !== undefined) await writeFile(path.join(outDir, `${stem}.report.html`), html);
      const transcript = await services.storage.getText(config.s3.resultsBucket, transcriptKey(row.objectKey));
      if (transcript !== undefined) await writeFile(path.join(outDir, `${stem}.transcript.json`), transcript);
    }
    const recordings = [...summary, ...plan.skipped].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    await writeFile(path.join(outDir, 'summary.json'), `${JSON.stringify({ recordings }, null, 2)}\n`);
    return { recordings, wallSec: (Date.now() - started) / 1000, interrupted: options.signal?.aborted ?? false };
  } finally {
    await running.close();
    await Promise.all(STAGES.map((s) => queues[s].obliterate({ force: true }).catch(() => undefined)));
    await closeQueues(queues);
    await services.close();
  }
}

/**
 * Queues one uploaded recording for the pipeline. A recording processed before (same name, bytes and sidecars)
 * is not processed again, unless that run did not finish it or its report is gone from `resultsBucket`.
 */
async function queueRecording(
  deps: { db: Pool; queues: Queues; storage: ObjectStorage },
  rec: RecordingRef,
  resultsBucket: string,
): Promise<void> {
  if ((await queueNewRecordings(deps, [rec])).length) return;
  const [row] = await getRecordings(deps.db, [rec.recordingId]);
  const reportKept = row?.status === 'reported' && (await deps.storage.stat(resultsBucket, reportKey(rec.key))) !== undefined;
  if (!reportKept) await requeueRecordings(deps, [rec]);
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
  const widths = rows[0]!.map((_, i) =>
    Math.max(...rows.map((r) => [...r[i]!].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0))),
  );
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
