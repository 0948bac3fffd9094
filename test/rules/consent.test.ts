import { describe, expect, it } from 'vitest';
import { analyzeFixture, rule } from './helpers.js';

const consent = (name: string) => rule(analyzeFixture(name), 'consent_before_hangup');

describe('consent_before_hangup (norms 三、文明用语 2: 中断或挂止电话，应先征得对方同意)', () => {
  it('passes when the caller closes first', () => expect(consent('consent-caller-closes-first').status).toBe('pass'));
  it('passes when the agent asks and the caller answers', () => expect(consent('consent-ask-answered').status).toBe('pass'));
  it('fails when the agent asks but hangs up without waiting', () => {
    const r = consent('consent-ask-then-hangup');
    expect(r.status).toBe('fail');
    expect(r.findings[0]?.text).toContain('挂了');
  });
  it('is na when the caller is cut off and the agent only checks the line', () => expect(consent('consent-caller-cut').status).toBe('na'));
  it('fails 就这样 over an open question', () => expect(consent('consent-agent-ends').status).toBe('fail'));
  it('passes when the agent asks leave to hang up and the caller agrees', () => expect(consent('consent-permission').status).toBe('pass'));
  it('ignores a hallucinated 谢谢观看 after a unilateral hang-up', () => expect(consent('consent-hallucinated-tail').status).toBe('fail'));
  it('passes 那就这样，再见 right after the caller declined anything else', () =>
    expect(consent('consent-closing-after-consent').status).toBe('pass'));
  it('fails when the call ends on the agent with no closing by anyone', () => expect(consent('consent-no-closing').status).toBe('fail'));
  it('fails when the caller reopens and the agent cuts off', () => expect(consent('consent-reopened').status).toBe('fail'));
  it('is na when speaker roles are unknown', () => expect(consent('unknown-speakers').status).toBe('na'));
});
