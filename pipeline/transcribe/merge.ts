/**
 * Joins the cleaned segments of a call's channels (agent, customer, or one `unknown` mono channel) into one
 * format-1 transcript (spec/contracts.md §1).
 */
import type { Segment, Speaker, Transcript } from '../../domain/transcript.js';
import type { CleanSegment } from '../../text/transcript-cleanup.js';

/** One channel's cleaned segments (output of `postprocessSegments`) and who speaks on it. */
export interface ChannelSegments {
  /** `agent` / `customer` from the call's channel map; `unknown` for mono recordings. */
  role: Speaker;
  segments: readonly CleanSegment[];
}

/** Call-level fields of the transcript. */
export interface MergeMeta {
  callId: string;
  /** Recording length in seconds. Segment ends past it are clamped to it. */
  durationSec: number;
  agentId?: string;
  /** ISO 8601 with offset. */
  startedAt?: string;
  /** Language code, e.g. `zh`. */
  language?: string;
  /**
   * Engine and model file name, written as `source: { kind: 'asr', engine, model }`, e.g.
   * `{ engine: 'whisper.cpp (main)', model: 'ggml-small.bin' }`. Without it the transcript has no `source`
   * (the caller then sets it).
   */
  source?: { engine: string; model: string };
}

const speakerOrder: Record<Speaker, number> = { agent: 0, customer: 1, unknown: 2 };

/**
 * Builds a format-1 transcript: every channel's segments with `speaker` = the channel's role, sorted by
 * `start` (then `end`, then agent before customer), times in seconds clamped to [0, durationSec],
 * `source: { kind: 'asr', engine, model }` when `meta.source` is given. Optional fields are omitted when absent. Pure function.
 */
export function mergeChannels(channels: readonly ChannelSegments[], meta: MergeMeta): Transcript {
  const duration = Math.max(0, meta.durationSec);
  const clamp = (t: number) => Math.min(duration, Math.max(0, t));
  const segments: Segment[] = [];
  for (const channel of channels) {
    for (const s of channel.segments) {
      const start = clamp(Math.min(s.start, s.end));
      const end = clamp(Math.max(s.start, s.end));
      const seg: Segment = { start, end, speaker: channel.role, text: s.text };
      if (s.confidence !== undefined) seg.confidence = s.confidence;
      if (s.flags?.length) seg.flags = [...s.flags];
      segments.push(seg);
    }
  }
  segments.sort((a, b) => a.start - b.start || a.end - b.end || speakerOrder[a.speaker] - speakerOrder[b.speaker]);

  const transcript: Transcript = { callId: meta.callId, durationSec: meta.durationSec, segments };
  if (meta.language !== undefined) transcript.language = meta.language;
  if (meta.agentId !== undefined) transcript.agentId = meta.agentId;
  if (meta.startedAt !== undefined) transcript.startedAt = meta.startedAt;
  if (meta.source) transcript.source = { kind: 'asr', engine: meta.source.engine, model: meta.source.model };
  return transcript;
}
