/**
 * The agent directory (migration 021): agent id → name and team/line, imported from a CSV staff list so
 * statistics and the review workspace show people by name, with the id kept beside it.
 *
 * CSV: UTF-8 (a byte-order mark is fine), a header line naming the columns `id`, `name` and optionally
 * `team` (also accepted: 工号, 姓名, 班组/线路), any order, extra columns ignored. An import adds new agents
 * and updates existing ones; agents missing from the file are kept (a leaver's old calls keep a name).
 * Stored by infra/db/agents-repository.ts.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { BadInputError } from '../domain/errors.js';
import type { Pool } from './db/pool.js';
import { listAgents, upsertAgents, type AgentEntry } from './db/agents-repository.js';

const HEADERS: Record<keyof AgentEntry, string[]> = {
  agentId: ['id', 'agent_id', 'agentid', '工号', '坐席工号'],
  name: ['name', '姓名', '名字'],
  team: ['team', 'line', '班组', '线路', '班组/线路', '部门'],
};

/**
 * Reads a staff list CSV.
 *
 * @param fileName named in errors
 * @throws {BadInputError} `invalid_metadata` naming the file and line: no id or name column, an empty id or
 *   name, an id listed twice, a field over 100 characters, or text that is not CSV
 */
export function parseAgentCsv(text: string, fileName: string): AgentEntry[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new BadInputError('invalid_metadata', `${fileName}: not a CSV file (${(error as Error).message})`);
  }
  const [header, ...rows] = records;
  if (!header) throw new BadInputError('invalid_metadata', `${fileName}: the file is empty`);
  const column = (key: keyof AgentEntry) => header.findIndex((h) => HEADERS[key].includes(h.toLowerCase()));
  const [idCol, nameCol, teamCol] = [column('agentId'), column('name'), column('team')];
  if (idCol < 0 || nameCol < 0)
    throw new BadInputError('invalid_metadata', `${fileName}:1: the header needs an id column (id/工号) and a name column (name/姓名)`);
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const line = i + 2;
    const agentId = row[idCol] ?? '';
    const name = row[nameCol] ?? '';
    const team = teamCol >= 0 ? (row[teamCol] ?? '') : '';
    if (!agentId || !name) throw new BadInputError('invalid_metadata', `${fileName}:${line}: id and name must not be empty`);
    if ([agentId, name, team].some((v) => v.length > 100))
      throw new BadInputError('invalid_metadata', `${fileName}:${line}: a field is longer than 100 characters`);
    if (seen.has(agentId)) throw new BadInputError('invalid_metadata', `${fileName}:${line}: agent id ${agentId} is listed twice`);
    seen.add(agentId);
    return { agentId, name, team };
  });
}

/** Imports a staff list CSV file (all rows in one transaction). @returns the number of agents imported */
export async function importAgentCsv(db: Pool, filePath: string): Promise<number> {
  const entries = parseAgentCsv(await readFile(filePath, 'utf8'), filePath);
  await upsertAgents(db, entries);
  return entries.length;
}

/** Agent id → name and team, for the statistics. */
export async function agentDirectoryNames(db: Pool): Promise<Record<string, { name: string; team: string }>> {
  return Object.fromEntries((await listAgents(db)).map((a) => [a.agentId, { name: a.name, team: a.team }]));
}

/** How people read an agent: `王芳（A017）`, or the id alone when the directory does not know it. */
export function agentLabel(agentId: string, names: Record<string, { name: string }>): string {
  const name = names[agentId]?.name;
  return name ? `${name}（${agentId}）` : agentId;
}
