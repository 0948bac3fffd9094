/**
 * Local accounts of the review workspace: password hashing (scrypt from node:crypto), users, sessions and
 * sign-in attempts in PostgreSQL (tables of migration 003). No framework code here: the command line
 * (`callqa users`) and the web server both use it.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Pool } from '../infra/database.js';

/** Roles: officer reviews; supervisor also reassigns and sees statistics; admin manages users and queues. */
export const ROLES = ['officer', 'supervisor', 'admin', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Chinese names of the roles, for the pages. */
export const ROLE_NAMES: Record<Role, string> = { officer: '质检员', supervisor: '质检主管', admin: '系统管理员', agent: '坐席' };

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

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** scrypt cost: N = 2^15, r = 8, p = 1 (OWASP's minimum recommendation), 64-byte key, 16-byte salt. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 64 };

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Checks a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (!N || !r || !p || expected.length === 0) return false;
  const key = await scrypt(password.normalize('NFC'), salt, expected.length, { N, r, p, maxmem: 128 * N * r * 2 });
  return timingSafeEqual(key, expected);
}

/** A hash no password matches, used to spend the same time when the user does not exist. */
let dummyHash: Promise<string> | undefined;

/** Minimum password length for new accounts. */
export const MIN_PASSWORD_LENGTH = 10;

function toUser(r: Record<string, unknown>): User {
  return {
    id: r.id as number,
    username: r.username as string,
    displayName: r.display_name as string,
    role: r.role as Role,
    disabled: r.disabled as boolean,
    createdAt: r.created_at as Date,
    ...(r.agent_id ? { agentId: r.agent_id as string } : {}),
  };
}

/**
 * Creates a user. `email` (optional): where the account is told of its appeals' outcomes (migration 024).
 *
 * @throws {Error} for a bad user name, role or a password shorter than {@link MIN_PASSWORD_LENGTH}, or a taken name
 */
export async function createUser(db: Pool, u: { username: string; displayName?: string; role: Role; password: string; agentId?: string; email?: string }): Promise<User> {
  if (u.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(u.email)) throw new Error(`e-mail address "${u.email}" is not one`);
  if (!/^[A-Za-z0-9._-]{2,64}$/.test(u.username)) throw new Error('user name: 2–64 letters, digits, ".", "_" or "-"');
  if (!(ROLES as readonly string[]).includes(u.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (u.role === 'agent' && !u.agentId) throw new Error('an agent account needs the agent id it may see (--agent)');
  if (u.password.length < MIN_PASSWORD_LENGTH) throw new Error(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  try {
    const { rows } = await db.query(
      'INSERT INTO users (username, display_name, role, password_hash, agent_id, email) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
      [u.username, u.displayName || u.username, u.role, await hashPassword(u.password), u.role === 'agent' ? u.agentId : null, u.email ?? null],
    );
    return toUser(rows[0]);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new Error(`user "${u.username}" exists already`);
    throw error;
  }
}

/** All users, by name. */
export async function listUsers(db: Pool): Promise<User[]> {
  const { rows } = await db.query('SELECT * FROM users ORDER BY username');
  return rows.map(toUser);
}

/** Users who can review (officers and supervisors), enabled only, by name. */
export async function listReviewers(db: Pool): Promise<User[]> {
  const { rows } = await db.query("SELECT * FROM users WHERE NOT disabled AND role IN ('officer', 'supervisor') ORDER BY username");
  return rows.map(toUser);
}

/**
 * Disables (or re-enables) a user; disabling also ends their sessions.
 *
 * @returns false when there is no such user
 */
export async function setUserDisabled(db: Pool, username: string, disabled: boolean): Promise<boolean> {
  const { rows } = await db.query('UPDATE users SET disabled = $2 WHERE username = $1 RETURNING id', [username, disabled]);
  if (!rows.length) return false;
  if (disabled) await db.query('DELETE FROM sessions WHERE user_id = $1', [rows[0].id]);
  return true;
}

/** Sets a new password and ends the user's sessions. @returns false when there is no such user */
export async function setUserPassword(db: Pool, username: string, password: string): Promise<boolean> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  const { rows } = await db.query('UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id', [username, await hashPassword(password)]);
  if (!rows.length) return false;
  await db.query('DELETE FROM sessions WHERE user_id = $1', [rows[0].id]);
  return true;
}

/**
 * Sign-in lock-out. Failures are counted per (account, client address), so an attacker elsewhere cannot
 * lock the real user out of their own address:
 *
 * - `failures` failed attempts on an account from one address within `windowMinutes` (since that address's
 *   last success on the account) lock the account for that address until they age out (at most
 *   `windowMinutes` after the last counted failure). Attempts made while locked are refused without being
 *   recorded, so they never extend the lock.
 * - Overall bound: `accountFailures` failures on an account from all addresses within `windowMinutes` (since
 *   its last success) lock it for every address from which it has not signed in successfully within
 *   `knownAddressDays`; the addresses it is used from keep their own per-address count.
 */
export const LOCKOUT = { failures: 5, windowMinutes: 15, accountFailures: 50, knownAddressDays: 30 };

/** Why a sign-in failed (the page shows one message for all, to not reveal which accounts exist). */
export type SignInResult = { ok: true; user: User } | { ok: false; reason: 'bad_credentials' | 'locked' | 'disabled' };

/**
 * Checks a user name and password, applies the lock-out ({@link LOCKOUT}) and records the attempt (not when
 * refused as locked).
 *
 * @param ip the client address (the per-address lock-out's key)
 */
export async function authenticate(db: Pool, username: string, password: string, ip: string): Promise<SignInResult> {
  const name = username.slice(0, 100);
  const record = (ok: boolean) => db.query('INSERT INTO login_attempts (username, ip, succeeded) VALUES ($1, $2, $3)', [name, ip, ok]);
  const { rows: recent } = await db.query(
    `WITH last_ok AS (
       SELECT max(at) FILTER (WHERE ip = $2) AS here, max(at) AS anywhere FROM login_attempts WHERE username = $1 AND succeeded
     )
     SELECT count(*) FILTER (WHERE a.ip = $2 AND a.at > coalesce(l.here, '-infinity'))::int AS here,
            count(*) FILTER (WHERE a.at > coalesce(l.anywhere, '-infinity'))::int AS everywhere,
            coalesce(l.here > now() - make_interval(days => $4), false) AS known
     FROM last_ok l LEFT JOIN login_attempts a
       ON a.username = $1 AND NOT a.succeeded AND a.at > now() - make_interval(mins => $3)
     GROUP BY l.here, l.anywhere`,
    [name, ip, LOCKOUT.windowMinutes, LOCKOUT.knownAddressDays],
  );
  const { here, everywhere, known } = recent[0] as { here: number; everywhere: number; known: boolean };
  if (here >= LOCKOUT.failures || (everywhere >= LOCKOUT.accountFailures && !known)) return { ok: false, reason: 'locked' };
  const { rows } = await db.query('SELECT * FROM users WHERE username = $1', [username]);
  if (!rows.length) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await dummyHash);
    await record(false);
    return { ok: false, reason: 'bad_credentials' };
  }
  const good = await verifyPassword(password, rows[0].password_hash as string);
  await record(good);
  if (!good) return { ok: false, reason: 'bad_credentials' };
  const user = toUser(rows[0]);
  if (user.disabled) return { ok: false, reason: 'disabled' };
  return { ok: true, user };
}

/**
 * Records a failed sign-in that never reached the password check (a malformed form, e.g. a user name with a
 * NUL character), so it counts toward the lock-out and the per-IP limit like any other failure. NUL
 * characters, which PostgreSQL text cannot hold, are stored as U+FFFD; the name is cut to 100 characters.
 */
export async function recordFailedSignIn(db: Pool, username: string, ip: string): Promise<void> {
  await db.query('INSERT INTO login_attempts (username, ip, succeeded) VALUES ($1, $2, false)', [username.replaceAll('\u0000', '\ufffd').slice(0, 100), ip]);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session. @returns the token for the (signed, http-only) cookie */
export async function createSession(db: Pool, userId: number, hours: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))", [hashToken(token), userId, hours]);
  // Housekeeping: drop expired sessions now and then.
  if (Math.random() < 0.05) await db.query('DELETE FROM sessions WHERE expires_at < now()');
  return token;
}

/** The signed-in, enabled user of a session token, or undefined (unknown, expired, user disabled). */
export async function userOfSession(db: Pool, token: string): Promise<User | undefined> {
  const { rows } = await db.query(
    'SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled',
    [hashToken(token)],
  );
  return rows.length ? toUser(rows[0]) : undefined;
}

/** Ends a session. */
export async function deleteSession(db: Pool, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}
