import { describe, expect, it } from 'vitest';
import { analyzeFixture, rule } from './helpers.js';

const status = (name: string, centreNames?: string[]) =>
  rule(analyzeFixture(name, centreNames ? { centreNames } : {}), 'opening_greeting').status;

describe('opening_greeting (norms 三、文明用语 2: 您好 + the centre name in the first utterance)', () => {
  it('passes a greeting transcribed in Traditional script', () => expect(status('greeting-traditional')).toBe('pass'));
  it('fails 你好 instead of 您好', () => {
    const r = rule(analyzeFixture('greeting-nihao'), 'opening_greeting');
    expect(r.status).toBe('fail');
    expect(r.findings[0]?.text).toContain('你好');
  });
  it('fails a proper greeting that comes after more than 10 s', () => expect(status('greeting-late')).toBe('fail'));
  it('joins a greeting ASR split into two agent segments', () => expect(status('greeting-split')).toBe('pass'));
  it('fails a name not ending in 中心, unless it is a configured centre name', () => {
    expect(status('greeting-not-centre')).toBe('fail');
    expect(status('greeting-not-centre', ['市公证处'])).toBe('pass');
    expect(status('greeting-not-centre', ['市公證處'])).toBe('pass');
  });
  it('passes with spaces between characters, no punctuation and a homophone in the name', () =>
    expect(status('greeting-spaces-no-punct')).toBe('pass'));
  it('fails when the agent first talks to a colleague', () => expect(status('greeting-aside-first')).toBe('fail'));
  it('passes the name-first order', () => expect(status('greeting-swapped')).toBe('pass'));
  it('fails when only the caller says 您好 and the name', () => expect(status('greeting-caller-only')).toBe('fail'));
  it('is na when speaker roles are unknown', () => expect(status('unknown-speakers')).toBe('na'));
});
