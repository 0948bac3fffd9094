/**
 * `{ regex: '…', unless: '…', except: [p…], sound: false }`: the regex matches the normalised text and the
 * `unless` regex does not. Both also run on the sound key of the text (unless `sound: false`), so their Han
 * characters match same-sounding ones; an `except` phrase covering the hit cancels it.
 */
import { z } from 'zod';
import { soundRegexSource, undoubled } from '../../text/normalize.js';
import { cutsWord } from '../meaning.js';
import { MATCH_QUALITY, soundOf } from './match.js';
import { check, RulesetPathError, type FormCompiler, type Path } from './form.js';
import { covered, exceptionSpans, prepareExcepts } from './phrase-match.js';

const regexSchema = z.strictObject({
  regex: z.string().min(1),
  sound: z.boolean().optional(),
  unless: z.string().min(1).optional(),
  except: z.array(z.string().min(1)).optional(),
});

/** A regex source compiled with flags `gu`, or a {@link RulesetPathError} at `path` naming the syntax error. */
function compileRegex(source: string, path: Path): RegExp {
  try {
    return new RegExp(source, 'gu');
  } catch (error) {
    throw new RulesetPathError(path, `invalid regular expression: ${(error as Error).message}`);
  }
}

/**
 * Compiles `{ regex }`. A hit as written is `exact`; one found only in the sound domain (also with doubled
 * syllables folded) is a `homophone`, unless it cuts a word of the text in two.
 *
 * @throws {RulesetPathError} at `regex` / `unless` when the expression is invalid
 */
export const compileRegexCondition: FormCompiler = (raw, path) => {
  const spec = check(regexSchema, raw, path);
  const re = compileRegex(spec.regex, [...path, 'regex']);
  const reSound = spec.sound === false ? null : compileRegex(soundRegexSource(spec.regex), [...path, 'regex']);
  const unless = spec.unless ? compileRegex(spec.unless, [...path, 'unless']) : null;
  const unlessSound = spec.unless && spec.sound !== false ? compileRegex(soundRegexSource(spec.unless), [...path, 'unless']) : null;
  const excepts = prepareExcepts(spec.except);
  const first = (r: RegExp, text: string, spans: [number, number][]): [number, number] | null => {
    r.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = r.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (!covered(start, end, spans)) return [start, end];
      if (m[0].length === 0) r.lastIndex++;
    }
    return null;
  };
  return (t) => {
    if (unless) {
      unless.lastIndex = 0;
      if (unless.test(t.norm)) return null;
    }
    // In the sound domain: same-sounding characters (an ASR homophone) cancel too, and match too.
    if (unlessSound) {
      unlessSound.lastIndex = 0;
      if (unlessSound.test(soundOf(t))) return null;
    }
    const spans = excepts.length ? exceptionSpans(t, excepts) : [];
    const exact = first(re, t.norm, spans);
    if (exact) return { start: exact[0], end: exact[1], match: 'exact', quality: MATCH_QUALITY.exact };
    if (!reSound) return null;
    const sound = soundOf(t);
    let bySound = first(reSound, sound, spans);
    if (!bySound) {
      // Last, with doubled syllables folded (就这样样吧 → 就这样吧).
      if (t.undoubled === undefined) t.undoubled = undoubled(sound);
      const u = t.undoubled;
      if (!u) return null;
      const m = first(reSound, u.text, []);
      if (!m) return null;
      bySound = [u.at[m[0]]!, m[1] > m[0] ? u.at[m[1] - 1]! + 1 : u.at[m[0]]!];
      if (covered(bySound[0], bySound[1], spans)) return null;
    }
    // A sound match that cuts a word of the text in two is another word (还不动|产 is no 还不懂).
    if (cutsWord(t, bySound[0], bySound[1])) return null;
    return { start: bySound[0], end: bySound[1], match: 'homophone', quality: MATCH_QUALITY.homophone };
  };
};
