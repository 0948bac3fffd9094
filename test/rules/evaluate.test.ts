import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRules, readLabels, type Label } from '../../rules/evaluate.js';
import { fixture } from './helpers.js';

describe('evaluateRules', () => {
  it('counts fail as the positive class and banned phrases per (call, phraseId)', () => {
    const transcripts = [fixture('greeting-nihao'), fixture('greeting-swapped'), fixture('banned-closing-time')];
    const labels: Label[] = [
      { callId: 'fx-greeting-nihao', expect: { opening_greeting: 'fail', consent_before_hangup: 'pass', banned_phrase: [] } },
      // Deliberately wrong labels, to see FP and FN counted.
      { callId: 'fx-greeting-swapped', expect: { opening_greeting: 'fail', consent_before_hangup: 'na', banned_phrase: ['B01'] } },
      { callId: 'fx-banned-closing-time', expect: { opening_greeting: 'pass', consent_before_hangup: 'pass', banned_phrase: ['B06'] } },
    ];
    const r = evaluateRules(transcripts, labels);
    expect(r.perRule.opening_greeting).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
    expect(r.perRule.consent_before_hangup).toMatchObject({ tp: 0, fp: 0, fn: 0, accuracy: 2 / 3 });
    expect(r.perRule.banned_phrase).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(r.bannedFalseAlarmCalls).toEqual(['fx-banned-closing-time']);
    expect(r.confusions).toContainEqual({ callId: 'fx-greeting-swapped', rule: 'opening_greeting', expected: 'fail', got: 'pass' });
    expect(r.confusions).toContainEqual({ callId: 'fx-banned-closing-time', rule: 'banned_phrase', expected: 'B06', got: 'B06,B07' });
  });
  it('lists labels without a transcript as missing', () => {
    expect(evaluateRules([], [{ callId: 'x', expect: { banned_phrase: [] } }]).missing).toEqual(['x']);
  });
});

describe('readLabels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  it('reads JSON lines and names file:line of a bad line', () => {
    const ok = join(dir, 'ok.jsonl');
    writeFileSync(ok, '{"callId":"a","expect":{"banned_phrase":[]}}\n\n');
    expect(readLabels(ok)).toEqual([{ callId: 'a', expect: { banned_phrase: [] } }]);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"callId":"a","expect":{}}\n{oops\n');
    expect(() => readLabels(bad)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not JSON`));
  });
  it('refuses labels that would be misread: unknown rule ids and values of the wrong kind', () => {
    const cases: [string, RegExp][] = [
      ['{"callId":"a","expect":{"opening_greting":"pass"}}', /:1: not a label: unknown rule id\(s\) in "expect": opening_greting/],
      ['{"callId":"a","expect":{"banned_phrase":"pass"}}', /:1: not a label: expect\.banned_phrase: /],
      ['{"callId":"a","expect":{"banned_phrase":["B16"]}}', /:1: not a label: expect\.banned_phrase\.0: a banned-phrase id B01…B15/],
      ['{"callId":"a","expect":{"opening_greeting":"ok"}}', /:1: not a label: expect\.opening_greeting: /],
    ];
    for (const [line, message] of cases) {
      const f = join(dir, 'case.jsonl');
      writeFileSync(f, `${line}\n`);
      expect(() => readLabels(f), line).toThrow(message);
    }
  });
});
