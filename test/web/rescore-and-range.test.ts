/** Unit tests: the score after review (rules/analyze/score.ts rescoreReport) and Range header parsing (web/audio.ts). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { parseTranscriptText } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { rescoreReport } from '../../rules/analyze/score.js';
import { parseRange } from '../../web/audio.js';

const call03 = () =>
  analyzeTranscript(parseTranscriptText(readFileSync(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav.script.json'), 'utf8'), 'call-03'));

describe('rescoreReport', () => {
  it('gives the original score when nothing is dismissed', () => {
    const r = call03();
    expect(rescoreReport(r, () => false)).toBe(r.score);
  });

  it('drops a once-per-rule deduction when every finding of the rule is dismissed', () => {
    const r = call03();
    const greeting = r.rules.find((x) => x.id === 'opening_greeting')!;
    expect(greeting.status).toBe('fail');
    expect(rescoreReport(r, (id) => id === 'opening_greeting')).toBe(r.score + greeting.deduction!);
  });

  it('takes per-hit deductions off one finding at a time', () => {
    const r = call03();
    const banned = r.rules.find((x) => x.id === 'banned_phrase')!;
    expect(banned.findings.length).toBeGreaterThan(1);
    const one = rescoreReport(r, (id, i) => id === 'banned_phrase' && i === 0);
    expect(one).toBeGreaterThan(r.score);
    const all = rescoreReport(r, (id) => id === 'banned_phrase');
    expect(all).toBe(r.score + banned.deduction!);
    expect(all).toBeGreaterThan(one);
  });

  it('gives 100 when every finding of every failed rule is dismissed and no rule failed without findings', () => {
    const r = call03();
    const withoutFindings = r.rules.filter((x) => x.status === 'fail' && x.findings.length === 0);
    const expected = 100 - withoutFindings.reduce((s, x) => s + (x.deduction ?? 0), 0);
    expect(rescoreReport(r, () => true)).toBe(expected);
  });

  it('scales deductions by the findings kept when the report came from another ruleset version', () => {
    const r = { ...call03(), rulesetVersion: 'service-norms@0' };
    const banned = r.rules.find((x) => x.id === 'banned_phrase')!;
    const n = banned.findings.length;
    expect(rescoreReport(r, (id, i) => id === 'banned_phrase' && i === 0)).toBe(Math.round(r.score + banned.deduction! / n));
    // A red-line zero stays zero unless every failed rule's findings are dismissed.
    const zero = { ...r, score: 0 };
    expect(rescoreReport(zero, (id) => id === 'banned_phrase')).toBe(0);
  });
});

describe('parseRange', () => {
  it('parses single ranges and clamps the end', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });

  it('reports unsatisfiable ranges', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=500-400', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
  });

  it('ignores missing, malformed and multi-range headers (the whole body is sent)', () => {
    for (const h of [undefined, '', 'bytes=', 'bytes=a-b', 'items=0-1', 'bytes=0-1,5-6', 'bytes=-'])
      expect(parseRange(h, 1000)).toBeUndefined();
  });
});
