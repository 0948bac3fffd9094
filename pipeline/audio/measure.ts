/**
 * Audio-level measurements of a call ({@link AudioMeasurements}): speech stretches per role, silences where
 * nobody speaks, holds, non-talk time, interruptions, talk time per role, from each prepared channel separately.
 *
 * Two detectors, each for what it is good at:
 * - **Speech**: Silero VAD (./vad.ts, neural). It tells speech from ringback tones, hold music and line noise,
 *   so those are not talk time and do not make interruptions. In a stereo call, the other side's voice leaking
 *   into a channel is then removed (./crosstalk.ts). These stretches are also what the transcribe stage
 *   decodes (carried in the job, so VAD runs once per channel).
 * - **Sound**: ffmpeg `silencedetect` (./silence.ts, energy). This is where it still earns its place: sound
 *   that is not speech, inside the call, is a hold (music, tones, announcements) rather than dead air; see
 *   {@link findHolds}. And where a speech stretch begins inside sound that started just before it, the speech
 *   starts with the sound ({@link extendOnsets}: Silero can start late on unvoiced onsets).
 *
 * The interval arithmetic is pure ({@link computeMeasurements} and its helpers, unit-tested by arrays);
 * {@link measureChannels} runs the detection on the prepared WAV files.
 *
 * Units: seconds from the start of the recording, except `overlapMs` (milliseconds). Times are rounded to
 * 1 ms so job payloads and transcripts stay small and stable.
 */
import type { AudioMeasurements, TimeSpan } from '../../domain/transcript.js';
import type { ChannelRole } from './prepare.js';
import { analyzeSilence, complementSpans, DEFAULT_MIN_SILENCE_SEC, DEFAULT_NOISE_DB } from './silence.js';
import { detectSpeech, vadSettings } from './vad.js';
import { CROSSTALK_MARGIN_DB, frameLevels, removeCrosstalk } from './crosstalk.js';

/**
 * Default shortest overlap counted as an interruption, milliseconds. Shorter overlaps are mostly back-channel
 * ("嗯", "对") or the VAD's edges; 300 ms is the usual floor in call analytics (e.g. Amazon Contact Lens
 * counts talk-over from a few hundred ms) and what issue 3 suggests.
 */
export const DEFAULT_MIN_OVERLAP_MS = 300;

/**
 * Shortest hold reported, seconds: sound without speech at least this long inside the call. Shorter
 * non-speech sound is a cough, a keyboard or a door; putting a caller on hold plays music or an announcement for
 * longer. 5 s is our choice, not a standard figure.
 */
export const MIN_HOLD_SEC = 5;

/** Speech stretches of one role (one prepared channel), and optionally where that channel has any sound. */
export interface RoleSpeech {
  role: ChannelRole;
  speech: TimeSpan[];
  /** Stretches with sound above the energy floor (speech, music, tones), for {@link findHolds}. */
  sound?: TimeSpan[];
}

/** Input of {@link computeMeasurements}. */
export interface MeasurementInput {
  /** Length of the call, seconds. */
  durationSec: number;
  /** One entry per prepared channel: `agent` + `customer` for a split stereo call, one `unknown` otherwise. */
  channels: RoleSpeech[];
  /** Detector settings that produced the stretches (recorded in the result as `vad`). */
  vad: AudioMeasurements['vad'];
  /** Shortest overlap counted as an interruption, ms; default {@link DEFAULT_MIN_OVERLAP_MS}. */
  minOverlapMs?: number;
}

const ms = (t: number) => Math.round(t * 1000) / 1000;

/**
 * The union of spans (pure): sorted by start, overlapping or touching spans joined. Empty spans are dropped.
 *
 * @param spans any spans, seconds
 */
export function unionSpans(spans: readonly TimeSpan[]): TimeSpan[] {
  const out: TimeSpan[] = [];
  for (const s of [...spans].filter((x) => x.end > x.start).sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Sum of the lengths of spans, seconds (pure; overlapping spans count twice: pass a union when that matters). */
export function totalSec(spans: readonly TimeSpan[]): number {
  return spans.reduce((sum, s) => sum + Math.max(0, s.end - s.start), 0);
}

/**
 * Gaps where nobody speaks, inside the call (pure): between the first start and the last end of `speech`
 * (all roles together), at least `minSec` long. Leading silence (ringing, pick-up) and trailing silence
 * (after the last word, before hang-up) are not counted.
 *
 * @param speech speech stretches of every role, seconds
 * @param minSec shortest gap reported, seconds
 */
export function silencesInside(speech: readonly TimeSpan[], minSec: number): TimeSpan[] {
  const all = unionSpans(speech);
  const gaps: TimeSpan[] = [];
  for (let i = 1; i < all.length; i++) {
    const gap = { start: all[i - 1]!.end, end: all[i]!.start };
    if (gap.end - gap.start >= minSec - 1e-9) gaps.push(gap);
  }
  return gaps;
}

/**
 * The parts of `spans` that no span of `minus` covers (pure).
 *
 * @param spans any spans, seconds
 * @param minus any spans, seconds
 * @returns sorted, non-overlapping spans
 */
export function subtractSpans(spans: readonly TimeSpan[], minus: readonly TimeSpan[]): TimeSpan[] {
  const cut = unionSpans(minus);
  const out: TimeSpan[] = [];
  for (const s of unionSpans(spans)) {
    let cursor = s.start;
    for (const c of cut) {
      if (c.end <= cursor || c.start >= s.end) continue;
      if (c.start > cursor) out.push({ start: cursor, end: c.start });
      cursor = Math.max(cursor, c.end);
    }
    if (cursor < s.end) out.push({ start: cursor, end: s.end });
  }
  return out;
}

/**
 * Longest stretch of sound before a VAD speech start that is taken as the start of the same speech, seconds.
 * Silero starts late on some onsets (measured: up to ~0.55 s on espeak-ng's unvoiced "双方", "没有"; 0.84 s on
 * recorded speech 0.5 s after 15 s of hold music, its recurrent state still holding the music; within 0.1 s on
 * recorded Mandarin elsewhere). Sound that began at most this long before the VAD's start is counted with the
 * speech; sound that began earlier (music, a tone) is left alone.
 */
export const MAX_ONSET_EXTENSION_SEC = 1;

/**
 * Moves speech starts back to where the sound they begin in started, when that is at most `maxSec` earlier (pure).
 *
 * @param speech VAD stretches of one channel, sorted, seconds
 * @param sound energy stretches (sound above the floor) of the same channel, sorted, seconds
 * @param maxSec see {@link MAX_ONSET_EXTENSION_SEC}
 * @returns sorted stretches; a start never moves before the end of the stretch before it
 */
export function extendOnsets(speech: readonly TimeSpan[], sound: readonly TimeSpan[], maxSec = MAX_ONSET_EXTENSION_SEC): TimeSpan[] {
  const out: TimeSpan[] = [];
  for (const s of speech) {
    const around = sound.find((x) => x.start <= s.start && s.start < x.end);
    let start = s.start;
    if (around && s.start - around.start <= maxSec) start = around.start;
    const prevEnd = out[out.length - 1]?.end ?? 0;
    out.push({ start: Math.max(start, prevEnd), end: s.end });
  }
  return out;
}

/**
 * Holds (pure): stretches inside the call (after the first speech, before the last) where a channel has sound
 * but nobody speaks — hold music, tones, recorded announcements — at least `minSec` long. Pieces less than
 * `joinSec` apart are joined first (a pause in the music does not end the hold). Ringback before the call is
 * answered lies before the first speech and is not a hold.
 *
 * @param speech speech stretches of every role (VAD), seconds
 * @param sound stretches with sound of every role (energy), seconds
 * @param minSec shortest hold, seconds; default {@link MIN_HOLD_SEC}
 * @param joinSec gaps shorter than this inside a hold are bridged, seconds; default 1
 */
export function findHolds(speech: readonly TimeSpan[], sound: readonly TimeSpan[], minSec = MIN_HOLD_SEC, joinSec = 1): TimeSpan[] {
  const talk = unionSpans(speech);
  if (talk.length === 0) return [];
  const first = talk[0]!.start;
  const last = talk[talk.length - 1]!.end;
  const inside = subtractSpans(sound, talk)
    .map((s) => ({ start: Math.max(first, s.start), end: Math.min(last, s.end) }))
    .filter((s) => s.end > s.start);
  const joined: TimeSpan[] = [];
  for (const s of inside) {
    const prev = joined[joined.length - 1];
    if (prev && s.start - prev.end < joinSec && !talk.some((t) => t.start < s.start && t.end > prev.end)) prev.end = s.end;
    else joined.push({ ...s });
  }
  return joined.filter((s) => s.end - s.start >= minSec - 1e-9);
}

/**
 * Interruptions between two sides (pure): a stretch of one side that starts while the other side is
 * speaking (strictly after the other's start), overlapping it by at least `minOverlapMs`. Both directions
 * are reported, each with who started (`by`). Stretches starting at the same instant are no interruption.
 *
 * @param agent agent speech stretches, seconds, sorted, non-overlapping
 * @param customer caller speech stretches, same
 * @param minOverlapMs shortest overlap counted, milliseconds
 * @returns sorted by start; `start` = where the interrupting stretch begins (seconds), `overlapMs` = its overlap
 */
export function findInterruptions(
  agent: readonly TimeSpan[],
  customer: readonly TimeSpan[],
  minOverlapMs = DEFAULT_MIN_OVERLAP_MS,
): AudioMeasurements['interruptions'] {
  const out: AudioMeasurements['interruptions'] = [];
  const scan = (mine: readonly TimeSpan[], theirs: readonly TimeSpan[], by: 'agent' | 'customer') => {
    for (const s of mine) {
      for (const o of theirs) {
        if (o.start < s.start && s.start < o.end) {
          const overlapMs = Math.round((Math.min(s.end, o.end) - s.start) * 1000);
          if (overlapMs >= minOverlapMs) out.push({ start: ms(s.start), overlapMs, by });
        }
      }
    }
  };
  scan(agent, customer, 'agent');
  scan(customer, agent, 'customer');
  return out.sort((a, b) => a.start - b.start);
}

/**
 * Computes {@link AudioMeasurements} from per-role speech stretches (pure).
 *
 * - `silences`: {@link silencesInside} over all roles, at least `vad.minSilenceSec` long;
 * - `nonTalkSec`: their total; `nonTalkRatio`: `nonTalkSec / durationSec` (0 for a zero-length call);
 * - `interruptions`: {@link findInterruptions}, only when both `agent` and `customer` channels are given;
 * - `talkSec`: total speech per role; `agentTalkRatio` = agent / (agent + customer), stereo only, absent when
 *   neither side speaks;
 * - `holds`: {@link findHolds}, when the channels come with `sound`.
 *
 * @param input see {@link MeasurementInput}
 */
export function computeMeasurements(input: MeasurementInput): AudioMeasurements {
  const speech: AudioMeasurements['speech'] = {};
  const talkSec: AudioMeasurements['talkSec'] = {};
  for (const c of input.channels) {
    const spans = unionSpans(c.speech).map((s) => ({ start: ms(s.start), end: ms(s.end) }));
    speech[c.role] = spans;
    talkSec[c.role] = ms(totalSec(spans));
  }
  const silences = silencesInside(
    input.channels.flatMap((c) => c.speech),
    input.vad.minSilenceSec,
  ).map((s) => ({
    start: ms(s.start),
    end: ms(s.end),
  }));
  const nonTalkSec = ms(totalSec(silences));
  const result: AudioMeasurements = {
    durationSec: ms(input.durationSec),
    speech,
    silences,
    nonTalkSec,
    nonTalkRatio: input.durationSec > 0 ? Math.round((nonTalkSec / input.durationSec) * 1000) / 1000 : 0,
    interruptions: speech.agent && speech.customer ? findInterruptions(speech.agent, speech.customer, input.minOverlapMs) : [],
    talkSec,
    vad: { ...input.vad },
  };
  if (input.channels.some((c) => c.sound)) {
    result.holds = findHolds(
      input.channels.flatMap((c) => c.speech),
      input.channels.flatMap((c) => c.sound ?? []),
    ).map((s) => ({ start: ms(s.start), end: ms(s.end) }));
  }
  if (talkSec.agent !== undefined && talkSec.customer !== undefined && talkSec.agent + talkSec.customer > 0) {
    result.agentTalkRatio = Math.round((talkSec.agent / (talkSec.agent + talkSec.customer)) * 1000) / 1000;
  }
  return result;
}

/** Options of {@link measureChannels}. */
export interface MeasureOptions {
  /** silencedetect noise floor for holds, dBFS; default -35 (silence.ts). */
  noiseDb?: number;
  /** Shortest silence reported, seconds; default 0.4 (silence.ts). */
  minSilenceSec?: number;
  /** Shortest overlap counted as an interruption, ms; default {@link DEFAULT_MIN_OVERLAP_MS}. */
  minOverlapMs?: number;
  /** Wall-clock limit of each ffmpeg and VAD run (two per channel), milliseconds. */
  timeLimitMs: number;
  /** Cancels the running ffmpeg (SIGKILL) or VAD process; the promise then rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Name used in error messages (e.g. the object key). */
  displayName?: string;
}

/** Result of {@link measureChannels}. */
export interface MeasuredCall {
  audio: AudioMeasurements;
  /** Silero VAD speech stretches of each channel, in the order of the input (for the transcribe stage), seconds. */
  speech: TimeSpan[][];
}

/**
 * Measures a prepared call: on each channel's WAV, Silero VAD (speech) and ffmpeg silencedetect (sound), one
 * channel after the other; for a stereo call, crosstalk removed from both sides' speech; then
 * {@link computeMeasurements}. The call's duration is the longest decoded channel.
 *
 * @param channels prepared 16 kHz mono WAVs with their roles (output of `prepareRecording`)
 * @param options detector settings, time limit and cancellation
 * @throws {TimeLimitError} an ffmpeg or VAD run passed `timeLimitMs` (killed)
 * @throws {BadInputError} ffmpeg cannot read a file; `no_model` when the VAD model file is missing
 * @throws {Error} `AbortError` when cancelled; ffmpeg output not understood (transient)
 */
export async function measureChannels(
  channels: readonly { role: ChannelRole; path: string }[],
  options: MeasureOptions,
): Promise<MeasuredCall> {
  const silero = vadSettings();
  const noiseDb = options.noiseDb ?? DEFAULT_NOISE_DB;
  const minSilenceSec = options.minSilenceSec ?? DEFAULT_MIN_SILENCE_SEC;
  const found: { role: ChannelRole; path: string; speech: TimeSpan[]; sound: TimeSpan[] }[] = [];
  let durationSec = 0;
  for (const c of channels) {
    const stretches = await detectSpeech(c.path, { timeLimitMs: options.timeLimitMs, signal: options.signal });
    const analysis = await analyzeSilence(c.path, {
      noiseDb,
      minSilenceSec,
      timeLimitMs: options.timeLimitMs,
      signal: options.signal,
      displayName: options.displayName ? `${options.displayName} (${c.role})` : undefined,
    });
    durationSec = Math.max(durationSec, analysis.durationSec);
    const sound = complementSpans(analysis.silences, analysis.durationSec);
    found.push({ role: c.role, path: c.path, speech: extendOnsets(stretches, sound), sound });
  }
  // Stereo: each side's voice leaking into the other's channel is not that side's speech (./crosstalk.ts).
  const agent = found.find((c) => c.role === 'agent');
  const customer = found.find((c) => c.role === 'customer');
  if (agent && customer) {
    const [agentLevels, customerLevels] = [await frameLevels(agent.path), await frameLevels(customer.path)];
    const agentSpeech = removeCrosstalk(agent.speech, agentLevels, customer.speech, customerLevels);
    customer.speech = removeCrosstalk(customer.speech, customerLevels, agent.speech, agentLevels);
    agent.speech = agentSpeech;
  }
  const measured: RoleSpeech[] = found.map((c) => ({ role: c.role, speech: c.speech, sound: c.sound }));
  const speech = found.map((c) => c.speech);
  const vad = { method: 'silero-vad-v5', threshold: silero.threshold, minSilenceSec, noiseDb, crosstalkMarginDb: CROSSTALK_MARGIN_DB };
  return { audio: computeMeasurements({ durationSec, channels: measured, vad, minOverlapMs: options.minOverlapMs }), speech };
}

/** Characters that count as spoken for the speech rate: Han characters, Latin letters and digits (no punctuation). */
const SPOKEN_CHAR = /[\p{Script=Han}a-zA-Z0-9]/gu;

/**
 * The agent's speech rate in characters per minute of agent talk time (pure): spoken characters of the
 * utterances labelled `agent` divided by `audio.talkSec.agent` (VAD talk time of the agent's channel). The
 * norms ask for a moderate pace (语速适中); a rule sets the bounds.
 *
 * @param segments the transcript's utterances
 * @param audio the call's measurements
 * @returns characters per minute rounded to 0.1, or `undefined` when there is no agent channel (mono), no agent
 *   talk time, or no agent text
 */
export function agentCharsPerMinute(
  segments: readonly { speaker: string; text: string }[],
  audio: AudioMeasurements | undefined,
): number | undefined {
  const talk = audio?.talkSec.agent;
  const chars = segments.filter((s) => s.speaker === 'agent').reduce((n, s) => n + (s.text.match(SPOKEN_CHAR)?.length ?? 0), 0);
  if (!talk || !chars) return undefined;
  return Math.round((chars / (talk / 60)) * 10) / 10;
}
