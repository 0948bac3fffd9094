/**
 * Reading back what a stage wrote earlier, to skip work that is done. Such an object is the pipeline's own
 * output, not input: when it cannot be parsed (a write cut off by an outage can leave a partial object on
 * some S3 servers), it counts as not written and the stage does its work again, overwriting it — it is never
 * reported as the recording's bad input (issue 10).
 */
import { BadInputError, isBadInput } from '../../domain/errors.js';
import { parseTranscript, type Transcript } from '../../domain/transcript.js';
import type { StageContext } from './context.js';

/**
 * Parses a transcript the pipeline wrote (schema checks only: the limits on outside input in
 * domain/json-input.ts were applied when its sidecar arrived, and ASR text is the pipeline's own).
 *
 * @throws {BadInputError} `invalid_transcript` when the text is not JSON or not a transcript
 */
export function parseStoredTranscript(text: string, source: string): Transcript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError('invalid_transcript', `${source}: not JSON: ${(error as Error).message}`);
  }
  return parseTranscript(value, source);
}

/**
 * The transcript stored under `key` in the results bucket, or `undefined` when there is none or it is
 * unreadable (logged).
 */
export async function readStoredTranscript(ctx: StageContext, key: string): Promise<Transcript | undefined> {
  const text = await ctx.storage.getText(ctx.resultsBucket, key);
  if (text === undefined) return undefined;
  try {
    return parseStoredTranscript(text, `${ctx.resultsBucket}/${key}`);
  } catch (error) {
    if (!isBadInput(error)) throw error;
    ctx.log.warn({ key, err: error.message }, 'stored transcript is unreadable (an interrupted write?): doing the stage again');
    return undefined;
  }
}
