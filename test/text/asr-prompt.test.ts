/** The ASR initial prompt (text/asr-prompt.ts). */
import { describe, expect, it } from 'vitest';
import { initialPrompt } from '../../text/asr-prompt.js';

describe('initialPrompt', () => {
  it('names the centre in Simplified Chinese', () => {
    expect(initialPrompt(['县婚姻登记中心'])).toBe('您好，县婚姻登记中心，请讲。以下是普通话的政务服务热线电话录音。');
    expect(initialPrompt(['縣婚姻登記中心', ' '])).toBe('您好，县婚姻登记中心，请讲。以下是普通话的政务服务热线电话录音。');
    expect(initialPrompt([])).toBe('您好，请讲。以下是普通话的政务服务热线电话录音。');
  });
});
