/**
 * `callqa agents import FILE.csv` / `callqa agents list [--json]`: the agent directory (infra/agent-directory.ts)
 * that statistics and the review workspace use to show agents by name, with their id beside it.
 */
import type { Config } from '../infra/config.js';
import { importAgentCsv } from '../infra/agent-directory.js';
import { listAgents } from '../infra/db/agents-repository.js';
import { openDatabase } from '../infra/db/pool.js';

/** `agents import FILE`: adds or updates every agent of the CSV staff list. */
export async function agentsImport(config: Config, file: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const db = await openDatabase(config.databaseUrl);
  try {
    out.write(`imported ${await importAgentCsv(db, file)} agent(s) from ${file}\n`);
  } finally {
    await db.end();
  }
}

/** `agents list [--json]` */
export async function agentsList(config: Config, opts: { json?: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const db = await openDatabase(config.databaseUrl);
  try {
    const agents = await listAgents(db);
    if (opts.json) out.write(`${JSON.stringify(agents, null, 2)}\n`);
    else for (const a of agents) out.write(`${a.agentId}\t${a.name}\t${a.team}\n`);
  } finally {
    await db.end();
  }
}
