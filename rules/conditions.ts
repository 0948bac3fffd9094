/**
 * The condition language of the ruleset: what an utterance must (or must not) say.
 *
 * A condition is a YAML mapping told apart by its key:
 *
 * | form | hits when |
 * |---|---|
 * | `{ any: [p…] }` | one of the phrases occurs |
 * | `{ all: [p…] }` | every phrase occurs |
 * | `{ atLeast: N, of: [p…] }` | at least N different phrases occur |
 * | `{ none: [p…] }` | no phrase occurs |
 * | `{ regex: '…', unless: '…' }` | the regex matches the normalised text and the `unless` regex does not |
 * | `{ and: [c…] }`, `{ or: [c…] }`, `{ not: c }` | logic over conditions |
 * | `{ ref: name }` | the named condition from the ruleset's `conditions:` table |
 * | `{ option: centreNames }` | one of the centre names passed in `AnalyzeOptions.centreNames` occurs |
 *
 * Phrase forms also take `pinyin: true` (a sound-alike of the phrase also hits, e.g. 在见 for 再见; only for
 * phrases whose sound is unambiguous) and `except: [p…]`, exception phrases that cancel a hit when an
 * occurrence of one of them covers it ("如果您不知道" cancels the 不知道 inside it). `regex` takes `except`
 * the same way (an exception occurrence covering the regex hit cancels it).
 *
 * Phrases and regexes apply to the normalised text of an utterance ({@link normalizeText}): Simplified
 * Chinese, no spaces inside words, clauses separated by `，`. Phrases are normalised on load, so an
 * administrator may write them in either script, with or without punctuation.
 *
 * Validation errors are {@link RulesetPathError}s carrying the YAML path of the bad node, turned into
 * `file:line` by `ruleset.ts`.
 */
import { z } from 'zod';
import { findPinyin, normalizePhrase, phrasePinyin } from './normalize.js';

/** A condition as written in the ruleset YAML (see the module comment for the forms). */
export type ConditionSpec =
  | { any: string[]; pinyin?: boolean; except?: string[] }
  | { all: string[]; pinyin?: boolean; except?: string[] }
  | { atLeast: number; of: string[]; pinyin?: boolean; except?: string[] }
  | { none: string[]; pinyin?: boolean }
  | { regex: string; unless?: string; except?: string[] }
  | { and: ConditionSpec[] }
  | { or: ConditionSpec[] }
  | { not: ConditionSpec }
  | { ref: string }
  | { option: 'centreNames' };

/** An error at a place in the ruleset document: `path` is the YAML path (keys and indices) of the bad node. */
export class RulesetPathError extends Error {
  override readonly name = 'RulesetPathError';
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** An utterance as the matchers see it. */
export interface MatchText {
  /** Normalised text ({@link normalizeText}). */
  norm: string;
  /** `norm.split('')`, computed on first use by sound-alike matching. */
  chars?: string[];
}

/** A hit of a condition in an utterance: `[start, end)` in UTF-16 units of the normalised text. */
export interface Hit {
  start: number;
  end: number;
  /** True when only a sound-alike (pinyin) match was found; such hits go to human review. */
  fuzzy: boolean;
}

/** Per-call inputs that conditions may read (from `AnalyzeOptions`). */
export interface MatchContext {
  /** Normalised centre names from `AnalyzeOptions.centreNames`. */
  centreNames: readonly string[];
}

/** A compiled condition: returns its hit in the utterance, or `null`. Pure; safe to share across calls. */
export type Matcher = (text: MatchText, ctx: MatchContext) => Hit | null;

type Path = (string | number)[];

const EMPTY_HIT: Hit = { start: 0, end: 0, fuzzy: false };

const phraseList = z.array(z.string().min(1, 'a phrase must not be empty')).min(1, 'the phrase list is empty');
const phraseOpts = {
  pinyin: z.boolean().optional(),
  except: z.array(z.string().min(1)).optional(),
};
const anySchema = z.strictObject({ any: phraseList, ...phraseOpts });
const allSchema = z.strictObject({ all: phraseList, ...phraseOpts });
const atLeastSchema = z.strictObject({ atLeast: z.number().int().min(1), of: phraseList, ...phraseOpts });
const noneSchema = z.strictObject({ none: phraseList, pinyin: z.boolean().optional() });
const regexSchema = z.strictObject({
  regex: z.string().min(1),
  unless: z.string().min(1).optional(),
  except: z.array(z.string().min(1)).optional(),
});
const refSchema = z.strictObject({ ref: z.string().min(1) });
const optionSchema = z.strictObject({ option: z.literal('centreNames') });

const FORMS = ['any', 'all', 'atLeast', 'none', 'regex', 'and', 'or', 'not', 'ref', 'option'] as const;

/** Validates with a zod schema, throwing a {@link RulesetPathError} at the first issue. */
function check<T>(schema: z.ZodType<T>, value: unknown, path: Path): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RulesetPathError([...path, ...(issue.path as (string | number)[])], issue.message);
}

function compileRegex(source: string, path: Path): RegExp {
  try {
    return new RegExp(source, 'gu');
  } catch (error) {
    throw new RulesetPathError(path, `invalid regular expression: ${(error as Error).message}`);
  }
}

/** A phrase prepared once per ruleset: its normal form and, for sound-alike matching, its syllables. */
interface PreparedPhrase {
  norm: string;
  syllables: string[] | null;
}

function preparePhrases(phrases: string[], pinyin: boolean, path: Path): PreparedPhrase[] {
  return phrases.map((p, i) => {
    const norm = normalizePhrase(p);
    if (!norm) throw new RulesetPathError([...path, i], `phrase "${p}" has no letters after normalisation`);
    return { norm, syllables: pinyin && !norm.includes('，') ? phrasePinyin(norm) : null };
  });
}

/** Spans `[start, end)` of every occurrence of the exception phrases in `norm`. */
function exceptionSpans(norm: string, excepts: readonly string[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const x of excepts) {
    let i = norm.indexOf(x);
    while (i >= 0) {
      spans.push([i, i + x.length]);
      i = norm.indexOf(x, i + 1);
    }
  }
  return spans;
}

function covered(start: number, end: number, spans: readonly [number, number][]): boolean {
  return spans.some(([s, e]) => s <= start && end <= e);
}

/** First occurrence of a phrase not covered by an exception: exact first, then sound-alike. */
function findPhrase(t: MatchText, p: PreparedPhrase, excepts: readonly string[]): Hit | null {
  const spans = excepts.length ? exceptionSpans(t.norm, excepts) : [];
  let i = t.norm.indexOf(p.norm);
  while (i >= 0) {
    if (!covered(i, i + p.norm.length, spans)) return { start: i, end: i + p.norm.length, fuzzy: false };
    i = t.norm.indexOf(p.norm, i + 1);
  }
  if (p.syllables) {
    const chars = (t.chars ??= t.norm.split(''));
    let from = 0;
    for (;;) {
      const m = findPinyin(chars, p.syllables, from);
      if (!m) break;
      if (!covered(m[0], m[1], spans)) return { start: m[0], end: m[1], fuzzy: true };
      from = m[0] + 1;
    }
  }
  return null;
}

/**
 * Compiles a condition spec into a {@link Matcher}, normalising its phrases, computing their pinyin and
 * compiling regexes once.
 *
 * @param raw the condition as parsed from YAML (validated here)
 * @param path YAML path of `raw`, for error messages
 * @param resolveRef returns the compiled named condition, or throws {@link RulesetPathError} when unknown
 * @throws {RulesetPathError} when the condition is malformed (unknown form, empty list, bad regex, unknown ref)
 */
export function compileCondition(raw: unknown, path: Path, resolveRef: (name: string, path: Path) => Matcher): Matcher {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RulesetPathError(path, `a condition must be a mapping with one of the keys ${FORMS.join(', ')}`);
  }
  const keys = Object.keys(raw);
  const form = FORMS.find((f) => keys.includes(f));
  if (!form) {
    throw new RulesetPathError(path, `unknown condition (keys: ${keys.join(', ') || 'none'}); expected one of ${FORMS.join(', ')}`);
  }
  switch (form) {
    case 'any':
    case 'all':
    case 'atLeast': {
      const spec =
        form === 'any' ? check(anySchema, raw, path) : form === 'all' ? check(allSchema, raw, path) : check(atLeastSchema, raw, path);
      const list = 'any' in spec ? spec.any : 'all' in spec ? spec.all : spec.of;
      const listKey = form === 'atLeast' ? 'of' : form;
      const phrases = preparePhrases(list, spec.pinyin ?? false, [...path, listKey]);
      const excepts = (spec.except ?? []).map((x) => normalizePhrase(x)).filter((x) => x.length > 0);
      const need = form === 'any' ? 1 : form === 'all' ? phrases.length : (spec as { atLeast: number }).atLeast;
      if (need > phrases.length) {
        throw new RulesetPathError([...path, 'atLeast'], `atLeast ${need} is more than the ${phrases.length} phrases listed`);
      }
      return (t) => {
        let found = 0;
        let first: Hit | null = null;
        let fuzzy = false;
        for (const p of phrases) {
          const h = findPhrase(t, p, excepts);
          if (h) {
            found++;
            fuzzy ||= h.fuzzy;
            if (!first || h.start < first.start) first = h;
            if (form === 'any') return h;
          } else if (form === 'all') {
            return null;
          }
        }
        return found >= need && first ? { ...first, fuzzy } : null;
      };
    }
    case 'none': {
      const spec = check(noneSchema, raw, path);
      const phrases = preparePhrases(spec.none, spec.pinyin ?? false, [...path, 'none']);
      return (t) => (phrases.some((p) => findPhrase(t, p, []) !== null) ? null : EMPTY_HIT);
    }
    case 'regex': {
      const spec = check(regexSchema, raw, path);
      const re = compileRegex(spec.regex, [...path, 'regex']);
      const unless = spec.unless ? compileRegex(spec.unless, [...path, 'unless']) : null;
      const excepts = (spec.except ?? []).map((x) => normalizePhrase(x)).filter((x) => x.length > 0);
      return (t) => {
        if (unless) {
          unless.lastIndex = 0;
          if (unless.test(t.norm)) return null;
        }
        const spans = excepts.length ? exceptionSpans(t.norm, excepts) : [];
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(t.norm)) !== null) {
          const start = m.index;
          const end = start + m[0].length;
          if (!covered(start, end, spans)) return { start, end, fuzzy: false };
          if (m[0].length === 0) re.lastIndex++;
        }
        return null;
      };
    }
    case 'and':
    case 'or': {
      const list = (raw as Record<string, unknown>)[form];
      if (!Array.isArray(list) || list.length === 0) {
        throw new RulesetPathError([...path, form], `${form} needs a non-empty list of conditions`);
      }
      if (keys.length > 1) throw new RulesetPathError(path, `${form} takes no other keys (found ${keys.join(', ')})`);
      const subs = list.map((c, i) => compileCondition(c, [...path, form, i], resolveRef));
      if (form === 'or') {
        return (t, ctx) => {
          for (const s of subs) {
            const h = s(t, ctx);
            if (h) return h;
          }
          return null;
        };
      }
      return (t, ctx) => {
        let first: Hit | null = null;
        let fuzzy = false;
        for (const s of subs) {
          const h = s(t, ctx);
          if (!h) return null;
          fuzzy ||= h.fuzzy;
          if (!first || (h.end > h.start && (first.end === first.start || h.start < first.start))) first = h;
        }
        return first ? { ...first, fuzzy } : null;
      };
    }
    case 'not': {
      if (keys.length > 1) throw new RulesetPathError(path, `not takes no other keys (found ${keys.join(', ')})`);
      const sub = compileCondition((raw as Record<string, unknown>).not, [...path, 'not'], resolveRef);
      return (t, ctx) => (sub(t, ctx) ? null : EMPTY_HIT);
    }
    case 'ref': {
      const spec = check(refSchema, raw, path);
      return resolveRef(spec.ref, [...path, 'ref']);
    }
    case 'option': {
      check(optionSchema, raw, path);
      return (t, ctx) => {
        for (const name of ctx.centreNames) {
          const i = name ? t.norm.indexOf(name) : -1;
          if (i >= 0) return { start: i, end: i + name.length, fuzzy: false };
        }
        return null;
      };
    }
  }
}
