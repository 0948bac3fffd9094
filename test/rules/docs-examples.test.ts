/**
 * Every rule example in docs/ruleset-language.md (the ```yaml blocks that start with `- id:`) is a valid
 * rule: each is put into a minimal ruleset (replacing the required rule of the same id) and compiled.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseRuleset } from '../../rules/ruleset.js';

const doc = readFileSync(new URL('../../docs/ruleset-language.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n(- id: [\s\S]*?)```/g)].map((m) => m[1]!);

const REQUIRED: Record<string, string> = {
  opening_greeting: `- id: opening_greeting
  check: require
  deduct: { points: 1 }
  requirements: [{ name: g, when: { any: [您好] }, missing: m }]`,
  consent_before_hangup: `- id: consent_before_hangup
  check: consent
  deduct: { points: 1 }
  ask: { any: [还有吗] }
  callerClose: { any: [再见] }
  hangUp: { any: [就这样] }
  lineCheck: { any: [喂] }`,
  banned_phrase: `- id: banned_phrase
  check: forbid
  deduct: { points: 1 }
  phrases: [{ id: X, when: { any: [神经病] } }]`,
  polite_language: `- id: polite_language
  check: require
  deduct: { points: 1 }
  requirements: [{ name: f, when: { any: [再见] }, missing: m }]`,
};

describe('rule examples in docs/ruleset-language.md', () => {
  it('has an example block per norm rule id', () => {
    const ids = new Set(blocks.map((b) => /^- id: (\w+)/.exec(b)![1]));
    for (const id of [
      'opening_greeting',
      'consent_before_hangup',
      'banned_phrase',
      'polite_language',
      'phone_phrases',
      'mandarin',
      'no_argument',
      'first_contact',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
  });
  it.each(blocks.map((b, i) => [i, b] as const))('example %i compiles', (_i, block) => {
    const id = /^- id: (\w+)/.exec(block)![1]!;
    const rules = { ...REQUIRED, [id]: block.trimEnd() };
    const indented = Object.values(rules)
      .map((r) =>
        r
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      )
      .join('\n');
    const yaml = `version: docs@1\nconditions:\n  consent_ask: { regex: '还有[^，]{0,6}吗' }\n  caller_complains: { any: [投诉, 凭什么] }\nrules:\n${indented}\n`;
    expect(parseDocument(yaml).errors).toEqual([]);
    expect(parseRuleset(yaml, 'docs.yaml').rules.map((r) => r.id)).toContain(id);
  });
});
