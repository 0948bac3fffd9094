/**
 * The labelled sets eval/service-calls, eval/service-calls-b, eval/service-calls-d and the blind sets
 * eval/service-calls-c and eval/service-calls-e are well formed. For the split sets: every transcript parses
 * (format 1), every label has its transcript and every transcript its label, the tune and holdout parts are
 * disjoint, both parts hold every banned-phrase id B01–B15 and every kind of consent and greeting outcome, and
 * each id is used in at least five calls. It does not score the rules (see `callqa eval` and
 * scripts/eval-noise.ts for that).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTranscriptText, type Transcript } from '../../domain/transcript.js';
import { readLabels, type Label } from '../../rules/evaluate.js';

/**
 * The split sets, with the size each README promises (calls in tune + holdout), the least share of fully
 * compliant calls in each part, and the kinds of hard case its README says every part holds, as its `why` texts
 * name them.
 */
const SETS = [
  { name: 'service-calls', minCalls: 240, minCompliant: 0.4, kinds: ['ASR-error case', 'Near-miss', 'The caller, not the agent', 'Ringback', 'irritated'] },
  { name: 'service-calls-b', minCalls: 150, minCompliant: 0.4, kinds: ['ASR-error case', 'Near-miss', 'The caller, not the agent', 'Ringback', 'irritated'] },
  { name: 'service-calls-d', minCalls: 180, minCompliant: 0.25, kinds: ['ASR'] },
  { name: 'service-calls-f', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-g', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-h', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-i', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-j', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-k', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
  { name: 'service-calls-l', minCalls: 120, minCompliant: 0.15, kinds: ['ASR'] },
] as const;
/** Every banned-phrase id appears in at least this many calls of a set (each set README: every id in five calls at least, with different wordings). */
const MIN_CALLS_PER_PHRASE = 5;
const PARTS = ['tune', 'holdout'] as const;
const IDS = Array.from({ length: 15 }, (_, i) => `B${String(i + 1).padStart(2, '0')}`);

function readPart(set: string, part: string): { transcripts: Transcript[]; files: string[]; labels: Label[] } {
  const dir = path.resolve(import.meta.dirname, '../../eval', set, part);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const transcripts = files.map((f) => parseTranscriptText(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
  return { transcripts, files, labels: readLabels(path.join(dir, 'labels.jsonl')) };
}

describe.each(SETS.map((s) => [s.name, s.minCalls, s.minCompliant, s.kinds] as const))('eval/%s', (name, minCalls, minCompliant, kinds) => {
  const parts = Object.fromEntries(PARTS.map((p) => [p, readPart(name, p)]));

  it.each(PARTS)('%s: every transcript parses, is named after its call and has exactly one label', (part) => {
    const { transcripts, files, labels } = parts[part]!;
    expect(transcripts.map((t) => `${t.callId}.json`)).toEqual(files);
    const labelIds = labels.map((l) => l.callId);
    expect(new Set(labelIds).size).toBe(labelIds.length);
    expect([...labelIds].sort()).toEqual(transcripts.map((t) => t.callId).sort());
    for (const t of transcripts) {
      expect(t.language).toBe('zh');
      expect(t.segments.length, t.callId).toBeGreaterThanOrEqual(6);
      expect(t.segments.length, t.callId).toBeLessThanOrEqual(30);
      expect(t.segments.some((s) => s.speaker === 'agent') && t.segments.some((s) => s.speaker === 'customer'), t.callId).toBe(true);
    }
    for (const l of labels) {
      expect(l.expect.opening_greeting, l.callId).toMatch(/^(pass|fail)$/);
      expect(l.expect.consent_before_hangup, l.callId).toMatch(/^(pass|fail|na)$/);
      expect(Array.isArray(l.expect.banned_phrase), l.callId).toBe(true);
      expect(l.why, l.callId).toBeTruthy();
    }
  });

  it(`has at least ${minCalls} calls, two thirds in tune and one third in holdout, with no call in both`, () => {
    const tune = parts.tune!.labels.map((l) => l.callId);
    const holdout = parts.holdout!.labels.map((l) => l.callId);
    expect(tune.length + holdout.length).toBeGreaterThanOrEqual(minCalls);
    expect(tune.filter((id) => holdout.includes(id))).toEqual([]);
    const share = holdout.length / (tune.length + holdout.length);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.37);
  });

  it(`uses every banned phrase id in at least ${MIN_CALLS_PER_PHRASE} calls`, () => {
    const labels = [...parts.tune!.labels, ...parts.holdout!.labels];
    const calls = (id: string): number => labels.filter((l) => l.expect.banned_phrase!.includes(id)).length;
    expect(IDS.filter((id) => calls(id) < MIN_CALLS_PER_PHRASE)).toEqual([]);
  });

  it.each(PARTS)('%s: covers every banned phrase id, compliant calls and every greeting and consent outcome', (part) => {
    const { labels } = parts[part]!;
    const used = new Set(labels.flatMap((l) => l.expect.banned_phrase ?? []));
    expect(IDS.filter((id) => !used.has(id))).toEqual([]);
    expect(new Set(labels.map((l) => l.expect.opening_greeting))).toEqual(new Set(['pass', 'fail']));
    expect(new Set(labels.map((l) => l.expect.consent_before_hangup))).toEqual(new Set(['pass', 'fail', 'na']));
    expect(labels.filter((l) => l.expect.banned_phrase!.length > 1).length).toBeGreaterThan(0);
    const compliant = labels.filter((l) => l.expect.opening_greeting === 'pass' && l.expect.consent_before_hangup !== 'fail' && l.expect.banned_phrase!.length === 0);
    expect(compliant.length / labels.length).toBeGreaterThan(minCompliant);
    // The kinds of hard case the README lists are present in both parts.
    for (const kind of kinds) {
      expect(labels.some((l) => l.why?.includes(kind)), `${part}: ${kind}`).toBe(true);
    }
  });
});

/**
 * The blind sets eval/service-calls-c and eval/service-calls-e (one part each, nothing to tune on; their READMEs):
 * form only, never scores, so running the suite shows nobody how the rules do on them.
 */
describe.each(['service-calls-c', 'service-calls-e'])('eval/%s', (name) => {
  const dir = path.resolve(import.meta.dirname, '../../eval', name);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const transcripts = files.map((f) => parseTranscriptText(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
  const labels = readLabels(path.join(dir, 'labels.jsonl'));

  it('has at least 150 calls, each parsing, named after its call and with exactly one label', () => {
    expect(transcripts.length).toBeGreaterThanOrEqual(150);
    expect(transcripts.map((t) => `${t.callId}.json`)).toEqual(files);
    const labelIds = labels.map((l) => l.callId);
    expect(new Set(labelIds).size).toBe(labelIds.length);
    expect([...labelIds].sort()).toEqual(transcripts.map((t) => t.callId).sort());
  });

  it(`uses every banned phrase id in at least ${MIN_CALLS_PER_PHRASE} calls and every greeting and consent outcome`, () => {
    const calls = (id: string): number => labels.filter((l) => l.expect.banned_phrase!.includes(id)).length;
    expect(IDS.filter((id) => calls(id) < MIN_CALLS_PER_PHRASE)).toEqual([]);
    expect(new Set(labels.map((l) => l.expect.opening_greeting))).toEqual(new Set(['pass', 'fail']));
    expect(new Set(labels.map((l) => l.expect.consent_before_hangup))).toEqual(new Set(['pass', 'fail', 'na']));
  });
});
