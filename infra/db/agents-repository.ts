/**
 * The agent directory's table (migration 021): agent id → name and team/line. Reading the staff list CSV is
 * infra/agent-directory.ts.
 */
import type { Pool } from './pool.js';

/** One agent of the directory. */
export interface AgentEntry {
  agentId: string;
  name: string;
  /** Team or phone line, '' when not given. */
  team: string;
}

/**
 * Adds new agents and updates existing ones (one statement, so all or none); agents not given are kept (a
 * leaver's old calls keep a name).
 */
export async function upsertAgents(db: Pool, entries: AgentEntry[]): Promise<void> {
  await db.query(
    `INSERT INTO agents (agent_id, name, team)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (agent_id) DO UPDATE SET name = EXCLUDED.name, team = EXCLUDED.team, imported_at = now()`,
    [entries.map((e) => e.agentId), entries.map((e) => e.name), entries.map((e) => e.team)],
  );
}

/** Every agent of the directory, by id. */
export async function listAgents(db: Pool): Promise<AgentEntry[]> {
  const { rows } = await db.query<{ agent_id: string; name: string; team: string }>(
    'SELECT agent_id, name, team FROM agents ORDER BY agent_id',
  );
  return rows.map((r) => ({ agentId: r.agent_id, name: r.name, team: r.team }));
}
