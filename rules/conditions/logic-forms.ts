/**
 * Logic over conditions: `{ and: [c…] }`, `{ or: [c…] }`, `{ not: c }`, and `{ ref: name }` (a named condition of
 * the ruleset's `conditions:` table). Nested conditions are compiled through `env.compile`.
 */
import { z } from 'zod';
import { EMPTY_HIT, type Hit, type Matcher } from './match.js';
import { check, RulesetPathError, type CompileEnv, type FormCompiler, type Path } from './form.js';

const refSchema = z.strictObject({ ref: z.string().min(1) });

/**
 * The sub-conditions of `and` / `or`, compiled at `path.form.i`.
 *
 * @throws {RulesetPathError} when the list is missing or empty, or the mapping has other keys
 */
function compileList(form: 'and' | 'or', raw: Record<string, unknown>, path: Path, env: CompileEnv): Matcher[] {
  const keys = Object.keys(raw);
  const list = raw[form];
  if (!Array.isArray(list) || list.length === 0) {
    throw new RulesetPathError([...path, form], `${form} needs a non-empty list of conditions`);
  }
  if (keys.length > 1) throw new RulesetPathError(path, `${form} takes no other keys (found ${keys.join(', ')})`);
  return list.map((c, i) => env.compile(c, [...path, form, i]));
}

/** `{ or: [c…] }`: the hit of the first sub-condition (in list order) that hits. */
export const compileOr: FormCompiler = (raw, path, env) => {
  const subs = compileList('or', raw, path, env);
  return (t, ctx) => {
    for (const s of subs) {
      const h = s(t, ctx);
      if (h) return h;
    }
    return null;
  };
};

/**
 * `{ and: [c…] }`: hits when every sub-condition hits; the span is the earliest non-empty hit, the match kind
 * and quality those of the least certain one.
 */
export const compileAnd: FormCompiler = (raw, path, env) => {
  const subs = compileList('and', raw, path, env);
  return (t, ctx) => {
    let first: Hit | null = null;
    let worst: Hit | null = null;
    for (const s of subs) {
      const h = s(t, ctx);
      if (!h) return null;
      if (!worst || h.quality < worst.quality) worst = h;
      if (!first || (h.end > h.start && (first.end === first.start || h.start < first.start))) first = h;
    }
    return first && worst ? { ...first, match: worst.match, quality: worst.quality } : null;
  };
};

/**
 * `{ not: c }`: hits (an empty hit) when `c` does not.
 *
 * @throws {RulesetPathError} when the mapping has other keys
 */
export const compileNot: FormCompiler = (raw, path, env) => {
  const keys = Object.keys(raw);
  if (keys.length > 1) throw new RulesetPathError(path, `not takes no other keys (found ${keys.join(', ')})`);
  const sub = env.compile(raw.not, [...path, 'not']);
  return (t, ctx) => (sub(t, ctx) ? null : EMPTY_HIT);
};

/** `{ ref: name }`: the named condition, as `env.resolveRef` compiles it (which throws when it is unknown). */
export const compileRef: FormCompiler = (raw, path, env) => {
  const spec = check(refSchema, raw, path);
  return env.resolveRef(spec.ref, [...path, 'ref']);
};
