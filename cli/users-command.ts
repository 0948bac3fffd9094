/**
 * `callqa users add|list|disable|enable|passwd`: the review workspace's local accounts. Passwords are read
 * from the CALLQA_PASSWORD environment variable or, when it is unset, from standard input (first line), so
 * they never appear in the process list or shell history.
 */
import type { Config } from '../infra/config.js';
import { openDatabase } from '../infra/db/pool.js';
import { createUser, ROLE_NAMES, setUserPassword } from '../web/accounts.js';
import { listUsers, setUserDisabled } from '../infra/db/accounts-repository.js';
import { ROLES, type Role } from '../domain/user.js';

/** Reads the password: CALLQA_PASSWORD, else the first line of standard input. */
export async function readPassword(env: NodeJS.ProcessEnv = process.env, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (env.CALLQA_PASSWORD) return env.CALLQA_PASSWORD;
  if ((input as { isTTY?: boolean }).isTTY) process.stderr.write('password (then Enter): ');
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** `users add NAME --role R [--name 显示名]` */
export async function usersAdd(
  config: Config,
  username: string,
  opts: { role: string; name?: string; agent?: string; email?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if (!(ROLES as readonly string[]).includes(opts.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const password = await readPassword();
  const db = await openDatabase(config.databaseUrl);
  try {
    const user = await createUser(db, {
      username,
      displayName: opts.name,
      role: opts.role as Role,
      password,
      agentId: opts.agent,
      email: opts.email,
    });
    out.write(`created ${user.username} (${user.role})\n`);
  } finally {
    await db.end();
  }
}

/** `users list [--json]` */
export async function usersList(config: Config, opts: { json?: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const db = await openDatabase(config.databaseUrl);
  try {
    const users = await listUsers(db);
    if (opts.json) {
      out.write(
        `${JSON.stringify(users.map((u) => ({ username: u.username, name: u.displayName, role: u.role, disabled: u.disabled, createdAt: u.createdAt })))}\n`,
      );
      return;
    }
    out.write('username             role        status    name\n');
    for (const u of users)
      out.write(
        `${u.username.padEnd(20)} ${u.role.padEnd(11)} ${(u.disabled ? 'disabled' : 'active').padEnd(9)} ${u.displayName}（${ROLE_NAMES[u.role]}）\n`,
      );
  } finally {
    await db.end();
  }
}

/** `users disable NAME` / `users enable NAME` */
export async function usersSetDisabled(
  config: Config,
  username: string,
  disabled: boolean,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const db = await openDatabase(config.databaseUrl);
  try {
    if (!(await setUserDisabled(db, username, disabled))) throw new Error(`no user "${username}"`);
    out.write(`${disabled ? 'disabled' : 'enabled'} ${username}${disabled ? ' (signed out everywhere)' : ''}\n`);
  } finally {
    await db.end();
  }
}

/** `users passwd NAME` */
export async function usersPasswd(config: Config, username: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const password = await readPassword();
  const db = await openDatabase(config.databaseUrl);
  try {
    if (!(await setUserPassword(db, username, password))) throw new Error(`no user "${username}"`);
    out.write(`password of ${username} changed (signed out everywhere)\n`);
  } finally {
    await db.end();
  }
}
