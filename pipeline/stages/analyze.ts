/**
 * Analyze stage: score the stored transcript with the ruleset and store the report as JSON and as a
 * readable HTML page. The caller (queue layer) writes the summary row to PostgreSQL.
 */
import { analyzeTranscript } from '../../rules/analyze.js';
import type { Report } from '../../rules/report.js';
import { parseTranscriptText } from '../transcript.js';
import { renderReportHtml } from '../report/render-html.js';
import { reportHtmlKey, reportKey } from '../storage-keys.js';
import type { RecordingRef, StageContext } from './context.js';

/** Result of {@link runAnalyzeStage}. */
export interface AnalyzeOutcome {
  report: Report;
  reportKey: string;
  reportHtmlKey: string;
  /** True when a report for this recording version and ruleset version already existed and was kept. */
  reused: boolean;
}

/**
 * Runs the analyze stage for one recording.
 *
 * @param transcriptObjectKey key of the transcript in the results bucket
 * @param centreNames names the greeting rule accepts (configuration)
 * @throws {BadInputError} the stored transcript is not valid (code `invalid_transcript`)
 * @throws {Error} when the transcript is missing or storage fails (the queue retries)
 */
export async function runAnalyzeStage(
  ctx: StageContext,
  rec: RecordingRef,
  transcriptObjectKey: string,
  centreNames: string[],
): Promise<AnalyzeOutcome> {
  const jsonKey = reportKey(rec.key);
  const htmlKey = reportHtmlKey(rec.key);
  const text = await ctx.storage.getText(ctx.resultsBucket, transcriptObjectKey);
  if (text === undefined) throw new Error(`transcript ${ctx.resultsBucket}/${transcriptObjectKey} is missing`);
  const transcript = parseTranscriptText(text, `${ctx.resultsBucket}/${transcriptObjectKey}`);

  const report: Report = {
    ...analyzeTranscript(transcript, { centreNames }),
    transcriptSource: transcript.source,
    recording: { bucket: rec.bucket, key: rec.key, etag: rec.etag },
  };
  const previousText = await ctx.storage.getText(ctx.resultsBucket, jsonKey);
  if (previousText !== undefined) {
    const previous = JSON.parse(previousText) as Report;
    if (previous.recording?.etag === rec.etag && previous.rulesetVersion === report.rulesetVersion) {
      return { report: previous, reportKey: jsonKey, reportHtmlKey: htmlKey, reused: true };
    }
  }
  await ctx.storage.putJson(ctx.resultsBucket, jsonKey, report);
  await ctx.storage.putText(ctx.resultsBucket, htmlKey, renderReportHtml(report, transcript), 'text/html; charset=utf-8');
  return { report, reportKey: jsonKey, reportHtmlKey: htmlKey, reused: false };
}
