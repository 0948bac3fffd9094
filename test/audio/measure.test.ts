// Audio measurements (pipeline/audio/measure.ts): the interval arithmetic by arrays, then real ffmpeg on a
// generated stereo layout whose truth we set, the sample calls against their scripts, and real Mandarin speech.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeMeasurements,
  findInterruptions,
  measureChannels,
  silencesInside,
  totalSec,
  unionSpans,
} from '../../pipeline/audio/measure.js';
import { prepareRecording } from '../../pipeline/audio/prepare.js';
import { audioSchema, parseTranscriptText, type TimeSpan } from '../../pipeline/transcript.js';
import { TimeLimitError } from '../../pipeline/errors.js';
import { ffmpeg, makeNoiseWav } from '../support/media.js';

const LIMIT = { timeLimitMs: 20_000 };
const VAD = { noiseDb: -35, minSilenceSec: 0.4 };
const span = (start: number, end: number): TimeSpan => ({ start, end });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'callqa-measure-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('interval arithmetic', () => {
  it('unionSpans sorts, joins overlapping and touching spans, drops empty ones', () => {
    expect(unionSpans([span(5, 6), span(1, 2), span(1.5, 3), span(3, 4), span(7, 7)])).toEqual([span(1, 4), span(5, 6)]);
    expect(unionSpans([])).toEqual([]);
  });

  it('totalSec sums lengths', () => {
    expect(totalSec([span(1, 2.5), span(4, 4.25)])).toBeCloseTo(1.75, 9);
  });

  it('silencesInside: gaps of everybody between first and last speech, at least minSec', () => {
    const agent = [span(0.5, 2), span(6, 8)];
    const customer = [span(2.2, 4), span(7.5, 9)];
    // union: 0.5–4, 6–9 → one gap 4–6; 2–2.2 is covered by nobody but shorter than 0.4
    expect(silencesInside([...agent, ...customer], 0.4)).toEqual([span(4, 6)]);
    expect(silencesInside([...agent, ...customer], 0.2)).toEqual([span(2, 2.2), span(4, 6)]);
    expect(silencesInside([], 0.4)).toEqual([]);
    expect(silencesInside([span(1, 2)], 0.4)).toEqual([]);
  });

  it('findInterruptions: who starts inside the other side\'s speech, overlap ≥ threshold, both directions', () => {
    const agent = [span(0, 3), span(5, 6), span(9, 12)];
    const customer = [span(2.5, 4), span(5.9, 7), span(8, 10), span(12, 13)];
    expect(findInterruptions(agent, customer, 300)).toEqual([
      { start: 2.5, overlapMs: 500, by: 'customer' }, // customer starts 2.5 while the agent speaks until 3
      { start: 9, overlapMs: 1000, by: 'agent' }, // agent starts 9 while the customer speaks until 10
    ]);
    // 5.9: overlap 100 ms, below 300; 12: starts exactly when the agent stops (no overlap)
    expect(findInterruptions(agent, customer, 100).map((i) => i.start)).toEqual([2.5, 5.9, 9]);
    // the same start instant is no interruption
    expect(findInterruptions([span(1, 2)], [span(1, 3)], 0)).toEqual([]);
    // interrupting inside a longer stretch: overlap ends where the shorter one ends
    expect(findInterruptions([span(0, 10)], [span(2, 3)], 300)).toEqual([{ start: 2, overlapMs: 1000, by: 'customer' }]);
  });

  it('computeMeasurements: stereo totals, ratios, interruptions, rounding to ms', () => {
    const m = computeMeasurements({
      durationSec: 10,
      channels: [
        { role: 'agent', speech: [span(0.5, 2), span(6, 8)] },
        { role: 'customer', speech: [span(2.2, 4.0001), span(7.5, 9)] },
      ],
      vad: VAD,
    });
    expect(m).toEqual({
      durationSec: 10,
      speech: { agent: [span(0.5, 2), span(6, 8)], customer: [span(2.2, 4), span(7.5, 9)] },
      silences: [span(4, 6)],
      nonTalkSec: 2,
      nonTalkRatio: 0.2,
      interruptions: [{ start: 7.5, overlapMs: 500, by: 'customer' }],
      talkSec: { agent: 3.5, customer: 3.3 },
      agentTalkRatio: 0.515,
      vad: VAD,
    });
    expect(audioSchema.safeParse(m).success).toBe(true);
  });

  it('computeMeasurements: mono has unknown only, no interruptions, no talk ratio; silence-only call', () => {
    const m = computeMeasurements({ durationSec: 5, channels: [{ role: 'unknown', speech: [span(0, 1), span(3, 4)] }], vad: VAD });
    expect(m).toMatchObject({ speech: { unknown: [span(0, 1), span(3, 4)] }, silences: [span(1, 3)], nonTalkSec: 2, nonTalkRatio: 0.4, interruptions: [], talkSec: { unknown: 2 } });
    expect(m.agentTalkRatio).toBeUndefined();
    const quiet = computeMeasurements({ durationSec: 2, channels: [{ role: 'agent', speech: [] }, { role: 'customer', speech: [] }], vad: VAD });
    expect(quiet).toMatchObject({ silences: [], nonTalkSec: 0, nonTalkRatio: 0, talkSec: { agent: 0, customer: 0 } });
    expect(quiet.agentTalkRatio).toBeUndefined();
  });
});

/** A tone (440 Hz agent, 660 Hz caller, amplitude 0.5) during each span, silence elsewhere. */
function toneExpr(spans: TimeSpan[], hz: number): string {
  const on = spans.map((s) => `between(t\\,${s.start}\\,${s.end})`).join('+');
  return `if(${on}\\,0.5*sin(2*PI*${hz}*t)\\,0)`;
}

describe('measurements on a generated stereo call (real ffmpeg)', () => {
  // Truth: agent on channel 0, caller on channel 1; 13 s, 8 kHz 16-bit.
  const agent = [span(0.5, 2.5), span(4, 6), span(8, 9), span(10.5, 12)];
  const customer = [span(2.8, 3.8), span(5.5, 7), span(8.8, 11)];

  it('finds each side\'s speech, the silence, the interruptions and talk times within 0.1 s', async () => {
    const file = path.join(work, 'layout.wav');
    await ffmpeg(
      '-f', 'lavfi', '-i', `aevalsrc=exprs=${toneExpr(agent, 440)}|${toneExpr(customer, 660)}:s=8000:d=13:c=stereo`,
      '-c:a', 'pcm_s16le', file,
    );
    const prepared = await prepareRecording(file, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT });
    const m = await measureChannels(prepared.channels, LIMIT);
    const close = (got: TimeSpan[] | undefined, want: TimeSpan[]) => {
      expect(got).toHaveLength(want.length);
      want.forEach((w, i) => {
        expect(Math.abs(got![i]!.start - w.start), `start ${w.start}`).toBeLessThanOrEqual(0.1);
        expect(Math.abs(got![i]!.end - w.end), `end ${w.end}`).toBeLessThanOrEqual(0.1);
      });
    };
    close(m.speech.agent, agent);
    close(m.speech.customer, customer);
    // Everybody silent 7–8 only (2.5–2.8 and 3.8–4 are shorter than 0.4 s); 0–0.5 and 12–13 are outside the call.
    close(m.silences, [span(7, 8)]);
    expect(Math.abs(m.nonTalkSec - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.nonTalkRatio - 1 / 13)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(m.durationSec - 13)).toBeLessThanOrEqual(0.01);
    // The caller starts at 5.5 into the agent's 4–6 (0.5 s); the agent starts at 10.5 into the caller's 8.8–11 (0.5 s);
    // the caller's 8.8 start overlaps the agent's 8–9 by only 0.2 s: below 300 ms.
    expect(m.interruptions.map((i) => i.by)).toEqual(['customer', 'agent']);
    [5.5, 10.5].forEach((t, i) => expect(Math.abs(m.interruptions[i]!.start - t)).toBeLessThanOrEqual(0.1));
    m.interruptions.forEach((i) => expect(Math.abs(i.overlapMs - 500)).toBeLessThanOrEqual(100));
    expect(Math.abs(m.talkSec.agent! - 6.5)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.talkSec.customer! - 4.7)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(m.agentTalkRatio! - 6.5 / 11.2)).toBeLessThanOrEqual(0.01);
    expect(m.vad).toEqual(VAD);
    console.log(`generated layout: agent ${JSON.stringify(m.speech.agent)} customer ${JSON.stringify(m.speech.customer)} interruptions ${JSON.stringify(m.interruptions)}`);
  });

  it('stops at the time limit', async () => {
    const file = path.join(work, 'long.wav');
    await makeNoiseWav(file, 1200);
    const error = await measureChannels([{ role: 'unknown', path: file }], { timeLimitMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeLimitError);
  });
});

const callsDir = fileURLToPath(new URL('../../samples/calls/', import.meta.url));
const samples = readdirSync(callsDir).filter((f) => /\.(wav|mp3|amr)$/.test(f) && !f.startsWith('broken'));

describe('measurements on the sample calls against their scripts', () => {
  it.each(samples)('%s: talk time per turn within 0.2 s of the script', async (file) => {
    const meta = JSON.parse(await readFile(path.join(callsDir, `${file}.json`), 'utf8')) as { channels?: { agent: number; customer: number } };
    const script = parseTranscriptText(await readFile(path.join(callsDir, `${file}.script.json`), 'utf8'), file);
    const prepared = await prepareRecording(path.join(callsDir, file), { workDir: work, channelMap: meta.channels, ...LIMIT });
    const m = await measureChannels(prepared.channels, LIMIT);
    const worst: number[] = [];
    for (const turn of script.segments) {
      const role = meta.channels ? turn.speaker : 'unknown';
      // Speech of the turn's side between the midpoints of the pauses around it (turns are 0.6 s apart).
      const lo = turn.start - 0.3;
      const hi = turn.end + 0.3;
      const talk = totalSec((m.speech[role as 'agent'] ?? []).map((s) => span(Math.max(s.start, lo), Math.min(s.end, hi))).filter((s) => s.end > s.start));
      const diff = Math.abs(talk - (turn.end - turn.start));
      worst.push(diff);
      expect(diff, `talk time of "${turn.text}" (${turn.start}–${turn.end})`).toBeLessThanOrEqual(0.2);
    }
    if (meta.channels) {
      for (const role of ['agent', 'customer'] as const) {
        const want = totalSec(script.segments.filter((s) => s.speaker === role));
        expect(Math.abs(m.talkSec[role]! - want), `${role} talk time`).toBeLessThanOrEqual(0.2 * script.segments.length);
      }
      expect(m.interruptions).toEqual([]); // scripted turns never overlap
    }
    // The scripted pauses are 0.6 s, longer than the VAD's 0.4 s minimum: one silence between each pair of turns.
    expect(m.silences).toHaveLength(script.segments.length - 1);
    console.log(`${file}: worst turn talk-time error ${(Math.max(...worst) * 1000).toFixed(0)} ms; talk ${JSON.stringify(m.talkSec)}; non-talk ${m.nonTalkSec} s`);
  });
});

const sharedVad = fileURLToPath(new URL('../../../shared/audio/mandarin-vad-test.wav', import.meta.url));
const haveShared = existsSync(sharedVad);
if (!haveShared) console.log(`SKIP real-speech measurement: ${sharedVad} (shared/audio) is not there`);

describe.skipIf(!haveShared)('measurements on real Mandarin speech (shared/audio, mono)', () => {
  it('mandarin-vad-test.wav: silences at about 2.59–3.13 s and 6.18–6.71 s, speech under unknown', async () => {
    const prepared = await prepareRecording(sharedVad, { workDir: work, ...LIMIT });
    const m = await measureChannels(prepared.channels, LIMIT);
    expect(m.silences).toHaveLength(2);
    [2.59, 3.13, 6.18, 6.71].forEach((want, i) => expect(Math.abs(m.silences.flatMap((s) => [s.start, s.end])[i]! - want)).toBeLessThanOrEqual(0.1));
    expect(Object.keys(m.speech)).toEqual(['unknown']);
    expect(m.speech.unknown).toHaveLength(3);
    expect(m.interruptions).toEqual([]);
    expect(m.agentTalkRatio).toBeUndefined();
    expect(Math.abs(m.nonTalkSec - (3.13 - 2.59 + 6.71 - 6.18))).toBeLessThanOrEqual(0.1);
    console.log(`mandarin-vad-test.wav: silences ${JSON.stringify(m.silences)}; talk ${JSON.stringify(m.talkSec)}`);
  });
});
