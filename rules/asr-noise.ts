/**
 * Simulated Mandarin ASR errors, to measure how the rules hold up on imperfect transcripts (issue 9: real
 * phone ASR makes 10–30 % character errors). `callqa eval --asr-noise RATE` and `scripts/eval-noise.ts` run
 * the labelled sets through it.
 *
 * Each Han character is hit with probability `rate`; a hit is one of these errors. The shares are a working
 * assumption, not a measurement: substitutions by characters that sound the same or alike dominate the
 * errors of Mandarin ASR, then dropped characters, then inserted ones. Replace them with the S/D/I split that
 * {@link characterErrorRate} measures on real recordings once reference transcripts exist.
 *
 * | error | share | what |
 * |---|---|---|
 * | same-sound substitution | 50 % | another character with the same toneless pinyin (登记 → 登机, 中心 → 中新) |
 * | near-sound substitution | 25 % | a character whose pinyin differs by one confusion of ASR and southern accents: zh/z, ch/c, sh/s, n/l, f/h, an/ang, en/eng, in/ing (中心 → 中兴, 您 → 林) |
 * | deletion | 15 % | the character is dropped |
 * | doubling | 10 % | the character is written twice |
 *
 * A substitution with no candidate (a syllable without other common characters) becomes a deletion, so
 * every hit is exactly one character error and the character error rate of the result against the original
 * ({@link characterErrorRate}) is ≈ `rate` over Han text. Candidates come from the 3,755 most common Han
 * characters (GB 2312 level 1), each under its most common reading by pinyin-pro; readings of the text
 * itself take context into account (pinyin-pro's phrase dictionary), so 行 in 银行 is "hang". Punctuation, digits, Latin letters and spaces
 * are left alone, and so are the rare Han characters pinyin-pro has no reading for.
 */
import { pinyin } from 'pinyin-pro';
import { characterErrorRate, textForCer } from '../text/cer.js';
import type { Transcript } from '../domain/transcript.js';

/** Seed of `callqa eval --asr-noise` when none is given, so two runs without `--seed` agree. */
export const DEFAULT_NOISE_SEED = 1;

/** A source of uniform numbers in [0, 1), e.g. {@link seededRandom}. */
export type Random = () => number;

/** The error mix (shares of hits, summing to 1); see the module comment. */
export const ASR_ERROR_MIX = { sameSound: 0.5, nearSound: 0.25, deletion: 0.15, doubling: 0.1 } as const;

/**
 * A deterministic pseudo-random generator (mulberry32: 32-bit state, period 2^32, fine for simulation,
 * not for secrets).
 *
 * @param seed any integer; the same seed gives the same sequence
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Toneless pinyin → common characters with that reading; built on first use. */
let homophones: Map<string, string[]> | undefined;

/**
 * The homophone table: GB 2312 level-1 characters (rows 16–55 of the standard, the 3,755 most common
 * characters, decoded with the WHATWG gb18030 decoder) grouped by their toneless pinyin.
 */
function homophoneTable(): Map<string, string[]> {
  if (homophones) return homophones;
  const decoder = new TextDecoder('gb18030');
  const chars: string[] = [];
  for (let row = 0xb0; row <= 0xd7; row++) {
    for (let col = 0xa1; col <= 0xfe; col++) {
      if (row === 0xd7 && col > 0xf9) break; // level 1 ends at D7F9
      chars.push(decoder.decode(Uint8Array.of(row, col)));
    }
  }
  const table = new Map<string, string[]>();
  for (const c of chars) {
    const py = pinyin(c, { toneType: 'none' });
    const list = table.get(py);
    if (list) list.push(c);
    else table.set(py, [c]);
  }
  homophones = table;
  return table;
}

const INITIAL_CONFUSIONS: [string, string][] = [
  ['zh', 'z'],
  ['ch', 'c'],
  ['sh', 's'],
  ['n', 'l'],
  ['f', 'h'],
];
const FINAL_CONFUSIONS: [string, string][] = [
  ['ang', 'an'],
  ['eng', 'en'],
  ['ing', 'in'],
];

/** Syllables one accent/ASR confusion away from `py` (toneless), e.g. "zhong" → ["zong"], "xin" → ["xing"]. */
export function nearSoundSyllables(py: string): string[] {
  const out = new Set<string>();
  for (const [a, b] of INITIAL_CONFUSIONS) {
    // The longer initial is tested first, so "zhong" gives "zong" and never "zhhong".
    if (py.startsWith(a)) out.add(b + py.slice(a.length));
    else if (py.startsWith(b)) out.add(a + py.slice(b.length));
  }
  for (const [a, b] of FINAL_CONFUSIONS) {
    if (py.endsWith(a)) out.add(py.slice(0, -a.length) + b);
    else if (py.endsWith(b)) out.add(py.slice(0, -b.length) + a);
  }
  out.delete(py);
  return [...out];
}

function pickOther(candidates: string[] | undefined, not: string, rng: Random): string | undefined {
  const others = candidates?.filter((c) => c !== not) ?? [];
  return others.length ? others[Math.floor(rng() * others.length)] : undefined;
}

/**
 * Corrupts text the way Mandarin ASR does (see the module comment for the error mix).
 *
 * @param text an utterance
 * @param rate probability that a (readable) Han character is hit, 0..1 (0 returns `text` unchanged)
 * @param rng uniform source; pass {@link seededRandom} for reproducible runs
 * @returns the corrupted text
 * @throws {RangeError} when `rate` is not a number in 0..1
 */
export function corruptText(text: string, rate: number, rng: Random): string {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`ASR noise rate must be between 0 and 1, got ${rate}`);
  if (rate === 0) return text;
  const table = homophoneTable();
  let out = '';
  for (const { origin: c, pinyin: py, isZh } of pinyin(text, { toneType: 'none', type: 'all' })) {
    if (!isZh || !py || rng() >= rate) {
      out += c;
      continue;
    }
    const kind = rng();
    let replacement: string | undefined;
    if (kind < ASR_ERROR_MIX.sameSound) {
      replacement =
        pickOther(table.get(py), c, rng) ??
        pickOther(
          nearSoundSyllables(py).flatMap((s) => table.get(s) ?? []),
          c,
          rng,
        );
    } else if (kind < ASR_ERROR_MIX.sameSound + ASR_ERROR_MIX.nearSound) {
      replacement =
        pickOther(
          nearSoundSyllables(py).flatMap((s) => table.get(s) ?? []),
          c,
          rng,
        ) ?? pickOther(table.get(py), c, rng);
    } else if (kind < 1 - ASR_ERROR_MIX.doubling) {
      replacement = '';
    } else {
      replacement = c + c;
    }
    out += replacement ?? ''; // no candidate at all: drop the character (still one error)
  }
  return out;
}

/**
 * A transcript with every segment's text passed through {@link corruptText}; times, speakers and other
 * fields are kept. The generator is seeded from `seed` and the call id, so a call's corruption does not
 * depend on which other calls are in the set or their order. Same seed, same pinyin-pro version → same text; a
 * pinyin-pro update that changes a reading can change the corruption, so compare figures from one checkout.
 *
 * @param transcript parsed transcript (not modified)
 * @param rate character hit probability, 0..1
 * @param seed run seed
 */
export function corruptTranscript(transcript: Transcript, rate: number, seed: number): Transcript {
  let h = seed >>> 0;
  for (const ch of transcript.callId) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0; // FNV-1a style mix
  const rng = seededRandom(h);
  return { ...transcript, segments: transcript.segments.map((s) => ({ ...s, text: corruptText(s.text, rate, rng) })) };
}

/** Result of {@link corruptTranscripts}. */
export interface CorruptedSet {
  transcripts: Transcript[];
  /** Character error rate of the corrupted text against the original, over all utterances ({@link textForCer} forms, errors summed per utterance). */
  measuredCer: number;
}

/**
 * Corrupts a set of transcripts ({@link corruptTranscript}) and measures the character error rate actually
 * introduced, so a report can say what noise the figures were measured under.
 *
 * @param transcripts parsed transcripts (not modified)
 * @param rate character hit probability, 0..1
 * @param seed run seed
 */
export function corruptTranscripts(transcripts: Transcript[], rate: number, seed: number): CorruptedSet {
  let errors = 0;
  let chars = 0;
  const out = transcripts.map((t) => {
    const noisy = corruptTranscript(t, rate, seed);
    t.segments.forEach((s, i) => {
      const r = characterErrorRate(textForCer(s.text), textForCer(noisy.segments[i]!.text));
      errors += r.substitutions + r.deletions + r.insertions;
      chars += r.referenceLength;
    });
    return noisy;
  });
  return { transcripts: out, measuredCer: chars ? errors / chars : 0 };
}
