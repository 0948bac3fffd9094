/**
 * The transcript format (version 1) that the transcription stage writes, `callqa analyze` reads and a
 * `.transcript.json` sidecar may provide. Contract: `spec/contracts.md` §1 of the shared specification;
 * fields may be added, none renamed or removed.
 *
 * Units: every time is in seconds (float) from the start of the recording.
 */
import { z } from 'zod';
import { BadInputError } from './errors.js';
import { describeIssues, parseJsonInput } from './json-input.js';

/** Who speaks a segment. `unknown` for mono recordings whose roles were not assigned. */
export type Speaker = 'agent' | 'customer' | 'unknown';

/** Marks that post-processing puts on a segment (see text/transcript-cleanup.ts). */
export type SegmentFlag = 'decoder_loop';

/** One utterance: a stretch of speech by one speaker. */
export interface Segment {
  /** Seconds from the start of the recording, `0 <= start <= end`. */
  start: number;
  /** Seconds from the start of the recording, `end <= durationSec`. */
  end: number;
  speaker: Speaker;
  text: string;
  /** ASR confidence 0..1, when the engine gives one. */
  confidence?: number;
  /** Post-processing marks, e.g. `decoder_loop` when repeated identical lines were collapsed into this one. */
  flags?: SegmentFlag[];
}

/** Where a transcript came from, so a report never passes a script or sidecar off as ASR output. */
export interface TranscriptSource {
  /** `asr`: output of an ASR engine; `sidecar`: a `.transcript.json` that arrived beside the recording. */
  kind: 'asr' | 'sidecar';
  /** ASR engine id (`ASR_ENGINE`, e.g. `whisper.cpp`) and model file name, for `asr`. */
  engine?: string;
  model?: string;
  /** The options the engine ran with (flags, thresholds, threads, windowing), for `asr`; see the engine's descriptor. */
  options?: Record<string, string | number | boolean>;
  /** Object key (or file name) of the sidecar, for `sidecar`. */
  file?: string;
}

/** A stretch of time, seconds from the start of the recording, `start <= end`. */
export interface TimeSpan {
  start: number;
  end: number;
}

/** Audio-level measurements of a call (seconds unless named otherwise), from per-channel VAD on the prepared audio. */
export interface AudioMeasurements {
  durationSec: number;
  /** Speech stretches per role, sorted, non-overlapping within a role. Mono: all under 'unknown'. */
  speech: { agent?: TimeSpan[]; customer?: TimeSpan[]; unknown?: TimeSpan[] };
  /** Stretches where nobody speaks, ≥ minSilenceSec, inside the call (not before the first / after the last speech). */
  silences: TimeSpan[];
  /** Total non-talk time inside the call, seconds, and its share of the call 0..1. */
  nonTalkSec: number;
  nonTalkRatio: number;
  /** One side starts while the other is speaking (stereo only): start of the overlap, its length in ms, who started. */
  interruptions: { start: number; overlapMs: number; by: 'agent' | 'customer' }[];
  /** Talk time per role, seconds; agentTalkRatio = agent / (agent + customer), stereo only. */
  talkSec: { agent?: number; customer?: number; unknown?: number };
  agentTalkRatio?: number;
  /**
   * Holds inside the call: sound (music, tones, announcements) while nobody speaks, at least 5 s
   * (pipeline/audio/measure.ts `findHolds`). Absent in measurements made before holds were measured.
   */
  holds?: TimeSpan[];
  /**
   * Detector settings: `method` `silero-vad-v5` with its speech `threshold` (absent: the ffmpeg silencedetect
   * energy detector of earlier versions), shortest silence reported `minSilenceSec` (s), and the silencedetect
   * noise floor `noiseDb` (dBFS) used to hear sound for holds; stereo speech quieter than the other channel by
   * `crosstalkMarginDb` (dB) or more was taken for leak and removed (pipeline/audio/crosstalk.ts).
   */
  vad: { method?: string; threshold?: number; noiseDb: number; minSilenceSec: number; crosstalkMarginDb?: number };
}

/**
 * How agent / customer roles were assigned: `channels` (stereo channel map), `greeting` (mono: the side that
 * answers with the greeting), `text-cues`, or `unknown`; `confidence` 0..1.
 */
export interface RoleAssignment {
  method: 'channels' | 'greeting' | 'text-cues' | 'unknown';
  confidence: number;
}

/** A whole call's transcript, format 1. */
export interface Transcript {
  callId: string;
  /** Recording length in seconds. */
  durationSec: number;
  language?: string;
  agentId?: string;
  /** ISO 8601 with offset, e.g. `2026-11-28T09:15:02+08:00`. */
  startedAt?: string;
  segments: Segment[];
  /** Provenance (an extension of format 1). */
  source?: TranscriptSource;
  /** Recording object the transcript belongs to (an extension of format 1). */
  recording?: { bucket: string; key: string; etag: string };
  /** Phone line / department from the call metadata (an extension of format 1). */
  line?: string;
  /** Audio-level measurements (an extension of format 1), from the prepared recording (ASR and sidecar transcripts). */
  audio?: AudioMeasurements;
  /** How speaker roles were assigned (an extension of format 1). */
  roles?: RoleAssignment;
}

/**
 * Longest text one segment may hold. Whisper segments cover at most 30 s (about 200 characters of fast
 * Mandarin); 5000 leaves room for hand-made transcripts while keeping a runaway line from stalling the rules.
 */
export const MAX_SEGMENT_TEXT_CHARS = 5000;

/**
 * Longest recording a transcript may describe, in seconds: 24 hours. A service call lasts minutes; the bound
 * turns a nonsense value such as `durationSec: 1e308` into a named `invalid_transcript` (issue 10).
 */
export const MAX_RECORDING_SEC = 24 * 3600;

/** A time or duration in seconds within a recording. */
const seconds = z.number().finite().min(0).max(MAX_RECORDING_SEC);

const segmentSchema = z
  .object({
    start: seconds,
    end: seconds,
    speaker: z.enum(['agent', 'customer', 'unknown']),
    text: z
      .string()
      .max(MAX_SEGMENT_TEXT_CHARS, `longer than ${MAX_SEGMENT_TEXT_CHARS} characters (one utterance; split it into segments)`),
    confidence: z.number().min(0).max(1).optional(),
    flags: z.array(z.enum(['decoder_loop'])).optional(),
  })
  .loose()
  .refine((s) => s.start <= s.end, { message: 'start must not be after end' });

const spanSchema = z.object({ start: seconds, end: seconds }).refine((s) => s.start <= s.end, { message: 'start must not be after end' });
const roleSpans = z.object({
  agent: z.array(spanSchema).optional(),
  customer: z.array(spanSchema).optional(),
  unknown: z.array(spanSchema).optional(),
});
const roleSeconds = z.object({
  agent: z.number().min(0).optional(),
  customer: z.number().min(0).optional(),
  unknown: z.number().min(0).optional(),
});

/** zod schema of {@link AudioMeasurements}; unknown extra fields are kept. */
export const audioSchema = z
  .object({
    durationSec: seconds,
    speech: roleSpans,
    silences: z.array(spanSchema),
    nonTalkSec: z.number().finite().min(0),
    nonTalkRatio: z.number().min(0).max(1),
    interruptions: z.array(z.object({ start: seconds, overlapMs: z.number().min(0), by: z.enum(['agent', 'customer']) })),
    talkSec: roleSeconds,
    agentTalkRatio: z.number().min(0).max(1).optional(),
    holds: z.array(spanSchema).optional(),
    vad: z
      .object({
        method: z.string().optional(),
        threshold: z.number().min(0).max(1).optional(),
        crosstalkMarginDb: z.number().finite().optional(),
        noiseDb: z.number().finite(),
        minSilenceSec: z.number().finite().min(0),
      })
      .loose(),
  })
  .loose();

/** zod schema of format 1; unknown extra fields are kept. */
export const transcriptSchema = z
  .object({
    callId: z.string().min(1),
    durationSec: seconds,
    language: z.string().optional(),
    agentId: z.string().optional(),
    startedAt: z.string().optional(),
    segments: z.array(segmentSchema),
    source: z
      .object({
        kind: z.enum(['asr', 'sidecar']),
        engine: z.string().optional(),
        model: z.string().optional(),
        options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
        file: z.string().optional(),
      })
      .optional(),
    recording: z.object({ bucket: z.string(), key: z.string(), etag: z.string() }).optional(),
    line: z.string().optional(),
    roles: z.object({ method: z.enum(['channels', 'greeting', 'text-cues', 'unknown']), confidence: z.number().min(0).max(1) }).optional(),
    audio: audioSchema.optional(),
  })
  .loose()
  .superRefine((t, ctx) => {
    // Allow 10 ms of rounding slack past the end of the recording.
    t.segments.forEach((s, i) => {
      if (s.end > t.durationSec + 0.01) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'end'],
          message: `segment ends at ${s.end} s, after the recording's ${t.durationSec} s`,
        });
      }
    });
  });

/**
 * Validates parsed JSON as a format-1 transcript and returns it with segments sorted by `start`.
 *
 * @param value parsed JSON
 * @param source file name or object key, used in the error message
 * @throws {BadInputError} code `invalid_transcript`, message `<source>: <first problems>`
 */
export function parseTranscript(value: unknown, source: string): Transcript {
  const result = transcriptSchema.safeParse(value);
  if (!result.success) {
    throw new BadInputError('invalid_transcript', `${source}: not a valid transcript: ${describeIssues(result.error.issues)}`);
  }
  const transcript = result.data as Transcript;
  return { ...transcript, segments: [...transcript.segments].sort((a, b) => a.start - b.start) };
}

/**
 * Parses transcript JSON text.
 *
 * @param text UTF-8 JSON text
 * @param source file name or object key, used in the error message
 * @throws {BadInputError} code `invalid_transcript` when the text is not JSON or not a transcript
 */
export function parseTranscriptText(text: string, source: string): Transcript {
  return parseTranscript(parseJsonInput(text, source, 'invalid_transcript'), source);
}
