/**
 * Rulesets managed in production, stored in PostgreSQL (migration 007, infra/db/rulesets-repository.ts): saved
 * versions of the ruleset YAML (`rulesets`, one row per `version:`, never changed) and the append-only history
 * of activations (`ruleset_activations`). The active ruleset is the one the latest activation names; an activation of
 * `null`, or no activation at all, means the shipped file (`defaultRuleset()`).
 *
 * Every text is checked with {@link parseRuleset} before it is saved and again before it is activated, so a
 * YAML that does not parse never becomes active. The analyze stage asks {@link activeRuleset} once per job:
 * one small query for the active version; the YAML is read and compiled only when that version has not been
 * compiled before in this process (saved rows never change, so compiled rulesets are cached by version).
 */
import type { Pool } from './db/pool.js';
import {
  activeRulesetVersion,
  getRulesetVersion,
  insertRulesetActivation,
  insertRulesetVersion,
  rulesetYamlOfVersion,
  type RulesetVersionRow,
} from './db/rulesets-repository.js';
import { defaultRuleset, parseRuleset, type Ruleset } from '../rules/ruleset.js';

/** The name parse errors of a submitted text carry: `ruleset.yaml:<line>: reason`. */
const TEXT_NAME = 'ruleset.yaml';

/** Why a ruleset text was not saved or activated. */
export class RulesetStoreError extends Error {
  /**
   * @param kind `invalid`: the YAML does not parse or validate (`line` is the 1-based line of the mistake);
   *   `duplicate`: a version with this `version:` string exists already (or it is the shipped file's);
   *   `not_found`: no saved version with that id
   */
  constructor(
    readonly kind: 'invalid' | 'duplicate' | 'not_found',
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/**
 * Parses a submitted ruleset text with {@link parseRuleset}.
 *
 * @throws {RulesetStoreError} kind `invalid`, with the line and the reason (without the file name)
 */
export function checkRulesetText(yaml: string): Ruleset {
  try {
    return parseRuleset(yaml, TEXT_NAME);
  } catch (error) {
    const message = (error as Error).message;
    const m = /^ruleset\.yaml:(\d+): ([\s\S]*)$/.exec(message);
    throw new RulesetStoreError('invalid', m ? m[2]! : message, m ? Number(m[1]) : undefined);
  }
}

/**
 * Saves a new ruleset version (not active yet).
 *
 * @param savedBy who saves it: a workspace user name, or `cli:<os user>`
 * @returns the saved row
 * @throws {RulesetStoreError} `invalid` when the text does not parse; `duplicate` when its `version:` is
 *   already saved, or is the shipped file's version with a different text (reports would not tell them apart)
 */
export async function saveRulesetVersion(db: Pool, yaml: string, savedBy: string): Promise<RulesetVersionRow> {
  const ruleset = checkRulesetText(yaml);
  if (ruleset.version === defaultRuleset().version) {
    throw new RulesetStoreError(
      'duplicate',
      `version "${ruleset.version}" is the shipped ruleset's; give the new ruleset a version of its own`,
    );
  }
  const row = await insertRulesetVersion(db, ruleset.version, yaml, savedBy);
  if (!row) throw new RulesetStoreError('duplicate', `version "${ruleset.version}" exists already; change version: to save a new one`);
  return row;
}

/**
 * Makes a saved version (or, with `rulesetId` null, the shipped file) the active ruleset, appending an
 * activation with who and when. The saved text is parsed again first, so a version that no longer
 * parses (e.g. after an engine change) is refused.
 *
 * @returns the version now active
 * @throws {RulesetStoreError} `not_found` for an unknown id, `invalid` when the text does not parse
 */
export async function activateRulesetVersion(db: Pool, rulesetId: number | null, activatedBy: string): Promise<string> {
  let version = defaultRuleset().version;
  if (rulesetId !== null) {
    const row = await getRulesetVersion(db, rulesetId);
    if (!row) throw new RulesetStoreError('not_found', `no saved ruleset with id ${rulesetId}`);
    version = checkRulesetText(row.yaml!).version;
  }
  await insertRulesetActivation(db, rulesetId, activatedBy);
  return version;
}

/** Compiled saved versions per database pool, by version (saved rows never change). */
const compiled = new WeakMap<Pool, Map<string, Ruleset>>();
const MAX_CACHED = 20;

async function compiledVersion(db: Pool, version: string): Promise<Ruleset | undefined> {
  let cache = compiled.get(db);
  if (!cache) compiled.set(db, (cache = new Map<string, Ruleset>()));
  const hit = cache.get(version);
  if (hit) return hit;
  const yaml = await rulesetYamlOfVersion(db, version);
  if (yaml === undefined) return undefined;
  let ruleset: Ruleset;
  try {
    ruleset = parseRuleset(yaml, `ruleset ${version} (database)`);
  } catch (error) {
    throw new Error(`the stored ruleset ${version} no longer parses: ${(error as Error).message}`);
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(version, ruleset);
  return ruleset;
}

/**
 * The active ruleset: the saved version the latest activation names, else the shipped file. One query per
 * call; the YAML is compiled once per version and process.
 *
 * @throws {Error} when PostgreSQL fails, or the active version's text no longer parses (the job retries;
 *   nothing is scored with a ruleset other than the active one)
 */
export async function activeRuleset(db: Pool): Promise<Ruleset> {
  const version = await activeRulesetVersion(db);
  if (!version) return defaultRuleset();
  return (await compiledVersion(db, version)) ?? defaultRuleset();
}

/**
 * The ruleset that scored a report, by its `rulesetVersion`: the shipped file's, a saved version, or
 * undefined when neither (e.g. an older shipped version), for recomputing scores after review.
 */
export async function rulesetOfVersion(db: Pool, version: string): Promise<Ruleset | undefined> {
  if (version === defaultRuleset().version) return defaultRuleset();
  return compiledVersion(db, version);
}
