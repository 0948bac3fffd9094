/**
 * The review workspace's accounts (migrations 003, 023, 024): `users` (never read out with their hash except
 * for the password check), `sessions` (stored by the SHA-256 of their token) and `login_attempts` (the
 * sign-in lock-out's record). Password hashing, the lock-out policy and session tokens are web/accounts.ts.
 */
import type { Role, User } from '../../domain/user.js';
import type { Pool } from './pool.js';

/** A `users` row as PostgreSQL returns it (`SELECT *`; `serial` id as a number, `timestamptz` as a Date). */
interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  agent_id: string | null;
  email: string | null;
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    disabled: r.disabled,
    createdAt: r.created_at,
    ...(r.agent_id ? { agentId: r.agent_id } : {}),
  };
}

/** A new `users` row; the password already hashed (web/accounts.ts hashPassword). */
export interface NewUserRow {
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  agentId: string | null;
  email: string | null;
}

/**
 * Inserts a user (checked by the caller: web/accounts.ts createUser).
 *
 * @returns the user, or undefined when the user name is taken
 * @throws {Error} PostgreSQL's error for a row the table's checks refuse
 */
export async function insertUser(db: Pool, u: NewUserRow): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    'INSERT INTO users (username, display_name, role, password_hash, agent_id, email) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING *',
    [u.username, u.displayName, u.role, u.passwordHash, u.agentId, u.email],
  );
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** All users, by name. */
export async function listUsers(db: Pool): Promise<User[]> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users ORDER BY username');
  return rows.map(toUser);
}

/** Users who can review (officers and supervisors), enabled only, by name. */
export async function listReviewers(db: Pool): Promise<User[]> {
  const { rows } = await db.query<UserRow>(
    "SELECT * FROM users WHERE NOT disabled AND role IN ('officer', 'supervisor') ORDER BY username",
  );
  return rows.map(toUser);
}

/** User name → display name of every account (the statistics name reviewers with it). */
export async function displayNamesByUsername(db: Pool): Promise<Record<string, string>> {
  const { rows } = await db.query<{ username: string; display_name: string }>('SELECT username, display_name FROM users ORDER BY username');
  return Object.fromEntries(rows.map((r) => [r.username, r.display_name]));
}

/** The e-mail address of a user (migration 024), or undefined when none is set or there is no such user. */
export async function emailOfUser(db: Pool, username: string): Promise<string | undefined> {
  const { rows } = await db.query<{ email: string | null }>('SELECT email FROM users WHERE username = $1', [username]);
  return rows[0]?.email ?? undefined;
}

/**
 * Disables (or re-enables) a user; disabling also ends their sessions.
 *
 * @returns false when there is no such user
 */
export async function setUserDisabled(db: Pool, username: string, disabled: boolean): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>('UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id', [username, disabled]);
  const user = rows[0];
  if (!user) return false;
  if (disabled) await db.query('DELETE FROM sessions WHERE user_id = $1', [user.id]);
  return true;
}

/** Stores a new password hash and ends the user's sessions. @returns false when there is no such user */
export async function setPasswordHash(db: Pool, username: string, passwordHash: string): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>('UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id', [
    username,
    passwordHash,
  ]);
  const user = rows[0];
  if (!user) return false;
  await db.query('DELETE FROM sessions WHERE user_id = $1', [user.id]);
  return true;
}

/** A user with the stored password hash, for the password check only. */
export async function userWithPasswordHash(db: Pool, username: string): Promise<{ user: User; passwordHash: string } | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
  const row = rows[0];
  return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
}

/** Recent failed sign-ins of an account, as the lock-out (web/accounts.ts LOCKOUT) counts them. */
export interface SignInFailures {
  /** Failures from `ip` within the window, since that address's last success on the account. */
  here: number;
  /** Failures from every address within the window, since the account's last success anywhere. */
  everywhere: number;
  /** Whether the account signed in successfully from `ip` within `knownAddressDays` days. */
  known: boolean;
}

/**
 * Counts the failed sign-ins of `username` within the last `windowMinutes` minutes.
 *
 * @param knownAddressDays how far back (days) a success from `ip` makes it a known address
 */
export async function countSignInFailures(
  db: Pool,
  username: string,
  ip: string,
  windowMinutes: number,
  knownAddressDays: number,
): Promise<SignInFailures> {
  const { rows } = await db.query<SignInFailures>(
    `WITH last_ok AS (
       SELECT max(at) FILTER (WHERE ip = $2) AS here, max(at) AS anywhere FROM login_attempts WHERE username = $1 AND succeeded
     )
     SELECT count(*) FILTER (WHERE a.ip = $2 AND a.at > coalesce(l.here, '-infinity'))::int AS here,
            count(*) FILTER (WHERE a.at > coalesce(l.anywhere, '-infinity'))::int AS everywhere,
            coalesce(l.here > now() - make_interval(days => $4), false) AS known
     FROM last_ok l LEFT JOIN login_attempts a
       ON a.username = $1 AND NOT a.succeeded AND a.at > now() - make_interval(mins => $3)
     GROUP BY l.here, l.anywhere`,
    [username, ip, windowMinutes, knownAddressDays],
  );
  return rows[0] as SignInFailures;
}

/** Records a sign-in attempt (`username` as given, already cut and cleaned by the caller). */
export async function recordSignInAttempt(db: Pool, username: string, ip: string, succeeded: boolean): Promise<void> {
  await db.query('INSERT INTO login_attempts (username, ip, succeeded) VALUES ($1, $2, $3)', [username, ip, succeeded]);
}

/** Stores a session by its token's hash, ending `hours` hours from now. */
export async function insertSession(db: Pool, tokenHash: string, userId: number, hours: number): Promise<void> {
  await db.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))', [
    tokenHash,
    userId,
    hours,
  ]);
}

/** Drops expired sessions (housekeeping). */
export async function deleteExpiredSessions(db: Pool): Promise<void> {
  await db.query('DELETE FROM sessions WHERE expires_at < now()');
}

/** The enabled user of an unexpired session, by the token's hash, or undefined. */
export async function userOfSessionHash(db: Pool, tokenHash: string): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled',
    [tokenHash],
  );
  return rows[0] ? toUser(rows[0]) : undefined;
}

/** Ends a session, by the token's hash. */
export async function deleteSessionHash(db: Pool, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}
