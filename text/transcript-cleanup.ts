/**
 * The one clean-up of transcript text, whatever its source (issue 9, part 2): the transcription stage runs
 * it on each channel's raw ASR segments ({@link postprocessSegments}); the prepare stage runs it on a
 * `.transcript.json` sidecar and `analyzeTranscript` on every transcript it scores
 * ({@link cleanTranscriptSegments}), so that text ASR invented never satisfies or breaks a rule:
 *
 * 1. Traditional → Simplified (whisper often writes Traditional for Mandarin).
 * 2. Non-speech labels (`[音乐]`, `(掌声)`, `(音乐播放中)`, `[BLANK_AUDIO]`, `♪`) removed; a segment of labels
 *    only is dropped.
 * 3. Known hallucinations ({@link HALLUCINATIONS}: subtitle credits, "谢谢观看"-style outros) removed — credit
 *    lines wherever they are, outro lines when they are a whole clause, so an invented tail
 *    ("…你去问民政局。谢谢观看") goes and the rest is still judged; a segment that is an outro followed by a
 *    farewell ("谢谢观看 再见") goes whole, so the invented 再见 is no caller's goodbye.
 * 4. The ASR initial prompt echoed back (whisper repeats its `--prompt` on silence): a clause that is a piece
 *    of the prompt reaching into its description (≥ {@link ECHO_MIN_CHARS} characters), or that holds
 *    {@link ECHO_LONG_CHARS} characters of the description, marks an echo; then every clause of that segment
 *    that is part of the prompt goes. The greeting part alone, which an agent really says, is never an echo,
 *    nor is a real name sharing a few words with the description ("12345政务服务热线中心").
 * 5. Empty segments dropped; times clamped to [0, durationSec], reversed times fixed.
 * 6. Runs of consecutive identical segments (decoder loops) collapsed into one segment flagged
 *    `decoder_loop`; a segment that is one phrase repeated many times is cut to one copy, flagged too.
 *
 * Everything removed is reported in `dropped`, for the log and the report.
 */
import { hasTraditional, toSimplified } from './normalize.js';
import type { Segment, SegmentFlag } from '../domain/transcript.js';

/** A segment as produced by whisper.ts (`RawSegment`): times in seconds. */
export interface AsrSegment {
  start: number;
  end: number;
  text: string;
  /** 0..1 */
  confidence?: number;
}

/** A cleaned segment: Simplified text, clamped times, optional flags. */
export interface CleanSegment extends AsrSegment {
  flags?: SegmentFlag[];
}

/** Why a segment (or part of it) was removed. */
export type DropReason = 'hallucination' | 'non_speech_label' | 'empty' | 'decoder_loop' | 'prompt_echo';

/** One removal, for the log and the report. Times in seconds (after clamping). */
export interface DroppedSegment {
  start: number;
  end: number;
  /** The removed text (Simplified). For `decoder_loop`: the text of one removed repetition. */
  text: string;
  reason: DropReason;
  /** Id of the {@link HALLUCINATIONS} entry that matched, for `hallucination`. */
  patternId?: string;
  /** True when only part of the segment was removed and the rest was kept. */
  partial?: boolean;
  /** For `decoder_loop`: how many repetitions were folded into the kept segment (besides the kept one). */
  count?: number;
}

/** Result of {@link postprocessSegments}. */
export interface PostprocessResult {
  /** Cleaned segments in input order (sorted by start when the input was). */
  segments: CleanSegment[];
  dropped: DroppedSegment[];
}

/** One known whisper hallucination. */
export interface HallucinationPattern {
  id: string;
  /** The phrase in Simplified Chinese. Matched ignoring spaces and punctuation between its characters. */
  phrase: string;
  /**
   * `anywhere`: the phrase is removed wherever it occurs (unmistakable credit lines, never said on a call);
   * `whole`: the segment is dropped only when it is exactly this phrase (outros like 谢谢观看 that a person
   * could conceivably say inside a longer sentence).
   */
  match: 'anywhere' | 'whole';
}

/**
 * Phrases whisper invents on silence and noise in Chinese. Sources: whisper was trained on subtitled video, and
 * on silence emits the subtitle credits and channel outros of its training data; the lines below are the ones
 * reported for Mandarin, e.g. in https://github.com/dyphire/mpv-sub-fastwhisper/issues/9 (明镜与点点, YoYo
 * lines, observed with faster-whisper large-v3) and widely in whisper / whisper.cpp issue threads
 * (Amara.org credits), plus this project's own list of outro lines from the brief ("谢谢观看" and similar).
 * Add lines as they are observed on real recordings; keep each with the shortest unambiguous wording.
 */
export const HALLUCINATIONS: readonly HallucinationPattern[] = Object.freeze([
  { id: 'amara_credit', phrase: '字幕由Amara.org社区提供', match: 'anywhere' },
  { id: 'amara_credit_small', phrase: '小编字幕由Amara.org社区提供', match: 'anywhere' },
  { id: 'amara_credit_tw', phrase: '由Amara.org社群提供的字幕', match: 'anywhere' },
  { id: 'amara_any', phrase: 'Amara.org', match: 'anywhere' },
  { id: 'mingjing_like', phrase: '请不吝点赞订阅转发打赏支持明镜与点点栏目', match: 'anywhere' },
  { id: 'mingjing_like_2', phrase: '请不吝赐赞订阅转发打赏支持明镜与点点栏目', match: 'anywhere' },
  { id: 'mingjing_support', phrase: '明镜需要您的支持欢迎收看订阅明镜', match: 'anywhere' },
  { id: 'mingjing_support_2', phrase: '明镜需要您的支持欢迎订阅明镜', match: 'anywhere' },
  { id: 'mingjing_column', phrase: '明镜与点点栏目', match: 'anywhere' },
  { id: 'mingjing_subscribe', phrase: '欢迎订阅明镜', match: 'anywhere' },
  { id: 'yoyo_theatre', phrase: '优优独播剧场YoYo Television Series Exclusive', match: 'anywhere' },
  { id: 'yoyo_theatre_cn', phrase: '优优独播剧场', match: 'anywhere' },
  { id: 'subtitle_volunteer', phrase: '中文字幕志愿者', match: 'anywhere' },
  { id: 'like_subscribe', phrase: '点赞订阅转发打赏', match: 'anywhere' },
  { id: 'subscribe_channel', phrase: '请订阅我的频道', match: 'anywhere' },
  { id: 'thanks_watching', phrase: '谢谢观看', match: 'whole' },
  { id: 'thanks_watching_2', phrase: '感谢观看', match: 'whole' },
  { id: 'thanks_watching_3', phrase: '谢谢大家观看', match: 'whole' },
  { id: 'thanks_watching_4', phrase: '多谢观看', match: 'whole' },
  { id: 'thanks_viewing', phrase: '谢谢收看', match: 'whole' },
  { id: 'thanks_viewing_2', phrase: '感谢收看', match: 'whole' },
  { id: 'thanks_viewing_3', phrase: '谢谢大家收看', match: 'whole' },
  { id: 'see_you_next', phrase: '我们下期再见', match: 'whole' },
  { id: 'see_you_next_2', phrase: '下期再见', match: 'whole' },
  { id: 'see_you_next_video', phrase: '我们下个视频再见', match: 'whole' },
  { id: 'thanks_for_watching_en', phrase: 'Thank you for watching', match: 'whole' },
]);

/**
 * Labels whisper writes for non-speech, inside brackets or parentheses: removed wherever they occur. A bracketed
 * span with other content is removed only when it is the whole segment.
 */
const NON_SPEECH_WORDS = [
  '音乐',
  '背景音乐',
  '掌声',
  '鼓掌',
  '笑声',
  '笑',
  '大笑',
  '欢呼',
  '静音',
  '沉默',
  '无声',
  '噪音',
  '杂音',
  '空白',
  '音效',
  '咳嗽',
  '叹气',
  '电话铃声',
  '铃声',
  '嘟嘟声',
  '听不清',
  '字幕',
  'blank_audio',
  'music',
  'noise',
  'applause',
  'laughter',
  'laughs',
  'silence',
  'inaudible',
  'no speech',
];

/** Characters ignored when comparing texts: whitespace, punctuation and symbols. */
const IGNORABLE = /[\s\p{P}\p{S}]/gu;

/** Normal form for comparing texts: Simplified, no whitespace/punctuation/symbols, lower case. */
export function normalizeForCompare(text: string): string {
  let out = compareCache.get(text);
  if (out === undefined) {
    if (compareCache.size >= 4096) compareCache.clear();
    out = toSimplified(text).replace(IGNORABLE, '').toLowerCase();
    compareCache.set(text, out);
  }
  return out;
}
/** Memo of {@link normalizeForCompare}: one text is compared several times while a transcript is cleaned. */
const compareCache = new Map<string, string>();

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Phrase → regex allowing spaces/punctuation between its characters (and any case for Latin letters). */
function phraseRegex(phrase: string, flags: string): RegExp {
  const chars = [...normalizeForCompare(phrase)].map(escapeRegExp);
  return new RegExp(chars.join('[\\s\\p{P}\\p{S}]*'), `iu${flags}`);
}

/**
 * The `anywhere` patterns, longest first; `first` is the character a match starts with when it is a Han
 * character (it has no other case, so text without it cannot match and is not searched), else null.
 */
const anywherePatterns = HALLUCINATIONS.filter((h) => h.match === 'anywhere')
  .map((h) => {
    const norm = normalizeForCompare(h.phrase);
    return { id: h.id, norm, regex: phraseRegex(h.phrase, 'g'), first: /^\p{Script=Han}/u.test(norm) ? norm[0]! : null };
  })
  .sort((x, y) => y.norm.length - x.norm.length);
const wholePatterns = HALLUCINATIONS.filter((h) => h.match === 'whole').map((h) => ({
  id: h.id,
  norm: normalizeForCompare(h.phrase),
}));

/**
 * Farewells whisper appends to an invented outro in the same segment ("谢谢观看 再见", "感谢收看，拜拜"): with the
 * outro before them they are part of the invention, not a caller's goodbye. Normal forms.
 */
const OUTRO_FAREWELLS = ['再见', '拜拜', '再会', '下次见', '下次再见', '大家再见', '我们下次再见', 'bye', 'byebye'];

/** True when `norm` (normal form of a whole segment) is an outro line, alone or followed by a farewell. */
function isOutroLine(norm: string, outro: string): boolean {
  return norm === outro || (norm.startsWith(outro) && OUTRO_FAREWELLS.includes(norm.slice(outro.length)));
}

// A bracketed label naming a kind of non-speech, possibly with a few more words ("(音乐播放中)", "[背景音乐声]").
const labelRegex = new RegExp(
  `[\\[(（【][^\\])）】]{0,8}?(?:${NON_SPEECH_WORDS.map(escapeRegExp).join('|')})[^\\])）】]{0,8}?[\\])）】]|[♪♫🎵🎶]`,
  'giu',
);
const bracketsOnly = /^(?:\s*(?:\[[^\]]*\]|\([^)]*\)|（[^）]*）|【[^】]*】|[♪♫🎵🎶*]))+\s*$/u;

/** True when `text` has something a person could have said (a letter, CJK character or digit). */
function hasSpeech(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Options for {@link postprocessSegments}. */
export interface PostprocessOptions {
  /** Length of the recording in seconds: segment times are clamped to [0, durationSec]. */
  durationSec: number;
  /** Copies of one phrase within a single segment that count as a decoder loop; default 4. */
  minInSegmentRepeats?: number;
  /**
   * Fold runs of consecutive identical segments (step 5); default true. False for engines that decode each
   * utterance on its own (`TranscriptionEngine.independentUtterances`), where such a run is repeated speech.
   */
  collapseRepeatedSegments?: boolean;
  /** The initial prompt given to ASR (`initialPrompt` in text/asr-prompt.ts): its echo is removed (step 4). */
  prompt?: string;
}

/** Shortest clause, all of it prompt text, that counts as an echo when it reaches into the description. */
export const ECHO_MIN_CHARS = 5;
/** Shortest run of description characters inside a longer clause that counts as an echo. */
export const ECHO_LONG_CHARS = 8;

/** Clause boundaries inside a segment: sentence and clause punctuation and spaces. */
const CLAUSE_SPLIT = /([\s,.!?;:，。！？；：、…]+)/u;

/** The echo test of a prompt ({@link promptEcho}). */
interface PromptEcho {
  /** The prompt's normal form. */
  whole: string;
  /** Its description clauses, in normal form. */
  description: string[];
  /** The UTF-16 code units of the description clauses. */
  units: Set<number>;
}

/**
 * The echo test of a prompt: its normal form, and its description clauses (those without 您好 / 请讲 and
 * longer than the greeting's short words), in which an echo piece must lie.
 */
function promptEcho(prompt: string | undefined): PromptEcho | null {
  if (!prompt) return null;
  if (lastEcho?.prompt === prompt) return lastEcho.echo;
  const clauses = prompt
    .split(CLAUSE_SPLIT)
    .filter((_, i) => i % 2 === 0)
    .map(normalizeForCompare)
    .filter((c) => c.length > 0);
  const description = clauses.filter(
    (c) => c.length >= ECHO_MIN_CHARS && !c.includes('您好') && !c.includes('请讲') && !c.endsWith('中心'),
  );
  const units = new Set<number>();
  for (const d of description) for (let i = 0; i < d.length; i++) units.add(d.charCodeAt(i));
  const echo = description.length ? { whole: clauses.join(''), description, units } : null;
  lastEcho = { prompt, echo };
  return echo;
}
/** The last prompt's {@link promptEcho}: every segment of a transcript is cleaned with the same prompt. */
let lastEcho: { prompt: string; echo: PromptEcho | null } | undefined;

/**
 * True when `clause` (normal form) echoes the prompt: all of it is prompt text, at least
 * {@link ECHO_MIN_CHARS} characters, sharing {@link ECHO_MIN_CHARS} with a description clause; or it holds
 * {@link ECHO_LONG_CHARS} characters of a description clause.
 */
function echoesDescription(clause: string, echo: PromptEcho): boolean {
  const holds = (n: number) => {
    for (const d of echo.description) {
      for (let i = 0; i + n <= clause.length; i++) if (d.includes(clause.slice(i, i + n))) return true;
    }
    return false;
  };
  if (clause.length >= ECHO_MIN_CHARS && echo.whole.includes(clause) && holds(ECHO_MIN_CHARS)) return true;
  return holds(ECHO_LONG_CHARS);
}

/**
 * Whether what the clauses of `text` hold can be told from its whole normal form ({@link normalizeForCompare}):
 * true when it has no Traditional characters and no Greek capital sigma. The normal form is then taken
 * character by character (conversion leaves every character as it is; Σ is the one letter whose lower case
 * depends on its neighbours; ignorable characters go one by one) and the clause separators
 * ({@link CLAUSE_SPLIT}) are ignorable, so the normal form of each clause is a piece of the whole text's: what
 * no piece of the whole holds, no clause holds.
 */
function clausesArePieces(text: string): boolean {
  return !hasTraditional(text) && !text.includes('Σ');
}

/** The longest run of consecutive UTF-16 code units of `text` that are all in `units`. */
function longestRun(text: string, units: ReadonlySet<number>): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = units.has(text.charCodeAt(i)) ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * Removes clauses of `text` that `drop` selects, keeping the others with their punctuation.
 * @returns the text left (trimmed) and the removed clauses
 */
function removeClauses(
  text: string,
  drop: (normClause: string, index: number, all: string[]) => boolean,
): { rest: string; removed: string[] } {
  const parts = text.split(CLAUSE_SPLIT);
  const clauses = parts.filter((_, i) => i % 2 === 0).map(normalizeForCompare);
  const removed: string[] = [];
  let rest = '';
  for (let i = 0; i < parts.length; i += 2) {
    const c = clauses[i / 2]!;
    if (c && drop(c, i / 2, clauses)) {
      removed.push(parts[i]!);
      continue;
    }
    rest += parts[i]! + (parts[i + 1] ?? '');
  }
  return { rest: trimPunctuation(rest.trim()), removed };
}

/**
 * Cleans one channel's segments (see the module comment for the steps).
 *
 * @param raw segments of one channel in whisper's order; times in seconds
 * @returns cleaned segments (times in seconds, within [0, durationSec]) and the list of removals
 */
export function postprocessSegments(raw: readonly AsrSegment[], opts: PostprocessOptions): PostprocessResult {
  const duration = Number.isFinite(opts.durationSec) && opts.durationSec > 0 ? opts.durationSec : 0;
  const minRepeats = opts.minInSegmentRepeats ?? 4;
  const echo = promptEcho(opts.prompt);
  const dropped: DroppedSegment[] = [];
  const kept: CleanSegment[] = [];

  for (const seg of raw) {
    const [start, end] = clampTimes(seg.start, seg.end, duration);
    let text = toSimplified(seg.text ?? '').trim();

    // Non-speech labels.
    if (text !== '' && bracketsOnly.test(text)) {
      dropped.push({ start, end, text, reason: 'non_speech_label' });
      continue;
    }
    labelRegex.lastIndex = 0;
    const withoutLabels = labelRegex.test(text) ? text.replace(labelRegex, ' ').replace(/\s+/g, ' ').trim() : text;
    if (withoutLabels !== text) {
      const removed = text.match(labelRegex)?.join(' ') ?? '';
      dropped.push({ start, end, text: removed, reason: 'non_speech_label', partial: hasSpeech(withoutLabels) });
      text = withoutLabels;
      if (!hasSpeech(text)) continue;
    }

    // Hallucinations: first remove credit lines wherever they are (longest phrase first), then drop the
    // segment when what is left is exactly an outro line.
    let gone = false;
    for (const h of anywherePatterns) {
      if (h.first !== null && !text.includes(h.first)) continue;
      const found = text.match(h.regex);
      if (!found) continue;
      const rest = text.replace(h.regex, ' ').replace(/\s+/g, ' ').trim();
      if (!hasSpeech(rest)) {
        dropped.push({ start, end, text, reason: 'hallucination', patternId: h.id });
        gone = true;
        break;
      }
      dropped.push({ start, end, text: found.join(' '), reason: 'hallucination', patternId: h.id, partial: true });
      text = trimPunctuation(rest);
    }
    // Whether clauses can be told from the whole text (true stays true as clauses are removed below).
    const pieces = clausesArePieces(text);
    if (!gone) {
      const norm = normalizeForCompare(text);
      const whole = wholePatterns.find((h) => isOutroLine(norm, h.norm));
      if (whole) {
        dropped.push({ start, end, text, reason: 'hallucination', patternId: whole.id });
        gone = true;
      } else if (!pieces || wholePatterns.some((h) => norm.includes(h.norm))) {
        // An outro line as one clause of a longer segment: an invented head or tail, removed on its own.
        const { rest, removed } = removeClauses(text, (c) => wholePatterns.some((h) => h.norm === c));
        if (removed.length) {
          dropped.push({
            start,
            end,
            text: removed.join(' '),
            reason: 'hallucination',
            patternId: 'outro_clause',
            partial: hasSpeech(rest),
          });
          text = rest;
          gone = !hasSpeech(text);
        }
      }
    }
    // An echo holds ECHO_MIN_CHARS characters of a description clause in a row (echoesDescription).
    if (!gone && echo && (!pieces || longestRun(normalizeForCompare(text), echo.units) >= ECHO_MIN_CHARS)) {
      const clauses = text
        .split(CLAUSE_SPLIT)
        .filter((_, i) => i % 2 === 0)
        .map(normalizeForCompare);
      if (clauses.some((c) => echoesDescription(c, echo))) {
        const { rest, removed } = removeClauses(text, (c) => echo.whole.includes(c) || echoesDescription(c, echo));
        dropped.push({ start, end, text: removed.join(' '), reason: 'prompt_echo', partial: hasSpeech(rest) });
        text = rest;
        gone = !hasSpeech(text);
      }
    }
    if (gone) continue;

    if (!hasSpeech(text)) {
      dropped.push({ start, end, text, reason: 'empty' });
      continue;
    }

    const out: CleanSegment = { start, end, text };
    if (seg.confidence !== undefined && Number.isFinite(seg.confidence)) {
      out.confidence = Math.min(1, Math.max(0, seg.confidence));
    }
    const unrolled = collapseInSegmentRepeats(text, minRepeats);
    if (unrolled) {
      dropped.push({ start, end, text: unrolled.unit, reason: 'decoder_loop', count: unrolled.copies - 1 });
      out.text = unrolled.unit;
      out.flags = ['decoder_loop'];
    }
    kept.push(out);
  }

  return { segments: opts.collapseRepeatedSegments === false ? kept : collapseRuns(kept, dropped), dropped };
}

/** Clamps to [0, duration] (duration 0: only to >= 0), swaps reversed times, maps non-finite to 0. */
function clampTimes(start: number, end: number, duration: number): [number, number] {
  const fix = (t: number) => {
    const v = Number.isFinite(t) ? Math.max(0, t) : 0;
    return duration > 0 ? Math.min(v, duration) : v;
  };
  const a = fix(start);
  const b = fix(end);
  return a <= b ? [a, b] : [b, a];
}

/** Removes leading/trailing punctuation and spaces left behind by a removal. */
function trimPunctuation(text: string): string {
  return text.replace(/^[\s\p{P}]+/u, '').replace(/[\s，、,;；:：]+$/u, '');
}

/**
 * Folds runs of consecutive segments whose normalised text is identical into the first one, extended to the
 * end of the last; flags it `decoder_loop` and records the folded copies in `dropped`.
 */
function collapseRuns(segments: CleanSegment[], dropped: DroppedSegment[]): CleanSegment[] {
  const out: CleanSegment[] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i]!;
    const key = normalizeForCompare(first.text);
    let j = i + 1;
    while (j < segments.length && normalizeForCompare(segments[j]!.text) === key) j++;
    if (j - i === 1) {
      out.push(first);
    } else {
      const run = segments.slice(i, j);
      const confidences = run.map((s) => s.confidence).filter((c): c is number => c !== undefined);
      const merged: CleanSegment = {
        start: Math.min(...run.map((s) => s.start)),
        end: Math.max(...run.map((s) => s.end)),
        text: first.text,
        flags: ['decoder_loop'],
      };
      if (confidences.length) merged.confidence = confidences.reduce((a, b) => a + b, 0) / confidences.length;
      out.push(merged);
      dropped.push({
        start: run[1]!.start,
        end: merged.end,
        text: first.text,
        reason: 'decoder_loop',
        count: run.length - 1,
      });
    }
    i = j;
  }
  return out;
}

/**
 * Detects a segment that is one phrase repeated `minCopies` or more times ("好的好的好的好的…", with or
 * without punctuation between copies) and returns the phrase and the number of copies; undefined otherwise.
 */
function collapseInSegmentRepeats(text: string, minCopies: number): { unit: string; copies: number } | undefined {
  const norm = normalizeForCompare(text);
  if (norm.length < minCopies) return undefined;
  for (let len = 1; len <= Math.floor(norm.length / minCopies); len++) {
    if (norm.length % len !== 0) continue;
    const unit = norm.slice(0, len);
    if (unit.repeat(norm.length / len) !== norm) continue;
    const copies = norm.length / len;
    // A short unit ("好", "对") needs more copies than a phrase before it counts as a loop.
    if (len === 1 && copies < 2 * minCopies) return undefined;
    // Keep the original spelling of the first copy (with its punctuation).
    const firstCopy = takeNormalizedPrefix(text, len);
    return { unit: firstCopy, copies };
  }
  return undefined;
}

/** The shortest prefix of `text` whose normal form has `n` characters, without trailing separators. */
function takeNormalizedPrefix(text: string, n: number): string {
  let count = 0;
  let out = '';
  for (const ch of text) {
    if (count === n) break;
    out += ch;
    if (normalizeForCompare(ch) !== '') count++;
  }
  return out.trim();
}

/** Result of {@link cleanTranscriptSegments}. */
export interface CleanTranscriptResult {
  /** Cleaned segments, sorted by start, each keeping its speaker. */
  segments: Segment[];
  dropped: (DroppedSegment & { speaker: Segment['speaker'] })[];
}

/**
 * Shortest text (normal form, characters) whose immediate repetition by the same speaker counts as a loop in
 * a whole transcript; shorter lines ("好的", "对") are loops only from {@link SHORT_LOOP_COPIES} copies on, since
 * people do say them twice.
 */
export const LOOP_MIN_CHARS = 4;
export const SHORT_LOOP_COPIES = 4;
/** Longest gap (seconds) between two copies of a looped line: a decoder loop writes them back to back. */
export const LOOP_MAX_GAP_SEC = 1;

/**
 * Cleans the segments of a whole transcript, whatever its source (a sidecar, a stored ASR transcript,
 * `callqa analyze` on a file): every segment goes through {@link postprocessSegments} (labels, hallucinated
 * lines and clauses, prompt echo, in-segment repeats), then a line the same speaker repeats back to back —
 * nobody else speaking in between, at most {@link LOOP_MAX_GAP_SEC} s apart — is folded into one segment flagged `decoder_loop` (from 2 copies for
 * lines of {@link LOOP_MIN_CHARS}+ characters, from {@link SHORT_LOOP_COPIES} for shorter ones). A segment
 * nothing was removed from keeps its text exactly as written (evidence quotes it), so running this twice
 * changes nothing.
 *
 * @param segments segments of any order; times in seconds
 * @param opts `durationSec` of the recording, `prompt` the ASR initial prompt whose echo to remove
 */
export function cleanTranscriptSegments(segments: readonly Segment[], opts: PostprocessOptions): CleanTranscriptResult {
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  const kept: Segment[] = [];
  const dropped: CleanTranscriptResult['dropped'] = [];
  for (const seg of sorted) {
    const r = postprocessSegments([seg], opts);
    for (const d of r.dropped) dropped.push({ ...d, speaker: seg.speaker });
    const c = r.segments[0];
    if (!c) continue;
    const untouched = r.dropped.length === 0;
    const flags = seg.flags?.length || c.flags?.length ? [...new Set([...(seg.flags ?? []), ...(c.flags ?? [])])] : [];
    // The cleaned segment's fields, then the speaker, then flags it did not have (the order of a spread of it).
    const segment = { start: c.start, end: c.end, text: untouched ? seg.text : c.text } as Segment;
    if (c.confidence !== undefined) segment.confidence = c.confidence;
    if (c.flags) segment.flags = flags;
    segment.speaker = seg.speaker;
    if (flags.length && !c.flags) segment.flags = flags;
    kept.push(segment);
  }
  const out: Segment[] = [];
  for (let i = 0; i < kept.length;) {
    const first = kept[i]!;
    const key = normalizeForCompare(first.text);
    let j = i + 1;
    while (
      j < kept.length &&
      kept[j]!.speaker === first.speaker &&
      kept[j]!.start - kept[j - 1]!.end <= LOOP_MAX_GAP_SEC &&
      normalizeForCompare(kept[j]!.text) === key
    ) {
      j++;
    }
    const copies = j - i;
    if (copies >= (key.length >= LOOP_MIN_CHARS ? 2 : SHORT_LOOP_COPIES)) {
      const run = kept.slice(i, j);
      const end = Math.max(...run.map((s) => s.end));
      out.push({ ...first, end, flags: [...new Set([...(first.flags ?? []), 'decoder_loop' as const])] });
      dropped.push({ start: run[1]!.start, end, text: first.text, reason: 'decoder_loop', count: copies - 1, speaker: first.speaker });
    } else {
      out.push(...kept.slice(i, j));
    }
    i = j;
  }
  return { segments: out, dropped };
}
