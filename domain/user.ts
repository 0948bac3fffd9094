/**
 * Users of the review workspace (tables of migration 003): who they are and what role they have. The
 * accounts' storage is infra/db/accounts-repository.ts; password hashing, sign-in and sessions web/accounts.ts.
 */

/** Roles: officer reviews; supervisor also reassigns and sees statistics; admin manages users and queues; agent sees own calls. */
export const ROLES = ['officer', 'supervisor', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the web app sees it (never the hash). */
export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  /** Agents (role `agent`): their agent id; they see only the calls with that id (migration 023). */
  agentId?: string;
}
