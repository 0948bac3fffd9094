import { describe, expect, it } from 'vitest';
import { analyzeFixture, bannedIds, rule } from './helpers.js';

const ids = (name: string) => bannedIds(analyzeFixture(name));

describe('banned_phrase (norms 四、禁用语 B01–B15, agent utterances only)', () => {
  it('does not count 不知道 in a helpful offer or a polite question', () => expect(ids('banned-helpful-buzhidao')).toEqual([]));
  it('finds brush-offs 不晓得 / 我也不知道, one finding per utterance, for review', () => {
    const r = rule(analyzeFixture('banned-brushoff-buzhidao'), 'banned_phrase');
    expect(r.findings.map((f) => f.phraseId)).toEqual(['B01', 'B01']);
    expect(r.findings.every((f) => f.speaker === 'agent' && f.needsReview)).toBe(true);
  });
  it('does not count admitting 不知道 while committing to find out', () => expect(ids('banned-admit-follow-up')).toEqual([]));
  it('ignores banned phrases said by the caller', () => expect(ids('banned-caller-words')).toEqual([]));
  it('does not count a polite referral', () => expect(ids('banned-polite-referral')).toEqual([]));
  it('finds 你去问×× as B02; a bare 别问我 (no one else to ask) is no B02', () => expect(ids('banned-send-away')).toEqual(['B02']));
  it('finds sound-alikes and Wu wording, sound-alikes flagged for review', () => {
    const r = rule(analyzeFixture('banned-homophones'), 'banned_phrase');
    expect(r.findings.map((f) => f.phraseId).sort()).toEqual(['B10', 'B15']);
    expect(r.findings.find((f) => f.phraseId === 'B15')?.needsReview).toBe(true);
  });
  it('finds B07 hurrying and B06 with the 在/再 homophone', () => expect(ids('banned-closing-time')).toEqual(['B06', 'B07']));
  it('does not count closing time stated with an apology', () => expect(ids('banned-closing-time-polite')).toEqual([]));
  it('counts a decoder_loop segment once', () => {
    const r = rule(analyzeFixture('banned-decoder-loop'), 'banned_phrase');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ phraseId: 'B11', speaker: 'agent' });
  });
  it('finds banned phrases in Traditional script', () => expect(ids('banned-traditional')).toEqual(['B10', 'B15']));
  it('does not count "我再给您讲一遍" but counts "都说了好几遍了"', () => expect(ids('banned-repeat-polite')).toEqual(['B08']));
  it('does not count polite escalation but counts 有意见你找领导去', () => expect(ids('banned-escalation')).toEqual(['B12']));
  it('finds other wordings: rhetorical 我哪知道, 明天再说, 忙 and 没看见 in separate clauses', () =>
    expect(ids('banned-variant-wordings')).toEqual(['B01', 'B06', 'B09']));
  it('deducts per hit and fails the rule', () => {
    const report = analyzeFixture('banned-closing-time');
    const r = rule(report, 'banned_phrase');
    expect(r.status).toBe('fail');
    expect(r.deduction).toBe(20);
    expect(report.flagged).toBe(true);
  });
  it('is na when speaker roles are unknown (who said 神经病 cannot be told)', () => {
    const r = rule(analyzeFixture('unknown-speakers'), 'banned_phrase');
    expect(r.status).toBe('na');
    expect(r.findings).toEqual([]);
  });
});
