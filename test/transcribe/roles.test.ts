// Role assignment for mono recordings (pipeline/transcribe/roles.ts): transcripts written here, one per kind of
// case, and the measured accuracy on the labelled dev set with its speakers hidden.
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assignRoles, cueScore, ROLE_CONFIDENCE_THRESHOLD, switchProbability } from '../../pipeline/transcribe/roles.js';
import { parseTranscriptText, type Segment } from '../../domain/transcript.js';

/** Mono utterances 0.6 s apart, 2 s each, speaker `unknown`. */
function mono(...texts: string[]): Segment[] {
  return texts.map((text, i) => ({ start: i * 2.6, end: i * 2.6 + 2, speaker: 'unknown' as const, text }));
}
const speakers = (segments: Segment[]) => segments.map((s) => s.speaker);

describe('cueScore', () => {
  it('greeting and norm phrases count for the agent, how citizens open and ask for the caller', () => {
    expect(cueScore('您好，县婚姻登记中心，请讲。').cues).toContain('greeting');
    expect(cueScore('这里是常州市行政服务中心').cues).toContain('greeting');
    expect(cueScore('请您稍等，我帮您查一下。').score).toBeGreaterThan(2);
    expect(cueScore('喂，你好，我想问一下结婚登记要带什么').score).toBeLessThan(-2);
    // The caller asking whether this is the centre is no greeting.
    expect(cueScore('喂 你好 是行政服务中心吗 我想问一下').cues).not.toContain('greeting');
    expect(cueScore('喂 你好 是行政服务中心吗 我想问一下').score).toBeLessThan(0);
    // A bare 喂 is said by both sides; Traditional text is read as Simplified.
    expect(cueScore('喂？').score).toBe(0);
    expect(cueScore('您好，縣行政服務中心，請講。').cues).toContain('greeting');
  });
});

describe('switchProbability', () => {
  it('a pause changes the speaker, no pause keeps it, a hold may go either way, an overlap is two people', () => {
    expect(switchProbability({ start: 0, end: 2 }, { start: 2.6, end: 4 })).toBe(0.9);
    expect(switchProbability({ start: 0, end: 2 }, { start: 2.05, end: 4 })).toBe(0.1);
    expect(switchProbability({ start: 0, end: 2 }, { start: 4, end: 5 })).toBe(0.5);
    expect(switchProbability({ start: 0, end: 2 }, { start: 1.5, end: 4 })).toBe(0.8);
    // Segment times that run on through a pause: the VAD silence at the boundary is the pause.
    expect(switchProbability({ start: 0, end: 2 }, { start: 2, end: 4 }, [{ start: 1.8, end: 2.5 }])).toBe(0.9);
    expect(switchProbability({ start: 0, end: 2 }, { start: 2, end: 4 }, [{ start: 1.9, end: 3.9 }])).toBe(0.5);
    expect(switchProbability({ start: 0, end: 2 }, { start: 2, end: 4 }, [{ start: 5, end: 6 }])).toBe(0.1);
  });
});

describe('assignRoles', () => {
  it('greeting first: the side that answers with the greeting is the agent, turns alternate', () => {
    const r = assignRoles(
      mono(
        '您好，县婚姻登记中心，请讲。',
        '你好，我想问一下补办结婚证要什么材料。',
        '带上身份证和户口本就可以。',
        '好的，谢谢。',
        '不客气，请问您还有其他需要帮助的吗？',
        '没有了，再见。',
      ),
    );
    expect(r.roles.method).toBe('greeting');
    expect(r.roles.confidence).toBeGreaterThanOrEqual(ROLE_CONFIDENCE_THRESHOLD);
    expect(speakers(r.segments)).toEqual(['agent', 'customer', 'agent', 'customer', 'agent', 'customer']);
  });

  it("the caller speaks first with 喂: the greeting after it is still the agent's", () => {
    const r = assignRoles(
      mono(
        '喂，你好，是行政服务中心吗？我想问一下社保怎么办。',
        '您好，这里是常州市行政服务中心，请讲。',
        '就是社保卡丢了怎么办？',
        '您带身份证到二楼窗口补办，请您稍等，我给您查一下地址。',
        '好的，谢谢你们。',
      ),
    );
    expect(r.roles.method).toBe('greeting');
    expect(speakers(r.segments)).toEqual(['customer', 'agent', 'customer', 'agent', 'customer']);
  });

  it('no greeting but clear cues on both sides: method text-cues', () => {
    const r = assignRoles(
      mono(
        '喂，你好，我想问一下营业执照怎么办理？',
        '请您稍等，我帮您查一下。',
        '好的。',
        '您带身份证到一楼窗口就可以办，请问您还有其他问题吗？',
        '没有了，谢谢。',
      ),
    );
    expect(r.roles.method).toBe('text-cues');
    expect(speakers(r.segments)).toEqual(['customer', 'agent', 'customer', 'agent', 'customer']);
  });

  it('no cues: speakers stay unknown, the low confidence is recorded', () => {
    const r = assignRoles(mono('喂。', '周六开门吗？', '开的。', '几点？', '九点。'));
    expect(r.roles.method).toBe('unknown');
    expect(r.roles.confidence).toBeLessThan(ROLE_CONFIDENCE_THRESHOLD);
    expect(speakers(r.segments)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('one turn that ASR split into abutting segments stays with one speaker', () => {
    const segments: Segment[] = [
      { start: 0, end: 3, speaker: 'unknown', text: '您好，县婚姻登记中心，请讲。' },
      { start: 3.6, end: 5, speaker: 'unknown', text: '喂，你好，我想问一下，' },
      { start: 5, end: 6.5, speaker: 'unknown', text: '补办结婚证' },
      { start: 6.5, end: 8, speaker: 'unknown', text: '要带什么材料？' },
      { start: 8.7, end: 11, speaker: 'unknown', text: '请您带上身份证和户口本。' },
    ];
    const r = assignRoles(segments);
    expect(speakers(r.segments)).toEqual(['agent', 'customer', 'customer', 'customer', 'agent']);
    expect(r.roles.method).toBe('greeting');
  });

  it('an utterance the model cannot place stays unknown inside a labelled call', () => {
    // The agent answers twice in a row; the plain answer in between has no cue and sits between two agent turns.
    const r = assignRoles(
      mono(
        '您好，县婚姻登记中心，请讲。',
        '你好，我想问一下结婚登记要带什么材料。',
        '双方的身份证和户口本。',
        '请问您还有其他需要帮助的吗？',
        '没有了，谢谢。',
      ),
    );
    expect(r.roles.method).toBe('greeting');
    expect(speakers(r.segments)).toEqual(['agent', 'customer', 'unknown', 'agent', 'customer']);
  });

  it('an empty transcript: method unknown, confidence 0', () => {
    expect(assignRoles([])).toEqual({ segments: [], roles: { method: 'unknown', confidence: 0 }, agentProbability: [] });
  });

  it('does not change its input; keeps times, text and other fields', () => {
    const input = mono('您好，县婚姻登记中心，请讲。', '你好，我想问一下。');
    input[0]!.confidence = 0.9;
    const copy = structuredClone(input);
    const r = assignRoles(input);
    expect(input).toEqual(copy);
    expect(r.segments[0]).toEqual({ ...copy[0], speaker: 'agent' });
  });
});

const devDir = fileURLToPath(new URL('../../../shared/eval/dev/', import.meta.url));
const haveDev = existsSync(devDir);
if (!haveDev) console.log(`SKIP role assignment on the dev set: ${devDir} (shared/eval/dev) is not there`);

describe.skipIf(!haveDev)('role assignment on the labelled dev set, speakers hidden', () => {
  it('calls it labels are labelled right; it says unknown rather than guess', async () => {
    let calls = 0;
    let labelled = 0;
    let segments = 0;
    let right = 0;
    let unsure = 0;
    for (const f of readdirSync(devDir).filter((n) => /^dev-\d+\.json$/.test(n))) {
      const truth = parseTranscriptText(await readFile(devDir + f, 'utf8'), f);
      calls++;
      const r = assignRoles(truth.segments.map((s) => ({ ...s, speaker: 'unknown' as const })));
      if (r.roles.method === 'unknown') {
        expect(speakers(r.segments).every((s) => s === 'unknown')).toBe(true);
        continue;
      }
      labelled++;
      const given = r.segments.map((s, i) => [s.speaker, truth.segments[i]!.speaker]).filter(([got]) => got !== 'unknown');
      unsure += r.segments.length - given.length;
      segments += given.length;
      right += given.filter(([got, want]) => got === want).length;
    }
    const accuracy = right / segments;
    console.log(
      `dev set: ${labelled}/${calls} calls labelled (confidence ≥ ${ROLE_CONFIDENCE_THRESHOLD}), ${right}/${segments} labelled utterances right (${(accuracy * 100).toFixed(1)} %), ${unsure} left unknown`,
    );
    expect(labelled).toBeGreaterThan(0);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('with each turn split like mono ASR output (clauses, abutting times), labelled calls stay right', async () => {
    let labelled = 0;
    let segments = 0;
    let right = 0;
    for (const f of readdirSync(devDir).filter((n) => /^dev-\d+\.json$/.test(n))) {
      const truth = parseTranscriptText(await readFile(devDir + f, 'utf8'), f);
      const pieces: (Segment & { truth: string })[] = [];
      for (const s of truth.segments) {
        const parts = s.text.split(/(?<=[。？！?!，,])|\s+/).filter((p) => p.trim());
        const chars = parts.reduce((n, p) => n + p.length, 0);
        let at = s.start;
        for (const p of parts) {
          const len = ((s.end - s.start) * p.length) / chars;
          pieces.push({ start: at, end: at + len, speaker: 'unknown', text: p, truth: s.speaker });
          at += len;
        }
      }
      const r = assignRoles(pieces);
      if (r.roles.method === 'unknown') continue;
      labelled++;
      const given = r.segments.map((s, i) => [s.speaker, pieces[i]!.truth]).filter(([got]) => got !== 'unknown');
      segments += given.length;
      right += given.filter(([got, want]) => got === want).length;
    }
    console.log(`dev set split into clauses: ${labelled} calls labelled, ${right}/${segments} labelled segments right`);
    expect(labelled).toBeGreaterThan(0);
    expect(right / segments).toBeGreaterThanOrEqual(0.95);
  });
});
