// Audio measurements (pipeline/audio/measure.ts): the interval arithmetic by arrays, then Silero VAD and ffmpeg on
// a ringback, on real Mandarin speech laid into stereo calls whose truth we set (ringback, hold, interruption,
// Opus crosstalk), the sample calls against their scripts, and a real mono recording.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeCrosstalk } from '../../pipeline/audio/crosstalk.js';
import {
  computeMeasurements,
  extendOnsets,
  findHolds,
  findInterruptions,
  subtractSpans,
  measureChannels,
  silencesInside,
  totalSec,
  unionSpans,
} from '../../pipeline/audio/measure.js';
import { prepareRecording } from '../../pipeline/audio/prepare.js';
import { audioSchema, parseTranscriptText, type TimeSpan } from '../../domain/transcript.js';
import { TimeLimitError } from '../../domain/errors.js';
import { speechStretches } from '../../pipeline/audio/silence.js';
import { detectSpeech } from '../../pipeline/audio/vad.js';
import { measureDecodedDuration } from '../../pipeline/audio/probe.js';
import { ffmpeg, makeNoiseWav, makeStereoCall, type LaidOutSpeech } from '../support/media.js';

const sharedAudio = fileURLToPath(new URL('../../../shared/audio/', import.meta.url));
const aishell = path.join(sharedAudio, 'aishell-BAC009S0764W0121.wav');
const mandarin = path.join(sharedAudio, 'mandarin-test.wav');
const haveSharedSpeech = existsSync(aishell) && existsSync(mandarin);
if (!haveSharedSpeech) console.log(`SKIP real-speech stereo measurements: ${sharedAudio} (shared/audio) is not there`);

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

  it("findInterruptions: who starts inside the other side's speech, overlap ≥ threshold, both directions", () => {
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
    expect(m).toMatchObject({
      speech: { unknown: [span(0, 1), span(3, 4)] },
      silences: [span(1, 3)],
      nonTalkSec: 2,
      nonTalkRatio: 0.4,
      interruptions: [],
      talkSec: { unknown: 2 },
    });
    expect(m.agentTalkRatio).toBeUndefined();
    const quiet = computeMeasurements({
      durationSec: 2,
      channels: [
        { role: 'agent', speech: [] },
        { role: 'customer', speech: [] },
      ],
      vad: VAD,
    });
    expect(quiet).toMatchObject({ silences: [], nonTalkSec: 0, nonTalkRatio: 0, talkSec: { agent: 0, customer: 0 } });
    expect(quiet.agentTalkRatio).toBeUndefined();
  });
});

describe('speech, sound and leak arithmetic', () => {
  it('subtractSpans keeps what the other spans do not cover', () => {
    expect(subtractSpans([span(0, 10)], [span(2, 3), span(5, 6), span(9, 12)])).toEqual([span(0, 2), span(3, 5), span(6, 9)]);
    expect(subtractSpans([span(1, 2)], [])).toEqual([span(1, 2)]);
  });
  it('findHolds: sound without speech inside the call, at least 5 s; ringing before the first word is no hold', () => {
    const speech = [span(60, 64), span(66, 70), span(86, 90)];
    const sound = [span(0, 1), span(5, 6), span(60, 64), span(66, 70), span(70.5, 78), span(78.4, 85.5), span(86, 90), span(91, 99)];
    expect(findHolds(speech, sound)).toEqual([span(70.5, 85.5)]);
    expect(findHolds([], sound)).toEqual([]);
    expect(findHolds(speech, [span(71, 74)])).toEqual([]); // 3 s: a cough, a door, not a hold
  });
  it('extendOnsets: a speech start goes back to the sound it starts in, at most 1 s back', () => {
    const speech = [span(10.5, 13), span(20.9, 22), span(40, 41)];
    const sound = [span(10, 13.2), span(5, 22), span(39.9, 41)];
    expect(extendOnsets(speech, sound)).toEqual([span(10, 13), span(20.9, 22), span(39.9, 41)]);
    // Never back over the stretch before.
    expect(extendOnsets([span(1, 2), span(2.5, 3)], [span(1.8, 3)])).toEqual([span(1, 2), span(2, 3)]);
  });
  it('removeCrosstalk: frames 20 dB below the other side where it speaks are leak; double talk stays', () => {
    const frames = (db: (t: number) => number) => Float32Array.from({ length: 200 }, (_, f) => db(f * 0.05 + 0.025));
    // 10 s. Agent speaks 1–4 at -20 dB; caller 5–8 at -20 dB, leaking into the agent channel at -45 dB;
    // both speak 8.5–9.5 (double talk, -22 and -20 dB).
    const agentLevels = frames((t) => (t >= 1 && t < 4 ? -20 : t >= 5 && t < 8 ? -45 : t >= 8.5 && t < 9.5 ? -22 : -90));
    const callerLevels = frames((t) => (t >= 1 && t < 4 ? -46 : t >= 5 && t < 8 ? -20 : t >= 8.5 && t < 9.5 ? -20 : -90));
    const agentVad = [span(1, 4), span(5, 8), span(8.5, 9.5)];
    const callerVad = [span(1, 4), span(5, 8), span(8.5, 9.5)];
    expect(removeCrosstalk(agentVad, agentLevels, callerVad, callerLevels)).toEqual([span(1, 4), span(8.5, 9.5)]);
    expect(removeCrosstalk(callerVad, callerLevels, agentVad, agentLevels)).toEqual([span(5, 8), span(8.5, 9.5)]);
    // Where the other side is silent, nothing is removed, however quiet.
    expect(
      removeCrosstalk(
        [span(1, 4)],
        frames(() => -60),
        [],
        frames(() => -20),
      ),
    ).toEqual([span(1, 4)]);
  });
});

describe('tones are not talk (real ffmpeg, Silero VAD)', () => {
  it('a 60 s ringback on both channels: 12 s of sound per side for silencedetect, no talk, no interruption', async () => {
    const file = path.join(work, 'ringback.wav');
    await makeStereoCall(file, [{ ringback: 60 }], [{ ringback: 60 }], () => 0);
    const prepared = await prepareRecording(file, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT });
    // What the energy detector alone made of it (talk time before neural VAD): 1 s of tone every 5 s.
    const sound = await speechStretches(prepared.channels[0]!.path, LIMIT);
    expect(Math.abs(totalSec(sound) - 12)).toBeLessThanOrEqual(0.5);
    const { audio: m, speech } = await measureChannels(prepared.channels, LIMIT);
    expect(m.talkSec).toEqual({ agent: 0, customer: 0 });
    expect(m.interruptions).toEqual([]);
    expect(m.agentTalkRatio).toBeUndefined();
    expect(m.holds).toEqual([]); // before anybody speaks: ringing, not a hold
    expect(speech).toEqual([[], []]);
    expect(m.vad).toMatchObject({ method: 'silero-vad-v5', ...VAD });
    expect(audioSchema.safeParse(m).success).toBe(true);
  });

  it('stops at the time limit', async () => {
    const file = path.join(work, 'long.wav');
    await makeNoiseWav(file, 1200);
    const error = await measureChannels([{ role: 'unknown', path: file }], { timeLimitMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeLimitError);
  });
});

describe.skipIf(!haveSharedSpeech)('measurements on real speech laid into stereo calls (../shared/audio)', () => {
  const durations = new Map<string, number>();
  const alone = new Map<string, TimeSpan[]>();
  beforeAll(async () => {
    for (const f of [aishell, mandarin]) {
      durations.set(f, await measureDecodedDuration(f, LIMIT));
      alone.set(f, await detectSpeech(f));
    }
  });
  /** Where VAD finds each laid file's speech on its own, shifted to where it was laid. */
  const expectedSpeech = (placed: LaidOutSpeech[]) =>
    placed.flatMap((p) => alone.get(p.file)!.map((s) => span(s.start + p.offset, s.end + p.offset)));
  const close = (got: TimeSpan[] | undefined, want: TimeSpan[], tolerance: number) => {
    expect(got).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(Math.abs(got![i]!.start - w.start), `start ${w.start}`).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(got![i]!.end - w.end), `end ${w.end}`).toBeLessThanOrEqual(tolerance);
    });
  };

  it('60 s of ringback, turns, a 15 s hold and one interruption: talk, holds and interruptions where they were laid', async () => {
    const dA = durations.get(aishell)!;
    const dM = durations.get(mandarin)!;
    // Agent: rings, answers (60 s), waits for the caller, puts the caller on hold (15 s music), speaks again.
    // Caller: rings, asks after the agent, and cuts in 1.2 s before the agent's second turn ends.
    const holdStart = 60 + dA + 1 + dM + 1;
    const agentAgain = holdStart + 15 + 0.5;
    const callerCutsIn = agentAgain + dA - 1.2;
    const file = path.join(work, 'laid-stereo.wav');
    const placed = await makeStereoCall(
      file,
      [{ ringback: 60 }, { speech: aishell }, { silence: 1 + dM + 1 }, { hold: 15 }, { silence: 0.5 }, { speech: aishell }],
      [{ ringback: 60 }, { silence: dA + 1 }, { speech: mandarin }, { silence: callerCutsIn - (60 + dA + 1 + dM) }, { speech: mandarin }],
      (f) => durations.get(f)!,
    );
    const prepared = await prepareRecording(file, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT });
    const { audio: m, speech } = await measureChannels(prepared.channels, LIMIT);
    const agent = expectedSpeech(placed.agent);
    const customer = expectedSpeech(placed.customer);
    close(m.speech.agent, agent, 0.15);
    close(m.speech.customer, customer, 0.15);
    expect(speech).toEqual(
      [m.speech.agent, m.speech.customer].map((spans) => spans!.map((s) => expect.objectContaining({ start: expect.closeTo(s.start, 2) }))),
    );
    expect(Math.abs(m.talkSec.agent! - totalSec(agent))).toBeLessThanOrEqual(0.3);
    expect(Math.abs(m.talkSec.customer! - totalSec(customer))).toBeLessThanOrEqual(0.3);
    // The hold: music while nobody speaks, inside the call.
    close(m.holds, [span(holdStart, holdStart + 15)], 0.3);
    // Non-talk time includes the hold (nobody speaks there).
    expect(m.silences.some((s) => s.start <= holdStart + 0.3 && s.end >= holdStart + 14.7)).toBe(true);
    // One interruption: the caller, where their second turn's speech starts, overlapping the agent by ~1 s.
    expect(m.interruptions).toHaveLength(1);
    expect(m.interruptions[0]!.by).toBe('customer');
    expect(Math.abs(m.interruptions[0]!.start - customer[1]!.start)).toBeLessThanOrEqual(0.15);
    console.log(`laid-out stereo call: ${JSON.stringify({ talk: m.talkSec, holds: m.holds, interruptions: m.interruptions })}`);
  });

  it("a 24 kbit/s Opus stereo call: the other side's leaked voice is neither talk nor an interruption", async () => {
    const dA = durations.get(aishell)!;
    const dM = durations.get(mandarin)!;
    const file = path.join(work, 'turns.wav');
    const placed = await makeStereoCall(
      file,
      [{ silence: 0.5 }, { speech: aishell }, { silence: 1 + dM + 1 }, { speech: aishell }],
      [{ silence: 0.5 + dA + 1 }, { speech: mandarin }, { silence: 1 + dA + 1 }, { speech: mandarin }],
      (f) => durations.get(f)!,
    );
    // Loud, as recorders level them, then coded the way some recorders store calls.
    const opus = path.join(work, 'turns-24k.ogg');
    await ffmpeg('-i', file, '-af', 'volume=12dB', '-c:a', 'libopus', '-b:a', '24k', opus);
    const prepared = await prepareRecording(opus, { workDir: work, channelMap: { agent: 0, customer: 1 }, ...LIMIT });
    // The case: Silero alone hears the caller's leaked voice on the agent's channel (and the other way round).
    const leakedAgent = await detectSpeech(prepared.channels[0]!.path);
    expect(leakedAgent.length).toBeGreaterThan(2);
    const { audio: m } = await measureChannels(prepared.channels, LIMIT);
    expect(m.interruptions).toEqual([]);
    // Each side's own turns only. 12 dB louder than the reference files, the onsets are heard up to ~0.35 s earlier.
    close(m.speech.agent, expectedSpeech(placed.agent), 0.4);
    close(m.speech.customer, expectedSpeech(placed.customer), 0.4);
    console.log(
      `24 kbit/s Opus: Silero alone on the agent channel ${JSON.stringify(leakedAgent)}; after crosstalk removal ${JSON.stringify(m.speech)}`,
    );
  });
});

const callsDir = fileURLToPath(new URL('../../samples/calls/', import.meta.url));
const samples = readdirSync(callsDir).filter((f) => /\.(wav|mp3|amr)$/.test(f) && !f.startsWith('broken'));

describe('measurements on the sample calls against their scripts', () => {
  it.each(samples)('%s: talk time per turn within 0.2 s of the script', async (file) => {
    const meta = JSON.parse(await readFile(path.join(callsDir, `${file}.json`), 'utf8')) as {
      channels?: { agent: number; customer: number };
    };
    const script = parseTranscriptText(await readFile(path.join(callsDir, `${file}.script.json`), 'utf8'), file);
    const prepared = await prepareRecording(path.join(callsDir, file), { workDir: work, channelMap: meta.channels, ...LIMIT });
    const { audio: m } = await measureChannels(prepared.channels, LIMIT);
    const worst: number[] = [];
    for (const turn of script.segments) {
      // Silero drops speech shorter than 0.25 s (its minimum stretch): call-03's 0.22 s espeak "喂" is not talk.
      if (turn.end - turn.start < 0.25) continue;
      const role = meta.channels ? turn.speaker : 'unknown';
      // Speech of the turn's side between the midpoints of the pauses around it (turns are 0.6 s apart).
      const lo = turn.start - 0.3;
      const hi = turn.end + 0.3;
      const talk = totalSec(
        (m.speech[role as 'agent'] ?? []).map((s) => span(Math.max(s.start, lo), Math.min(s.end, hi))).filter((s) => s.end > s.start),
      );
      const diff = Math.abs(talk - (turn.end - turn.start));
      worst.push(diff);
      expect(diff, `talk time of "${turn.text}" (${turn.start}–${turn.end})`).toBeLessThanOrEqual(0.2);
    }
    if (meta.channels) {
      for (const role of ['agent', 'customer'] as const) {
        const want = totalSec(script.segments.filter((s) => s.speaker === role && s.end - s.start >= 0.25));
        expect(Math.abs(m.talkSec[role]! - want), `${role} talk time`).toBeLessThanOrEqual(0.2 * script.segments.length);
      }
      expect(m.interruptions).toEqual([]); // scripted turns never overlap
    }
    // The scripted pauses are 0.6 s, longer than the 0.4 s minimum: one silence between each pair of turns.
    expect(m.silences).toHaveLength(script.segments.filter((t) => t.end - t.start >= 0.25).length - 1);
    console.log(
      `${file}: worst turn talk-time error ${(Math.max(...worst) * 1000).toFixed(0)} ms; talk ${JSON.stringify(m.talkSec)}; non-talk ${m.nonTalkSec} s`,
    );
  });
});

const sharedVad = fileURLToPath(new URL('../../../shared/audio/mandarin-vad-test.wav', import.meta.url));
const haveShared = existsSync(sharedVad);
if (!haveShared) console.log(`SKIP real-speech measurement: ${sharedVad} (shared/audio) is not there`);

describe.skipIf(!haveShared)('measurements on real Mandarin speech (shared/audio, mono)', () => {
  it('mandarin-vad-test.wav: the line noise of the first 2.5 s is not talk; speech under unknown', async () => {
    const prepared = await prepareRecording(sharedVad, { workDir: work, ...LIMIT });
    // silencedetect alone (the energy detector measurements used before) hears the line noise as sound.
    expect((await speechStretches(prepared.channels[0]!.path, LIMIT))[0]!.start).toBeLessThan(0.1);
    const { audio: m } = await measureChannels(prepared.channels, LIMIT);
    expect(Object.keys(m.speech)).toEqual(['unknown']);
    expect(m.speech.unknown![0]!.start).toBeGreaterThan(2.5);
    expect(m.speech.unknown!.at(-1)!.end).toBeGreaterThan(9.5);
    // Its pauses (0.53 s of silence at about 6.2 s) are shorter than Silero's hangover: one stretch of talk.
    expect(Math.abs(m.talkSec.unknown! - 7.2)).toBeLessThanOrEqual(0.3);
    expect(m.interruptions).toEqual([]);
    expect(m.agentTalkRatio).toBeUndefined();
    console.log(`mandarin-vad-test.wav: speech ${JSON.stringify(m.speech)}; silences ${JSON.stringify(m.silences)}`);
  });
});
