/**
 * The initial prompt given to ASR engines that take one (whisper.cpp `--prompt`). It lives beside the
 * transcript clean-up because the clean-up must recognise the prompt when the decoder echoes it back
 * (`text/transcript-cleanup.ts`, step 4): both the transcription stage and the rules derive it from here.
 */
import { toSimplified } from './normalize.js';

/**
 * A Simplified Chinese initial prompt that names the centre, so the decoder leans to Simplified characters,
 * telephone-service wording and the centre's name. E.g. for `['县婚姻登记中心']`:
 * `您好，县婚姻登记中心，请讲。以下是普通话的政务服务热线电话录音。`
 *
 * Names are converted to Simplified, trimmed, de-duplicated and at most 3 are used (joined with `、`), since
 * whisper keeps only the last n_text_ctx/2 = 224 prompt tokens and a long prompt would push the greeting out.
 *
 * @param centreNames the centre's names as callers hear them (from configuration); may be empty
 */
export function initialPrompt(centreNames: string[]): string {
  const names = [...new Set(centreNames.map((n) => toSimplified(n.trim())).filter((n) => n !== ''))].slice(0, 3);
  const greeting = names.length ? `您好，${names.join('、')}，请讲。` : '您好，请讲。';
  return `${greeting}以下是普通话的政务服务热线电话录音。`;
}
