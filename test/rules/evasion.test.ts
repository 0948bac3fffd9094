/**
 * Evasions as the agent's line (issue 9, part 1): a banned word hidden by invisible characters, spaces of any
 * kind or compatibility forms is still found, and the finding quotes what was written.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTranscript } from '../../rules/analyze.js';
import type { Transcript } from '../../domain/transcript.js';
import { callWithAgentLine } from './helpers.js';

const call = (agentLine: string): Transcript => callWithAgentLine(agentLine, '我想问一下结婚登记要带什么');

const EVASIONS: [string, string][] = [
  ['zero-width space', '你\u200b神\u200b经\u200b病'],
  ['zero-width joiners', '你神\u200c经\u200d病啊'],
  ['word joiner', '神\u2060经\u2060病'],
  ['soft hyphen', '你这人神\u00ad经\u00ad病'],
  ['bidi override', '你\u202e神经病\u202c吧'],
  ['bidi isolate', '\u2066神经\u2069病'],
  ['NUL', '神\u0000经病'],
  ['byte-order mark', '神\ufeff经病'],
  ['ASCII spaces', '你这人 神 经 病 吧'],
  ['ideographic spaces', '神\u3000经\u3000病'],
  ['tab', '神\t经\t病'],
  ['no-break space', '你这人神\u00a0经\u00a0病'],
  ['a split word', '你这人神经 病'],
  ['full-width forms', '神经病！！'],
  ['Traditional', '你這人神經病'],
  ['homophone', '你这人神经并'],
];

describe('evasions as the agent line', () => {
  it.each(EVASIONS)('%s: B11 is found, evidence quotes the original', (_kind, line) => {
    const r = analyzeTranscript(call(line), { now: new Date(0) });
    const banned = r.rules.find((x) => x.id === 'banned_phrase')!;
    expect(banned.findings.map((f) => f.phraseId)).toEqual(['B11']);
    expect(banned.findings[0]!.text).toBe(line);
  });
  it('the same line from the caller is no violation', () => {
    const t = call('好的');
    t.segments[1]!.text = '你这人神\u200b经\u200b病';
    expect(analyzeTranscript(t, { now: new Date(0) }).rules.find((x) => x.id === 'banned_phrase')!.findings).toEqual([]);
  });
});
