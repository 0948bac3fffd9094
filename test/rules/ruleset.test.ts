import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULESET_PATH, defaultRuleset, loadRuleset, parseRuleset } from '../../rules/ruleset.js';

const shipped = readFileSync(DEFAULT_RULESET_PATH, 'utf8');

/** A minimal valid ruleset; tests break one line of it. */
const minimal = `version: test@1
conditions:
  hello: { any: [您好] }
rules:
  - id: opening_greeting
    check: require
    deduct: { points: 10 }
    requirements:
      - name: greeting
        scope: { speaker: agent, first: 1 }
        when: { ref: hello }
        missing: no greeting
  - id: consent_before_hangup
    check: consent
    deduct: { points: 10 }
    ask: { any: [还有别的吗] }
    callerClose: { any: [再见] }
    hangUp: { any: [就这样] }
    lineCheck: { regex: '^喂$' }
  - id: banned_phrase
    check: forbid
    deduct: { points: 10, per: hit }
    scope: { speaker: agent }
    phrases:
      - id: B11
        when: { any: [神经病] }
  - id: polite_language
    check: require
    deduct: { points: 5 }
    requirements:
      - name: farewell
        when: { any: [再见] }
        missing: no farewell
`;

function errorOf(text: string): string {
  try {
    parseRuleset(text, 'bad.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected parseRuleset to throw');
}

describe('ruleset loading and validation', () => {
  it('loads the shipped ruleset with a version and the four required rules', () => {
    const r = defaultRuleset();
    expect(r.version).toBe('service-norms@9');
    expect(r.rules.map((x) => x.id)).toEqual(
      expect.arrayContaining(['opening_greeting', 'consent_before_hangup', 'banned_phrase', 'polite_language']),
    );
    expect(DEFAULT_RULESET_PATH).toMatch(/rules[/\\]service-norms\.ruleset\.yaml$/);
    expect(loadRuleset(DEFAULT_RULESET_PATH).version).toBe(r.version);
  });
  it('ships all fifteen banned phrases B01–B15', () => {
    const banned = defaultRuleset().rules.find((x) => x.id === 'banned_phrase');
    expect(banned?.check === 'forbid' && banned.phrases.map((p) => p.id)).toEqual(
      Array.from({ length: 15 }, (_, i) => `B${String(i + 1).padStart(2, '0')}`),
    );
  });
  it('parses a minimal valid ruleset', () => expect(parseRuleset(minimal, 'ok.yaml').version).toBe('test@1'));
  it('names file and line of a YAML syntax error', () => {
    expect(errorOf(minimal.replace('  hello: { any: [您好] }', '  hello: { any: [您好 }'))).toMatch(/^bad\.yaml:3: YAML syntax error/);
  });
  it('names the line of an unknown rule id', () => {
    expect(errorOf(minimal.replace('  - id: banned_phrase', '  - id: banned_phrases'))).toMatch(/^bad\.yaml:20: .*expected one of/);
  });
  it('names the line of an invalid regex', () => {
    expect(errorOf(minimal.replace("regex: '^喂$'", "regex: '(喂'"))).toMatch(/^bad\.yaml:19: invalid regular expression/);
  });
  it('names the line of an unknown condition reference', () => {
    expect(errorOf(minimal.replace('{ ref: hello }', '{ ref: helo }'))).toMatch(/^bad\.yaml:11: unknown condition "helo"/);
  });
  it('names the line of an unknown condition form', () => {
    expect(errorOf(minimal.replace('when: { any: [神经病] }', 'when: { anyof: [神经病] }'))).toMatch(/^bad\.yaml:26: unknown condition/);
  });
  it('names the line of a wrong type and of an unknown key', () => {
    expect(errorOf(minimal.replace('deduct: { points: 5 }', "deduct: { points: 'five' }"))).toMatch(/^bad\.yaml:29: .*expected number/);
    expect(errorOf(minimal.replace('scope: { speaker: agent, first: 1 }', 'scope: { speaker: agent, frist: 1 }'))).toMatch(
      /^bad\.yaml:10: .*frist/,
    );
  });
  it('rejects an empty phrase list, a duplicate rule and a missing required rule', () => {
    expect(errorOf(minimal.replace('{ any: [神经病] }', '{ any: [] }'))).toMatch(/^bad\.yaml:26: .*empty/);
    expect(errorOf(minimal.replace('  - id: polite_language', '  - id: banned_phrase'))).toMatch(
      /^bad\.yaml:27: rule "banned_phrase" is defined twice/,
    );
    const withoutPolite = minimal.slice(0, minimal.indexOf('  - id: polite_language'));
    expect(errorOf(withoutPolite)).toMatch(/^bad\.yaml:\d+: missing required rule\(s\): polite_language/);
  });
  it('names the file when it cannot be read', () => {
    expect(() => loadRuleset('/nonexistent/x.yaml')).toThrow(/^\/nonexistent\/x\.yaml: cannot read ruleset/);
  });
  it('keeps the shipped file valid after a version bump', () => {
    expect(parseRuleset(shipped.replace('version: service-norms@9', 'version: service-norms@10'), 'x.yaml').version).toBe(
      'service-norms@10',
    );
  });
});
