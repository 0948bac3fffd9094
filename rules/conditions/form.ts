/**
 * What every condition form's compiler shares: the YAML path of a node, the error that carries it, the zod
 * validation of a form's mapping, and the compile environment (sub-conditions, named conditions, the meaning
 * layer) that `compileCondition` in ../conditions.ts hands to each form.
 */
import { z } from 'zod';
import type { Meaning } from '../meaning.js';
import type { Matcher } from './match.js';

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

/** A YAML path: keys and indices from the document root to a node. */
export type Path = (string | number)[];

/** Validates with a zod schema, throwing a {@link RulesetPathError} at the first issue. */
export function check<T>(schema: z.ZodType<T>, value: unknown, path: Path): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new RulesetPathError([...path, ...(issue.path as (string | number)[])], issue.message);
}

/** A non-empty list of non-empty phrases or example sentences (`any`, `all`, `of`, `none`, `similarTo`). */
export const phraseList = z.array(z.string().min(1, 'a phrase must not be empty')).min(1, 'the phrase list is empty');

/** What a form compiler may use besides its own mapping (see {@link FormCompiler}). */
export interface CompileEnv {
  /** Compiles a nested condition (`and`, `or`, `not`) at its own YAML path. */
  compile: (raw: unknown, path: Path) => Matcher;
  /** Returns the compiled named condition, or throws {@link RulesetPathError} when unknown. */
  resolveRef: (name: string, path: Path) => Matcher;
  /** The ruleset's meaning layer, for `{ meaning: B02 }` (null when the ruleset names none). */
  meaning: Meaning | null;
}

/**
 * Compiles one condition form: validates the mapping `raw` (a YAML mapping whose key names the form) and
 * returns its {@link Matcher}.
 *
 * @throws {RulesetPathError} at `path` (or below) when the mapping is malformed
 */
export type FormCompiler = (raw: Record<string, unknown>, path: Path, env: CompileEnv) => Matcher;
