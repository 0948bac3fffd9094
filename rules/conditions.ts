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
 * | `{ similarTo: [s…], threshold: 0.6 }` | the utterance (one clause or two neighbouring clauses) is as similar as `threshold` to an example sentence (`bestSimilarity`) |
 * | `{ and: [c…] }`, `{ or: [c…] }`, `{ not: c }` | logic over conditions |
 * | `{ ref: name }` | the named condition from the ruleset's `conditions:` table |
 * | `{ option: centreNames }` | one of the centre names passed in `AnalyzeOptions.centreNames` occurs |
 * | `{ meaning: B02 }` | the ruleset's meaning layer (`meaning:` file; `meaning.ts`) reads phrase id B02 in the utterance: an intent frame matches, or the nearest example is a rewording of it |
 *
 * Phrases of two or more characters also hit by sound (issue 9, part 3; `pinyin: false` turns it off): a
 * same-sounding character under the folds of Mandarin ASR and southern accents (在见 for 再见, 中新 for 中心), a
 * doubled syllable, or one missing syllable (see `findSound` in text/normalize.ts); `clipped: true` also accepts a
 * short phrase whose first or last syllable ASR clipped at a clause edge. Regexes also run on the sound key of
 * the text (`sound: false` turns it off), so their Han characters match same-sounding ones. `maxEdits: N` (a run of characters within N insertions, deletions or
 * substitutions of the phrase also hits, inside one clause: 有完没有完 for 有完没完; phrases must be at least
 * 2N+2 characters long, so a tolerance never swallows a short word) and `except: [p…]`, exception phrases that cancel a hit when an
 * occurrence of one of them covers it ("如果您不知道" cancels the 不知道 inside it). `regex` takes `except`
 * the same way (an exception occurrence covering the regex hit cancels it).
 *
 * Phrases and regexes apply to the normalised text of an utterance ({@link normalizeText}): Simplified
 * Chinese, no spaces inside words, clauses separated by `，`. Phrases are normalised on load, so an
 * administrator may write them in either script, with or without punctuation.
 *
 * Validation errors are {@link RulesetPathError}s carrying the YAML path of the bad node, turned into
 * `file:line` by `ruleset.ts`.
 *
 * Each form is compiled by its own function under `conditions/` (the {@link FORM_COMPILERS} table); the
 * matching they share is in `conditions/phrase-match.ts` (phrases as written, by sound, within edits, with
 * exceptions) and `conditions/similarity.ts` (n-gram similarity to example sentences); the types every
 * matcher reads and returns are in `conditions/match.ts`.
 */
import type { Meaning } from './meaning.js';
import { RulesetPathError, type CompileEnv, type FormCompiler, type Path } from './conditions/form.js';
import type { Matcher } from './conditions/match.js';
import { compileAll, compileAny, compileAtLeast, compileNone } from './conditions/phrase-forms.js';
import { compileRegexCondition } from './conditions/regex-form.js';
import { compileSimilarTo } from './conditions/similar-form.js';
import { compileAnd, compileNot, compileOr, compileRef } from './conditions/logic-forms.js';
import { compileOption } from './conditions/option-form.js';
import { compileMeaning } from './conditions/meaning-form.js';

/** A condition as written in the ruleset YAML (see the module comment for the forms). */
export type ConditionSpec =
  | { any: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { all: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { atLeast: number; of: string[]; pinyin?: boolean; clipped?: boolean; maxEdits?: number; except?: string[] }
  | { none: string[]; pinyin?: boolean }
  | { regex: string; unless?: string; except?: string[]; sound?: boolean }
  | { similarTo: string[]; threshold?: number }
  | { and: ConditionSpec[] }
  | { or: ConditionSpec[] }
  | { not: ConditionSpec }
  | { ref: string }
  | { option: 'centreNames' }
  | { meaning: string };

/**
 * The compiler of each condition form, keyed by the key that tells the form apart. The order of the keys is
 * the order of precedence when a mapping carries more than one of them (`{ atLeast, of }` is `atLeast`).
 */
const FORM_COMPILERS = {
  any: compileAny,
  all: compileAll,
  atLeast: compileAtLeast,
  none: compileNone,
  regex: compileRegexCondition,
  similarTo: compileSimilarTo,
  and: compileAnd,
  or: compileOr,
  not: compileNot,
  ref: compileRef,
  option: compileOption,
  meaning: compileMeaning,
} satisfies Record<string, FormCompiler>;

const FORMS = Object.keys(FORM_COMPILERS) as (keyof typeof FORM_COMPILERS)[];

/**
 * Compiles a condition spec into a {@link Matcher}, normalising its phrases, computing their pinyin and
 * compiling regexes once.
 *
 * @param raw the condition as parsed from YAML (validated here)
 * @param path YAML path of `raw`, for error messages
 * @param resolveRef returns the compiled named condition, or throws {@link RulesetPathError} when unknown
 * @param meaning the ruleset's meaning layer, for `{ meaning: B02 }` (null when the ruleset names none)
 * @throws {RulesetPathError} when the condition is malformed (unknown form, empty list, bad regex, unknown ref,
 *   a `meaning` condition without a meaning file or naming a phrase id it does not know)
 */
export function compileCondition(
  raw: unknown,
  path: Path,
  resolveRef: (name: string, path: Path) => Matcher,
  meaning: Meaning | null = null,
): Matcher {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RulesetPathError(path, `a condition must be a mapping with one of the keys ${FORMS.join(', ')}`);
  }
  const keys = Object.keys(raw);
  const form = FORMS.find((f) => keys.includes(f));
  if (!form) {
    throw new RulesetPathError(path, `unknown condition (keys: ${keys.join(', ') || 'none'}); expected one of ${FORMS.join(', ')}`);
  }
  const env: CompileEnv = { resolveRef, meaning, compile: (sub, subPath) => compileCondition(sub, subPath, resolveRef, meaning) };
  return FORM_COMPILERS[form](raw as Record<string, unknown>, path, env);
}
