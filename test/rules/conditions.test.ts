/**
 * The condition and scope language beyond what the shipped rules use: atLeast, none, not, except, unless,
 * scope.after and withinLastSec, written as a small custom ruleset.
 */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { parseRuleset } from '../../rules/ruleset.js';
import { customRuleset } from './helpers.js';

const HOLD_ANNOUNCED = '  hold_announced: { any: [请稍等, 您稍等] }';
const base = (phrases: string, scope?: string) => customRuleset(phrases, scope, '', HOLD_ANNOUNCED);

const call = (...agentLines: string[]): Transcript => ({
  callId: 'lang',
  durationSec: agentLines.length * 10,
  segments: agentLines.map((text, i) => ({ start: i * 10, end: i * 10 + 5, speaker: 'agent' as const, text })),
});

const ids = (yaml: string, t: Transcript) =>
  analyzeTranscript(t, { ruleset: parseRuleset(yaml, 'lang.yaml') })
    .rules.find((r) => r.id === 'banned_phrase')!
    .findings.map((f) => `${f.phraseId}@${f.start}`);

describe('condition language', () => {
  it('atLeast N of a list', () => {
    const y = base('      - { id: X, when: { atLeast: 2, of: [牌子, 自己, 看] } }');
    expect(ids(y, call('牌子在那', '墙上有牌子，自己看'))).toEqual(['X@10']);
  });
  it('and / not / none', () => {
    const y = base('      - { id: X, when: { and: [ { any: [下班] }, { not: { any: [抱歉] } }, { none: [您] } ] } }');
    expect(ids(y, call('下班了', '抱歉，下班了', '您来晚了，下班了'))).toEqual(['X@0']);
  });
  it('except cancels only a covered hit', () => {
    const y = base('      - { id: X, when: { any: [不知道], except: [如果您不知道] } }');
    expect(ids(y, call('如果您不知道怎么填，我教您', '如果您不知道，那我也不知道'))).toEqual(['X@10']);
  });
  it('regex with unless', () => {
    const y = base("      - { id: X, when: { regex: '重新?填', unless: '请您' } }");
    expect(ids(y, call('重填', '请您重新填一张')).length).toBe(1);
  });
  it('scope after a named condition and within the last seconds', () => {
    const after = base('      - { id: X, when: { any: [好了] } }', '{ speaker: agent, after: hold_announced }');
    expect(ids(after, call('好了', '请稍等', '好了'))).toEqual(['X@20']);
    const last = base('      - { id: X, when: { any: [好了] } }', '{ speaker: agent, withinLastSec: 12 }');
    expect(ids(last, call('好了', '好了', '好了'))).toEqual(['X@20']);
  });
  it('sound-alike matching for every phrase, unless pinyin: false', () => {
    const fuzzy = base('      - { id: X, when: { any: [再见] } }');
    const exact = base('      - { id: X, when: { any: [再见], pinyin: false } }');
    expect(ids(fuzzy, call('在见'))).toEqual(['X@0']);
    expect(ids(exact, call('在见'))).toEqual([]);
  });
});
