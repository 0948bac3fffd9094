/**
 * `callqa rescore --from DATE --to DATE`: re-runs the rules with the active ruleset (saved with /rules or `callqa rules activate`, else the shipped file) on the transcripts
 * stored for reports of calls in a date range, through the analyze stage (pipeline/stages/analyze.ts) with
 * `rescore: true`. Each new report keeps `previous: { score, rulesetVersion, analyzedAt }`; the summary row
 * and findings are rewritten with `saveReportSummary` (reviewers' decisions on earlier findings stay, keyed
 * by the ruleset version that produced them).
 */
import { listReportsForRescore, saveReportSummary } from '../infra/db/reports-repository.js';
import type { Services } from '../infra/services.js';
import { reportSummary, runAnalyzeStage } from '../pipeline/stages/analyze.js';
import type { StageContext } from '../pipeline/stages/context.js';
import { transcriptKey } from '../pipeline/storage-keys.js';
import { activeRuleset } from '../infra/ruleset-store.js';

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (e.g. +8 h for Asia/Shanghai). */
function zoneOffsetMs(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/** Midnight at the start of a calendar date in `timeZone`. */
function startOfDay(y: number, m: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  return new Date(guess - zoneOffsetMs(new Date(first), timeZone));
}

/**
 * The time range `[from, to)` of `--from` / `--to`. A date `yyyy-mm-dd` means that calendar day in
 * `timeZone` (`--to` includes its whole day); an ISO 8601 time with an offset (or `Z`) is taken as is.
 *
 * @throws {Error} when a value is neither, or the range is empty
 */
export function parseRescoreRange(from: string, to: string, timeZone: string): { from: Date; to: Date } {
  const parse = (value: string, name: string, end: boolean): Date => {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (day) {
      const start = startOfDay(+day[1]!, +day[2]!, +day[3]!, timeZone);
      return end ? startOfDay(+day[1]!, +day[2]!, +day[3]! + 1, timeZone) : start;
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return new Date(value);
    throw new Error(`--${name} must be a date yyyy-mm-dd or an ISO 8601 time with an offset, got "${value}"`);
  };
  const range = { from: parse(from, 'from', false), to: parse(to, 'to', true) };
  if (!(range.from < range.to)) throw new Error(`empty range: --from ${from} is not before --to ${to}`);
  return range;
}

/** What {@link rescoreCommand} did. */
export interface RescoreResult {
  rescored: {
    recordingId: string;
    callId: string;
    before: { score: number; rulesetVersion: string } | undefined;
    score: number;
    rulesetVersion: string;
  }[];
  failed: { recordingId: string; callId: string; reason: string }[];
}

/**
 * Re-scores every report in the range (see {@link parseRescoreRange}; by `started_at`, or `analyzed_at` when
 * the call's start is unknown), one line per call on `out`, one per failure on `err`.
 *
 * @param centreNames names the greeting rule accepts (configuration)
 */
export async function rescoreCommand(
  services: Pick<Services, 'db' | 'storage' | 'config' | 'log'>,
  range: { from: Date; to: Date },
  centreNames: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<RescoreResult> {
  const { db, storage, config, log } = services;
  const ctx: StageContext = { storage, resultsBucket: config.s3.resultsBucket, workDir: config.workDir, log };
  const result: RescoreResult = { rescored: [], failed: [] };
  // The active ruleset (infra/ruleset-store.ts), once for the whole run.
  const ruleset = await activeRuleset(db);
  for (const t of await listReportsForRescore(db, range.from, range.to)) {
    try {
      const outcome = await runAnalyzeStage(
        ctx,
        { recordingId: t.recordingId, bucket: t.bucket, key: t.objectKey, etag: t.etag, size: t.sizeBytes },
        transcriptKey(t.objectKey),
        centreNames,
        { rescore: true, ruleset },
      );
      await saveReportSummary(db, reportSummary(t.recordingId, outcome, t.line ?? undefined));
      const { report } = outcome;
      const before = report.previous && { score: report.previous.score, rulesetVersion: report.previous.rulesetVersion };
      result.rescored.push({
        recordingId: t.recordingId,
        callId: report.callId,
        before,
        score: report.score,
        rulesetVersion: report.rulesetVersion,
      });
      out.write(
        `${report.callId}\tscore ${before ? `${before.score} → ` : ''}${report.score}\truleset ${before ? `${before.rulesetVersion} → ` : ''}${report.rulesetVersion}\t${report.flagged ? 'flagged' : 'ok'}\n`,
      );
    } catch (error) {
      const reason = (error as Error).message;
      result.failed.push({ recordingId: t.recordingId, callId: t.callId, reason });
      err.write(`callqa rescore: ${t.bucket}/${t.objectKey}: ${reason}\n`);
    }
  }
  out.write(`${result.rescored.length} reports rescored, ${result.failed.length} failed\n`);
  return result;
}
