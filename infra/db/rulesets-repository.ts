/**
 * Rulesets saved in PostgreSQL (migration 007): `rulesets`, one row per `version:` whose YAML never changes,
 * and the append-only `ruleset_activations`; the latest activation names the active version (none, or a
 * `null` one: the shipped file). Checking texts and compiling them is infra/ruleset-store.ts.
 */
import type { Pool } from './pool.js';

/** A saved ruleset version (a row of `rulesets`), without its YAML unless asked for. */
export interface RulesetVersionRow {
  id: number;
  version: string;
  savedBy: string;
  savedAt: Date;
  /** True for the version the latest activation names. */
  active: boolean;
  /** The YAML text (only from {@link getRulesetVersion}). */
  yaml?: string;
}

/** An entry of the activation history; `version` null means the shipped file. */
export interface RulesetActivation {
  id: number;
  rulesetId: number | null;
  version: string | null;
  activatedBy: string;
  activatedAt: Date;
}

/** A `rulesets` row as the queries below select it (`bigint` id as a string, `timestamptz` as a Date). */
interface RulesetsRow {
  id: string;
  version: string;
  saved_by: string;
  saved_at: Date;
  /** `id` = the latest activation's ruleset id. */
  active: boolean;
  yaml?: string;
}

/**
 * Inserts a ruleset version (checked by the caller).
 *
 * @returns the saved row, or undefined when a version with this `version:` string exists already
 */
export async function insertRulesetVersion(
  db: Pool,
  version: string,
  yaml: string,
  savedBy: string,
): Promise<RulesetVersionRow | undefined> {
  const { rows } = await db.query<Omit<RulesetsRow, 'active' | 'yaml'>>(
    `INSERT INTO rulesets (version, yaml, saved_by) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING
     RETURNING id, version, saved_by, saved_at`,
    [version, yaml, savedBy],
  );
  const row = rows[0];
  return row ? { id: Number(row.id), version: row.version, savedBy: row.saved_by, savedAt: row.saved_at, active: false } : undefined;
}

/** Appends an activation of a saved version (`rulesetId`), or of the shipped file (null). */
export async function insertRulesetActivation(db: Pool, rulesetId: number | null, activatedBy: string): Promise<void> {
  await db.query('INSERT INTO ruleset_activations (ruleset_id, activated_by) VALUES ($1, $2)', [rulesetId, activatedBy]);
}

const ACTIVE_ID = '(SELECT ruleset_id FROM ruleset_activations ORDER BY id DESC LIMIT 1)';

function toRow(r: RulesetsRow): RulesetVersionRow {
  return {
    id: Number(r.id),
    version: r.version,
    savedBy: r.saved_by,
    savedAt: r.saved_at,
    active: r.active,
    ...(typeof r.yaml === 'string' ? { yaml: r.yaml } : {}),
  };
}

/** Every saved version, newest first, with the active one marked. */
export async function listRulesetVersions(db: Pool): Promise<RulesetVersionRow[]> {
  const { rows } = await db.query<RulesetsRow>(
    `SELECT id, version, saved_by, saved_at, id = ${ACTIVE_ID} IS TRUE AS active FROM rulesets ORDER BY id DESC`,
  );
  return rows.map(toRow);
}

/** One saved version with its YAML, or undefined. */
export async function getRulesetVersion(db: Pool, id: number): Promise<RulesetVersionRow | undefined> {
  const { rows } = await db.query<RulesetsRow>(
    `SELECT id, version, yaml, saved_by, saved_at, id = ${ACTIVE_ID} IS TRUE AS active FROM rulesets WHERE id = $1`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** The activation history, newest first (at most `limit` entries). */
export async function listRulesetActivations(db: Pool, limit = 100): Promise<RulesetActivation[]> {
  const { rows } = await db.query<{
    id: string;
    ruleset_id: string | null;
    version: string | null;
    activated_by: string;
    activated_at: Date;
  }>(
    `SELECT a.id, a.ruleset_id, r.version, a.activated_by, a.activated_at
     FROM ruleset_activations a LEFT JOIN rulesets r ON r.id = a.ruleset_id ORDER BY a.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    rulesetId: r.ruleset_id === null ? null : Number(r.ruleset_id),
    version: r.version,
    activatedBy: r.activated_by,
    activatedAt: r.activated_at,
  }));
}

/** The YAML text of a saved version by its `version:` string, or undefined. */
export async function rulesetYamlOfVersion(db: Pool, version: string): Promise<string | undefined> {
  const { rows } = await db.query<{ yaml: string }>('SELECT yaml FROM rulesets WHERE version = $1', [version]);
  return rows[0]?.yaml;
}

/**
 * The version string the latest activation names: a saved version's, or null for the shipped file (also when
 * nothing was ever activated). One small query: the analyze stage asks once per job.
 */
export async function activeRulesetVersion(db: Pool): Promise<string | null> {
  const { rows } = await db.query<{ version: string | null }>(
    'SELECT r.version FROM ruleset_activations a LEFT JOIN rulesets r ON r.id = a.ruleset_id ORDER BY a.id DESC LIMIT 1',
  );
  return rows[0]?.version ?? null;
}
