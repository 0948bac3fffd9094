import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { characterErrorRate, textForCer } from '../../text/cer.js';
import { parseTranscriptText } from '../../domain/transcript.js';
import { corruptText, corruptTranscript, nearSoundSyllables, seededRandom } from '../../rules/asr-noise.js';

const SET = join(import.meta.dirname, '../../eval/service-calls/tune');

/** About 14,000 Han characters of phone dialogue from the labelled set, in utterance-sized pieces. */
function longText(): string[] {
  const texts: string[] = [];
  for (const f of readdirSync(SET)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .slice(0, 60)) {
    const t = parseTranscriptText(readFileSync(join(SET, f), 'utf8'), f);
    texts.push(...t.segments.map((s) => s.text));
  }
  return texts;
}

/** CER of corrupting `texts` at `rate`, errors summed over utterances (no alignment across utterances). */
function measuredCer(texts: string[], rate: number, seed: number): { cer: number; s: number; d: number; i: number; n: number } {
  const rng = seededRandom(seed);
  let s = 0,
    d = 0,
    i = 0,
    n = 0;
  for (const text of texts) {
    const r = characterErrorRate(textForCer(text), textForCer(corruptText(text, rate, rng)));
    s += r.substitutions;
    d += r.deletions;
    i += r.insertions;
    n += r.referenceLength;
  }
  return { cer: (s + d + i) / n, s, d, i, n };
}

describe('corruptText', () => {
  it('returns the text unchanged at rate 0', () => {
    for (const text of longText().slice(0, 200)) expect(corruptText(text, 0, seededRandom(1))).toBe(text);
  });
  it('refuses a rate outside 0..1', () => {
    expect(() => corruptText('您好', 1.5, seededRandom(1))).toThrow(RangeError);
    expect(() => corruptText('您好', Number.NaN, seededRandom(1))).toThrow(/between 0 and 1/);
  });
  it('is deterministic for a seed and differs between seeds', () => {
    const text = '您好，县婚姻登记中心，请讲。我想问一下结婚登记要带什么材料。';
    expect(corruptText(text, 0.3, seededRandom(7))).toBe(corruptText(text, 0.3, seededRandom(7)));
    expect(corruptText(text, 0.3, seededRandom(7))).not.toBe(corruptText(text, 0.3, seededRandom(8)));
  });
  it('leaves punctuation, digits and Latin letters alone', () => {
    expect(corruptText('，。？A3 12345！', 1, seededRandom(3))).toBe('，。？A3 12345！');
  });
  it.each([0.05, 0.1, 0.2])('gives a measured character error rate close to the rate (%s) over ~14,000 characters', (rate) => {
    const texts = longText();
    const m = measuredCer(texts, rate, 42);
    expect(m.n).toBeGreaterThan(10000);
    // Alignment can merge two neighbouring errors into one edit (a doubling next to a deletion), so the
    // measured rate may sit slightly below the hit rate; within 10 % of it.
    expect(m.cer).toBeGreaterThan(rate * 0.9);
    expect(m.cer).toBeLessThan(rate * 1.1);
    // The mix: substitutions dominate, then deletions, then insertions (doublings).
    expect(m.s).toBeGreaterThan(m.d);
    expect(m.d).toBeGreaterThan(m.i);
    expect(m.i).toBeGreaterThan(0);
  });
  it('substitutes characters that sound the same or alike (toneless pinyin, accent confusions)', () => {
    const out = corruptText('中'.repeat(400), 1, seededRandom(5));
    const chars = new Set(out);
    chars.delete('中');
    // Same-sound (zhong: 钟, 忠, 终 …) and near-sound (zong: 宗, 总 …) replacements both occur.
    expect([...chars].some((c) => '钟忠终种重众肿仲衷盅'.includes(c))).toBe(true);
    expect([...chars].some((c) => '宗总纵综棕踪粽'.includes(c))).toBe(true);
  });
});

describe('nearSoundSyllables', () => {
  it('applies one initial or final confusion at a time', () => {
    expect(nearSoundSyllables('zhong').sort()).toEqual(['zong']);
    expect(nearSoundSyllables('xin')).toEqual(['xing']);
    expect(nearSoundSyllables('nin').sort()).toEqual(['lin', 'ning']);
    expect(nearSoundSyllables('shang').sort()).toEqual(['sang', 'shan']);
    expect(nearSoundSyllables('fa')).toEqual(['ha']);
  });
});

describe('corruptTranscript', () => {
  it('keeps times and speakers and does not depend on the other calls of the set', () => {
    const text = readFileSync(
      join(
        SET,
        readdirSync(SET)
          .filter((n) => n.endsWith('.json'))
          .sort()[0]!,
      ),
      'utf8',
    );
    const t = parseTranscriptText(text, 'x.json');
    const a = corruptTranscript(t, 0.2, 1);
    expect(a.segments.map((s) => [s.start, s.end, s.speaker])).toEqual(t.segments.map((s) => [s.start, s.end, s.speaker]));
    expect(a.segments.map((s) => s.text)).not.toEqual(t.segments.map((s) => s.text));
    expect(corruptTranscript(t, 0.2, 1)).toEqual(a);
    expect(t.segments[0]!.text).toBe(JSON.parse(text).segments[0].text); // input not modified
  });
});
