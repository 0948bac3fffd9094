/**
 * The phrase-list forms: `{ any: [p…] }`, `{ all: [p…] }`, `{ atLeast: N, of: [p…] }` (each with `pinyin`,
 * `clipped`, `maxEdits`, `except`) and `{ none: [p…] }`. Each phrase is found by {@link findPhrase}: as written,
 * by sound, within `maxEdits`, never inside an `except` phrase.
 */
import { z } from 'zod';
import { EMPTY_HIT, type Hit, type Matcher } from './match.js';
import { check, phraseList, RulesetPathError, type FormCompiler, type Path } from './form.js';
import { findPhrase, prepareExcepts, preparePhrases } from './phrase-match.js';

const phraseOpts = {
  pinyin: z.boolean().optional(),
  clipped: z.boolean().optional(),
  maxEdits: z.number().int().min(1).max(3).optional(),
  except: z.array(z.string().min(1)).optional(),
};
const anySchema = z.strictObject({ any: phraseList, ...phraseOpts });
const allSchema = z.strictObject({ all: phraseList, ...phraseOpts });
const atLeastSchema = z.strictObject({ atLeast: z.number().int().min(1), of: phraseList, ...phraseOpts });
const noneSchema = z.strictObject({ none: phraseList, pinyin: z.boolean().optional() });

/**
 * `any`, `all` and `atLeast` share one matcher: it counts the phrases found and needs 1, all of them, or N.
 * The hit spans the earliest phrase found, with the match kind and quality of the least certain one.
 */
function compilePhraseList(form: 'any' | 'all' | 'atLeast', raw: unknown, path: Path): Matcher {
  const spec =
    form === 'any' ? check(anySchema, raw, path) : form === 'all' ? check(allSchema, raw, path) : check(atLeastSchema, raw, path);
  const list = 'any' in spec ? spec.any : 'all' in spec ? spec.all : spec.of;
  const listKey = form === 'atLeast' ? 'of' : form;
  const phrases = preparePhrases(list, spec.pinyin ?? true, [...path, listKey], spec.maxEdits ?? 0, spec.clipped ?? false);
  const excepts = prepareExcepts(spec.except);
  const need = form === 'any' ? 1 : form === 'all' ? phrases.length : (spec as { atLeast: number }).atLeast;
  if (need > phrases.length) {
    throw new RulesetPathError([...path, 'atLeast'], `atLeast ${need} is more than the ${phrases.length} phrases listed`);
  }
  return (t) => {
    let found = 0;
    let first: Hit | null = null;
    let worst: Hit | null = null;
    for (const p of phrases) {
      const h = findPhrase(t, p, excepts);
      if (h) {
        found++;
        if (!worst || h.quality < worst.quality) worst = h;
        if (!first || h.start < first.start) first = h;
        if (form === 'any') return h;
      } else if (form === 'all') {
        return null;
      }
    }
    return found >= need && first && worst ? { ...first, match: worst.match, quality: worst.quality } : null;
  };
}

/** `{ any: [p…] }`: hits at the first phrase (in list order) that occurs. */
export const compileAny: FormCompiler = (raw, path) => compilePhraseList('any', raw, path);

/** `{ all: [p…] }`: hits when every phrase occurs. */
export const compileAll: FormCompiler = (raw, path) => compilePhraseList('all', raw, path);

/**
 * `{ atLeast: N, of: [p…] }`: hits when at least N different phrases occur.
 *
 * @throws {RulesetPathError} at `atLeast` when N is more than the phrases listed
 */
export const compileAtLeast: FormCompiler = (raw, path) => compilePhraseList('atLeast', raw, path);

/** `{ none: [p…] }`: hits (an empty hit) when no phrase occurs, as written or by sound. */
export const compileNone: FormCompiler = (raw, path) => {
  const spec = check(noneSchema, raw, path);
  const phrases = preparePhrases(spec.none, spec.pinyin ?? true, [...path, 'none']);
  return (t) => (phrases.some((p) => findPhrase(t, p, []) !== null) ? null : EMPTY_HIT);
};
