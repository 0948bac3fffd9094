// The committed sample calls (samples/calls, made by scripts/make-sample-calls.sh): each one prepares into the
// expected channels and durations, and the speech that the silence detector finds on each channel lines up with
// the turns in its .script.json.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../../domain/errors.js';
import { parseTranscriptText, type Segment } from '../../domain/transcript.js';
import { prepareRecording } from '../../pipeline/audio/prepare.js';
import { speechStretches, type TimeSpan } from '../../pipeline/audio/silence.js';

const callsDir = fileURLToPath(new URL('../../samples/calls/', import.meta.url));
const recordings = readdirSync(callsDir).filter((f) => /\.(wav|mp3|amr)$/.test(f) && !f.startsWith('broken'));
const LIMIT = { timeLimitMs: 20_000 };

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'callqa-samples-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Meta {
  callId: string;
  agentId: string;
  startedAt: string;
  channels?: { agent: number; customer: number };
}

/** Checks that the detected sound stretches and the scripted segments line up within `tol` seconds. */
function expectAligned(stretches: TimeSpan[], segments: Segment[], tol: number): void {
  for (const seg of segments) {
    const overlapping = stretches.filter((s) => s.end > seg.start - tol && s.start < seg.end + tol);
    expect(overlapping.length, `speech for "${seg.text}" at ${seg.start}–${seg.end}`).toBeGreaterThan(0);
    expect(Math.abs(overlapping[0]!.start - seg.start), `start of "${seg.text}"`).toBeLessThanOrEqual(tol);
    expect(Math.abs(overlapping[overlapping.length - 1]!.end - seg.end), `end of "${seg.text}"`).toBeLessThanOrEqual(tol);
  }
  for (const s of stretches) {
    const inside = segments.some((seg) => s.start >= seg.start - tol && s.end <= seg.end + tol);
    expect(inside, `sound at ${s.start}–${s.end} outside every scripted turn`).toBe(true);
  }
}

describe('sample calls', () => {
  it('there are 4–6 calls, at least one MP3 and one AMR', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(4);
    expect(recordings.length).toBeLessThanOrEqual(6);
    expect(recordings.some((f) => f.endsWith('.mp3'))).toBe(true);
    expect(recordings.some((f) => f.endsWith('.amr'))).toBe(true);
  });

  it.each(recordings)('%s prepares into the expected channels and durations', async (file) => {
    const meta = JSON.parse(await readFile(path.join(callsDir, `${file}.json`), 'utf8')) as Meta;
    const script = parseTranscriptText(await readFile(path.join(callsDir, `${file}.script.json`), 'utf8'), `${file}.script.json`);
    expect(script.callId).toBe(meta.callId);
    expect(script.source).toEqual({ kind: 'sidecar', file: `${file}.script.json` });
    expect(script.durationSec).toBeLessThanOrEqual(25);

    const t0 = performance.now();
    const prepared = await prepareRecording(path.join(callsDir, file), { workDir: work, channelMap: meta.channels, ...LIMIT });
    const ms = performance.now() - t0;

    // AMR-NB: ffmpeg's decoder drops the DTX frames; gaps inside are refilled, the trailing pause is lost.
    const durationTol = file.endsWith('.amr') ? 0.4 : 0.02;
    expect(Math.abs(prepared.durationSec - script.durationSec)).toBeLessThanOrEqual(durationTol);
    const lastEnd = Math.max(...script.segments.map((s) => s.end));
    expect(prepared.durationSec).toBeGreaterThan(lastEnd);

    if (meta.channels) {
      expect(prepared.channels.map((c) => [c.role, c.channelIndex])).toEqual([
        ['agent', meta.channels.agent],
        ['customer', meta.channels.customer],
      ]);
    } else {
      expect(prepared.channels.map((c) => c.role)).toEqual(['unknown']);
    }
    const report: string[] = [];
    for (const c of prepared.channels) {
      const stretches = await speechStretches(c.path, LIMIT);
      const segments = script.segments.filter((s) => c.role === 'unknown' || s.speaker === c.role);
      // AMR-NB: the encoder's VAD hangover codes ~0.15 s after each utterance as speech (comfort noise level).
      expectAligned(stretches, segments, file.endsWith('.amr') ? 0.2 : 0.1);
      report.push(`${c.role}: ${c.durationSec.toFixed(3)} s, ${stretches.length} speech stretches`);
    }
    console.log(`${file}: prepared in ${ms.toFixed(0)} ms; ${report.join('; ')}`);
  });

  it('broken-page.wav is rejected as not audio', async () => {
    const error = await prepareRecording(path.join(callsDir, 'broken-page.wav'), { workDir: work, ...LIMIT }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).code).toBe('not_audio');
    expect((error as BadInputError).message).toContain('broken-page.wav');
  });
});
