import { describe, expect, it } from 'vitest';
import { analyzeFixture, rule } from './helpers.js';

const polite = (name: string) => rule(analyzeFixture(name), 'polite_language');

describe('polite_language (norms 二、3 来有迎声，走有送声; 三、服务语言规范 1)', () => {
  it('passes 您好 and 再见', () => expect(polite('consent-ask-answered').status).toBe('pass'));
  it('fails without a farewell from the agent', () => {
    const r = polite('polite-no-farewell');
    expect(r.status).toBe('fail');
    expect(r.findings[0]?.note).toContain('再见');
  });
  it('accepts 在见 for 再见 (ASR homophone)', () => expect(polite('polite-homophone-farewell').status).toBe('pass'));
  it('does not require a farewell when the caller’s line dropped', () => expect(polite('consent-caller-cut').status).toBe('pass'));
  it('fails without 您好', () => expect(polite('greeting-caller-only').status).toBe('fail'));
});
