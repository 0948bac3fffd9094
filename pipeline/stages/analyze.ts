/**
 * Analyze stage: score the stored transcript with the ruleset and store the report as JSON and as a
 * readable HTML page. The caller (queue layer) writes the summary row to PostgreSQL.
 */
import { analyzeTranscript } from '../../rules/analyze.js';
import type { ReportSummary } from '../../infra/db/reports-repository.js';
import type { Report } from '../../domain/report.js';
import { defaultRuleset, type Ruleset } from '../../rules/ruleset.js';
import { renderReportHtml } from '../report/render-html.js';
import { reportHtmlKey, reportKey } from '../storage-keys.js';
import type { RecordingRef, StageContext } from './context.js';
import { parseStoredTranscript } from './stored-output.js';

/** Result of {@link runAnalyzeStage}. */
export interface AnalyzeOutcome {
  report: Report;
  reportKey: string;
  reportHtmlKey: string;
  /** True when a report for this recording version and ruleset version already existed and was kept. */
  reused: boolean;
  /** The transcript's utterances, one per line (for the review queue's text search). */
  transcriptText: string;
}

/** Options of {@link runAnalyzeStage}. */
export interface AnalyzeStageOptions {
  /**
   * Re-score even when a report for this recording version and ruleset version exists (`callqa rescore`); the
   * new report keeps the replaced one's score, ruleset version and analysis time as `previous`.
   */
  rescore?: boolean;
  /**
   * The ruleset to score with: the active one (`activeRuleset` in infra/ruleset-store.ts) in the workers and
   * `callqa rescore`; default the shipped file (`defaultRuleset()`).
   */
  ruleset?: Ruleset;
}

/**
 * Runs the analyze stage for one recording.
 *
 * @param transcriptObjectKey key of the transcript in the results bucket
 * @param centreNames names the greeting rule accepts (configuration)
 * @param options see {@link AnalyzeStageOptions}
 * @throws {BadInputError} the stored transcript is not valid (code `invalid_transcript`)
 * @throws {Error} when the transcript is missing or storage fails (the queue retries)
 */
export async function runAnalyzeStage(
  ctx: StageContext,
  rec: RecordingRef,
  transcriptObjectKey: string,
  centreNames: string[],
  options: AnalyzeStageOptions = {},
): Promise<AnalyzeOutcome> {
  const jsonKey = reportKey(rec.key);
  const htmlKey = reportHtmlKey(rec.key);
  const text = await ctx.storage.getText(ctx.resultsBucket, transcriptObjectKey);
  if (text === undefined) throw new Error(`transcript ${ctx.resultsBucket}/${transcriptObjectKey} is missing`);
  const transcript = parseStoredTranscript(text, `${ctx.resultsBucket}/${transcriptObjectKey}`);
  const transcriptText = transcript.segments.map((s) => s.text).join('\n');

  const ruleset = options.ruleset ?? defaultRuleset();
  const previous = await readStoredReport(ctx, jsonKey);
  // A report of this recording version by this ruleset version, beside its page, stands: no need to score again.
  if (
    previous &&
    !options.rescore &&
    previous.recording?.etag === rec.etag &&
    previous.rulesetVersion === ruleset.version &&
    (await ctx.storage.stat(ctx.resultsBucket, htmlKey))
  ) {
    return { report: previous, reportKey: jsonKey, reportHtmlKey: htmlKey, reused: true, transcriptText };
  }
  const report: Report = {
    ...analyzeTranscript(transcript, { centreNames, ruleset }),
    transcriptSource: transcript.source,
    recording: { bucket: rec.bucket, key: rec.key, etag: rec.etag },
  };
  if (previous && options.rescore) {
    report.previous = { score: previous.score, rulesetVersion: previous.rulesetVersion, analyzedAt: previous.analyzedAt };
  }
  // Written as a set: the page first, the JSON last, so a report JSON exists only beside its page and a run
  // cut off in between is done again (a report is reused only when both exist).
  await ctx.storage.putText(ctx.resultsBucket, htmlKey, renderReportHtml(report, transcript), 'text/html; charset=utf-8');
  await ctx.storage.putJson(ctx.resultsBucket, jsonKey, report);
  return { report, reportKey: jsonKey, reportHtmlKey: htmlKey, reused: false, transcriptText };
}

/** The report stored under `key`, or `undefined` when there is none or it is unreadable (an interrupted write). */
async function readStoredReport(ctx: StageContext, key: string): Promise<Report | undefined> {
  const text = await ctx.storage.getText(ctx.resultsBucket, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Report;
  } catch (error) {
    ctx.log.warn({ key, err: (error as Error).message }, 'stored report is unreadable (an interrupted write?): analysing again');
    return undefined;
  }
}

/**
 * The summary row and finding rows of an analysed recording, as `saveReportSummary` stores them: rule
 * statuses, banned-phrase ids found, and every finding with its position (`ordinal`) in its rule's list.
 *
 * @param line phone line / department from the call metadata
 */
export function reportSummary(recordingId: string, outcome: AnalyzeOutcome, line: string | undefined): ReportSummary {
  const { report } = outcome;
  return {
    recordingId,
    callId: report.callId,
    agentId: report.agentId,
    startedAt: report.startedAt,
    durationSec: report.durationSec,
    score: report.score,
    flagged: report.flagged,
    rulesetVersion: report.rulesetVersion,
    ruleStatuses: Object.fromEntries(report.rules.map((r) => [r.id, r.status])),
    bannedPhrases: [...new Set(report.rules.find((r) => r.id === 'banned_phrase')?.findings.map((f) => f.phraseId ?? '') ?? [])].filter(
      Boolean,
    ),
    transcriptKind: report.transcriptSource?.kind,
    reportKey: outcome.reportKey,
    analyzedAt: report.analyzedAt,
    line,
    findings: report.rules.flatMap((r) =>
      r.findings.map((f, ordinal) => ({
        ruleId: r.id,
        ordinal,
        phraseId: f.phraseId,
        start: f.start,
        end: f.end,
        speaker: f.speaker,
        text: f.text,
        confidence: f.confidence,
        needsReview: f.needsReview,
      })),
    ),
    transcriptText: outcome.transcriptText,
  };
}
