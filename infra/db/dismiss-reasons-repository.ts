/**
 * The dismiss reasons officers pick from (migration 020), kept by supervisors on `/settings/dismiss-reasons`
 * (web/routes/dismiss-reasons.ts). Retired reasons stay in the table (decisions store the wording they were given).
 */
import type { Pool } from './pool.js';

/** One listed reason. */
export interface DismissReason {
  id: number;
  label: string;
  active: boolean;
  createdBy: string;
  createdAt: Date;
}

/** The reasons, in their listed order; only the active ones unless `all`. */
export async function listDismissReasons(db: Pool, all = false): Promise<DismissReason[]> {
  const { rows } = await db.query<{ id: number; label: string; active: boolean; created_by: string; created_at: Date }>(
    `SELECT id, label, active, created_by, created_at FROM dismiss_reasons ${all ? '' : 'WHERE active'} ORDER BY position, id`,
  );
  return rows.map((r) => ({ id: r.id, label: r.label, active: r.active, createdBy: r.created_by, createdAt: r.created_at }));
}

/**
 * Adds a reason at the end of the list; an existing (also retired) reason of the same wording is made active.
 *
 * @param label 1–60 characters, trimmed by the caller
 */
export async function addDismissReason(db: Pool, label: string, by: string): Promise<void> {
  await db.query(
    `INSERT INTO dismiss_reasons (label, position, created_by)
     VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM dismiss_reasons), $2)
     ON CONFLICT (label) DO UPDATE SET active = true`,
    [label, by],
  );
}

/** Retires (`active` false) or restores a reason. @returns whether the reason exists */
export async function setDismissReasonActive(db: Pool, id: number, active: boolean): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE dismiss_reasons SET active = $2 WHERE id = $1', [id, active]);
  return (rowCount ?? 0) > 0;
}
