/**
 * `{ meaning: B02 }`: the ruleset's meaning layer (`meaning:` file; ../meaning.ts) reads phrase id B02 in the
 * utterance — an intent frame matches, or the nearest example is a rewording of it.
 */
import { z } from 'zod';
import { MATCH_QUALITY } from './match.js';
import { check, RulesetPathError, type FormCompiler } from './form.js';

const meaningSchema = z.strictObject({ meaning: z.string().min(1) });

/**
 * Compiles `{ meaning }`. A frame hit is `meaning` (quality 0.75) with the frame's words as `why`; an example
 * hit is `similar` (0.65 × the similarity) with the nearest example as `why`.
 *
 * @throws {RulesetPathError} at `meaning` when the ruleset has no meaning file or the file knows no frame or
 *   example for the phrase id
 */
export const compileMeaning: FormCompiler = (raw, path, env) => {
  const { meaning } = env;
  const spec = check(meaningSchema, raw, path);
  if (!meaning) throw new RulesetPathError([...path, 'meaning'], 'a meaning condition needs a meaning file (top-level key meaning:)');
  if (!meaning.phraseIds.has(spec.meaning)) {
    throw new RulesetPathError([...path, 'meaning'], `the meaning file ${meaning.source} has no frame or example for "${spec.meaning}"`);
  }
  return (t) => {
    const h = meaning.find(t, spec.meaning);
    if (!h) return null;
    return h.via === 'frame'
      ? {
          start: h.start,
          end: h.end,
          match: 'meaning',
          quality: MATCH_QUALITY.meaning,
          why: `意义框架：${(h.words ?? []).join('＋')}`,
          source: `frame ${h.name}`,
        }
      : {
          start: h.start,
          end: h.end,
          match: 'similar',
          quality: Math.round(MATCH_QUALITY.similarScale * (h.similarity ?? 0) * 100) / 100,
          why: `最接近的示例句“${h.name}”，相似度 ${h.similarity}`,
          source: 'example bank',
        };
  };
};
