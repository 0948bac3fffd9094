/**
 * Local accounts of the review workspace: password hashing (scrypt from node:crypto), creating users and
 * changing passwords, signing in with the lock-out, and session tokens; stored through
 * infra/db/accounts-repository.ts (tables of migration 003). No framework code here: the command line
 * (`callqa users`) and the web server both use it.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Pool } from '../infra/db/pool.js';
import {
  countSignInFailures,
  deleteExpiredSessions,
  deleteSessionHash,
  insertSession,
  insertUser,
  recordSignInAttempt,
  setPasswordHash,
  userOfSessionHash,
  userWithPasswordHash,
} from '../infra/db/accounts-repository.js';
import { ROLES, type Role, type User } from '../domain/user.js';

/** Chinese names of the roles, for the pages. */
export const ROLE_NAMES: Record<Role, string> = { officer: '质检员', supervisor: '质检主管', admin: '系统管理员', agent: '坐席' };

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** scrypt cost: N = 2^15, r = 8, p = 1 (OWASP's minimum recommendation), 64-byte key, 16-byte salt. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 64 };

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, SCRYPT.keyLength, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 128 * SCRYPT.N * SCRYPT.r * 2,
  });
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

/**
 * Creates a user. `email` (optional): where the account is told of its appeals' outcomes (migration 024).
 *
 * @throws {Error} for a bad user name, role or a password shorter than {@link MIN_PASSWORD_LENGTH}, or a taken name
 */
export async function createUser(
  db: Pool,
  u: { username: string; displayName?: string; role: Role; password: string; agentId?: string; email?: string },
): Promise<User> {
  if (u.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(u.email)) throw new Error(`e-mail address "${u.email}" is not one`);
  if (!/^[A-Za-z0-9._-]{2,64}$/.test(u.username)) throw new Error('user name: 2–64 letters, digits, ".", "_" or "-"');
  if (!(ROLES as readonly string[]).includes(u.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (u.role === 'agent' && !u.agentId) throw new Error('an agent account needs the agent id it may see (--agent)');
  if (u.password.length < MIN_PASSWORD_LENGTH) throw new Error(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  const user = await insertUser(db, {
    username: u.username,
    displayName: u.displayName || u.username,
    role: u.role,
    passwordHash: await hashPassword(u.password),
    agentId: u.role === 'agent' ? u.agentId! : null,
    email: u.email ?? null,
  });
  if (!user) throw new Error(`user "${u.username}" exists already`);
  return user;
}

/** Sets a new password and ends the user's sessions. @returns false when there is no such user */
export async function setUserPassword(db: Pool, username: string, password: string): Promise<boolean> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return setPasswordHash(db, username, await hashPassword(password));
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
  const record = (ok: boolean) => recordSignInAttempt(db, name, ip, ok);
  const { here, everywhere, known } = await countSignInFailures(db, name, ip, LOCKOUT.windowMinutes, LOCKOUT.knownAddressDays);
  if (here >= LOCKOUT.failures || (everywhere >= LOCKOUT.accountFailures && !known)) return { ok: false, reason: 'locked' };
  const found = await userWithPasswordHash(db, username);
  if (!found) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await dummyHash);
    await record(false);
    return { ok: false, reason: 'bad_credentials' };
  }
  const good = await verifyPassword(password, found.passwordHash);
  await record(good);
  if (!good) return { ok: false, reason: 'bad_credentials' };
  const { user } = found;
  if (user.disabled) return { ok: false, reason: 'disabled' };
  return { ok: true, user };
}

/**
 * Records a failed sign-in that never reached the password check (a malformed form, e.g. a user name with a
 * NUL character), so it counts toward the lock-out and the per-IP limit like any other failure. NUL
 * characters, which PostgreSQL text cannot hold, are stored as U+FFFD; the name is cut to 100 characters.
 */
export async function recordFailedSignIn(db: Pool, username: string, ip: string): Promise<void> {
  await recordSignInAttempt(db, username.replaceAll('\u0000', '\ufffd').slice(0, 100), ip, false);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Starts a session. @returns the token for the (signed, http-only) cookie */
export async function createSession(db: Pool, userId: number, hours: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertSession(db, hashToken(token), userId, hours);
  // Housekeeping: drop expired sessions now and then.
  if (Math.random() < 0.05) await deleteExpiredSessions(db);
  return token;
}

/** The signed-in, enabled user of a session token, or undefined (unknown, expired, user disabled). */
export async function userOfSession(db: Pool, token: string): Promise<User | undefined> {
  return userOfSessionHash(db, hashToken(token));
}

/** Ends a session. */
export async function deleteSession(db: Pool, token: string): Promise<void> {
  await deleteSessionHash(db, hashToken(token));
}
