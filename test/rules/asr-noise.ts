/**
 * Simulated Mandarin ASR errors for robustness tests (issue 9): corrupts Han characters of a text at a given
 * character rate, seeded, with the kinds of error phone ASR makes — a same-sounding character (toneless
 * pinyin, 60 % of errors), a dropped character (20 %) and a doubled character (20 %). Substitutes are drawn
 * from the 3755 common characters of GB2312 level 1, so they are characters ASR would write.
 */
import { pinyin } from 'pinyin-pro';
import type { Transcript } from '../../pipeline/transcript.js';

let homophones: Map<string, string[]> | undefined;

/** Common characters by toneless default reading (GB2312 level 1: rows 0xB0–0xD7), built on first use. */
function homophoneTable(): Map<string, string[]> {
  if (homophones) return homophones;
  homophones = new Map();
  const gbk = new TextDecoder('gbk');
  for (let hi = 0xb0; hi <= 0xd7; hi++) {
    for (let lo = 0xa1; lo <= 0xfe; lo++) {
      if (hi === 0xd7 && lo > 0xf9) break;
      const ch = gbk.decode(new Uint8Array([hi, lo]));
      const py = (pinyin(ch, { type: 'array', toneType: 'none' }) as string[])[0];
      if (!py || !/^[a-z]+$/.test(py)) continue;
      const list = homophones.get(py) ?? [];
      list.push(ch);
      homophones.set(py, list);
    }
  }
  return homophones;
}

/** A small seeded pseudo-random generator (mulberry32), 0 ≤ x < 1. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HAN = /\p{Script=Han}/u;

/**
 * Corrupts the Han characters of `text`: each one, with probability `rate`, is replaced by a same-sounding
 * character, dropped or doubled (see the module comment).
 *
 * @param rate character error rate 0..1
 * @param rand a generator from {@link seededRandom}
 */
export function corruptText(text: string, rate: number, rand: () => number): string {
  const table = homophoneTable();
  let out = '';
  for (const ch of text) {
    if (!HAN.test(ch) || rand() >= rate) {
      out += ch;
      continue;
    }
    const kind = rand();
    if (kind < 0.6) {
      const py = (pinyin(ch, { type: 'array', toneType: 'none' }) as string[])[0] ?? '';
      const alts = (table.get(py) ?? []).filter((c) => c !== ch);
      out += alts.length ? alts[Math.floor(rand() * alts.length)] : ch;
    } else if (kind < 0.8) {
      // dropped
    } else {
      out += ch + ch;
    }
  }
  return out;
}

/** A copy of a transcript with every segment's text corrupted by {@link corruptText}. */
export function corruptTranscript(t: Transcript, rate: number, rand: () => number): Transcript {
  return { ...t, segments: t.segments.map((s) => ({ ...s, text: corruptText(s.text, rate, rand) })) };
}
