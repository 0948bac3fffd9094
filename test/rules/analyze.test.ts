import { describe, expect, it } from 'vitest';
import { analyzeTranscript } from '../../rules/analyze.js';
import { parseRuleset, DEFAULT_RULESET_PATH } from '../../rules/ruleset.js';
import { readdirSync, readFileSync } from 'node:fs';
import { analyzeFixture, fixture, rule } from './helpers.js';

describe('analyzeTranscript', () => {
  it('returns a format-2 report with the ruleset version, times and the four rules', () => {
    const report = analyzeFixture('consent-ask-answered');
    expect(report).toMatchObject({
      callId: 'fx-consent-ask-answered',
      score: 100,
      flagged: false,
      rulesetVersion: 'service-norms@9',
      analyzedAt: '2026-11-30T12:00:00.000Z',
      agentId: 'T001',
    });
    expect(report.rules.map((r) => r.id)).toEqual([
      'opening_greeting',
      'consent_before_hangup',
      'banned_phrase',
      'polite_language',
      'phone_phrases',
      'no_argument',
      'first_contact',
    ]);
    // The audio rules cannot run on a transcript without audio measurements: na with a note, never a pass.
    const audioRules = ['phone_phrases', 'no_argument'];
    expect(report.rules.filter((r) => !audioRules.includes(r.id)).every((r) => r.status === 'pass')).toBe(true);
    for (const id of audioRules)
      expect(rule(report, id)).toMatchObject({ status: 'na', note: expect.stringMatching(/^转写中没有音频测量数据/) });
  });
  it('scores 100 minus deductions and flags failing calls', () => {
    const report = analyzeFixture('banned-closing-time');
    const total = report.rules.reduce((s, r) => s + (r.deduction ?? 0), 0);
    expect(total).toBeGreaterThan(0);
    expect(report.score).toBe(100 - total);
    expect(report.flagged).toBe(true);
  });
  it('sets the score to 0 when a red-line rule fails', () => {
    const text = readFileSync(DEFAULT_RULESET_PATH, 'utf8').replace(
      '      - id: B11\n        label: 神经病\n',
      '      - id: B11\n        label: 神经病\n        redLine: true\n',
    );
    const ruleset = parseRuleset(text, 'redline.yaml');
    const report = analyzeTranscript(fixture('banned-decoder-loop'), { ruleset });
    expect(report.score).toBe(0);
    expect(analyzeTranscript(fixture('banned-decoder-loop')).score).toBeGreaterThan(0);
  });
  it('flags a call whose only finding needs review (low ASR confidence)', () => {
    const t = fixture('consent-ask-answered');
    t.segments.splice(3, 0, { start: 6.9, end: 7.0, speaker: 'agent', text: '神经病', confidence: 0.4 });
    const report = analyzeTranscript(t);
    const f = rule(report, 'banned_phrase').findings[0];
    expect(f).toMatchObject({ phraseId: 'B11', needsReview: true });
    expect(report.flagged).toBe(true);
  });
  it('does not depend on segment order in the input', () => {
    const t = fixture('banned-closing-time');
    const shuffled = { ...t, segments: [...t.segments].reverse() };
    const now = new Date(0);
    expect(analyzeTranscript(shuffled, { now })).toEqual(analyzeTranscript(t, { now }));
  });
  it('marks every rule na when speaker roles are unknown', () => {
    const report = analyzeFixture('unknown-speakers');
    expect(report.rules.map((r) => r.status)).toEqual(report.rules.map(() => 'na'));
    expect(report.rules.length).toBeGreaterThanOrEqual(4);
    expect(report).toMatchObject({ flagged: true, reviewReasons: ['no_agent_speech'] });
  });
  it('flags a call in which no speech was recognised, instead of passing it', () => {
    const empty = { ...fixture('consent-ask-answered'), segments: [] };
    expect(analyzeTranscript(empty)).toMatchObject({ score: 100, flagged: true, reviewReasons: ['no_agent_speech'] });
    expect(analyzeFixture('consent-ask-answered').reviewReasons).toEqual([]);
  });
  it('reports a disabled rule as na', () => {
    const text = readFileSync(DEFAULT_RULESET_PATH, 'utf8').replace(
      '  - id: polite_language\n',
      '  - id: polite_language\n    enabled: false\n',
    );
    const report = analyzeTranscript(fixture('polite-no-farewell'), { ruleset: parseRuleset(text, 'x.yaml') });
    expect(rule(report, 'polite_language')).toMatchObject({ status: 'na', note: '规则集中已停用本规则' });
  });
  it('writes every reviewer-facing note in Chinese: rule results and findings on all fixtures, with and without audio', () => {
    const names = readdirSync(new URL('../fixtures/transcripts/', import.meta.url))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    const notes = new Set<string>();
    for (const name of names) {
      const t = fixture(name);
      const { audio: _drop, ...plain } = t;
      for (const report of [analyzeTranscript(t), analyzeTranscript(plain)]) {
        for (const r of report.rules) {
          if (r.note) notes.add(r.note);
          for (const f of r.findings) if (f.note) notes.add(f.note);
        }
      }
    }
    expect(notes.size).toBeGreaterThan(30);
    for (const note of notes) {
      // What the speakers said (quoted “…”) and the phrase id a finding starts with (B01, not_our_business) are
      // not wording of ours; the rest is.
      const ours = note.replace(/“[^”]*”/g, '').replace(/^[A-Za-z][\w-]*(?= )/, '');
      expect(ours, note).toMatch(/\p{Script=Han}/u);
      expect(ours, note).not.toMatch(/[A-Za-z]{2,}/);
    }
  });
});
