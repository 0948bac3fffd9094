/**
 * A review-workspace test environment: the integration environment (real Redis, PostgreSQL, s3rver), the
 * bundled sample calls run through the real pipeline with their scripts as `.transcript.json` sidecars (so
 * reports have findings), one extra call whose transcript holds a phone and an ID number, a broken
 * recording that fails, users of each role, and the web server.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { dropDatabase, getRecordings } from '../../infra/database.js';

/** Re-exported for the web tests, which start from an empty database. */
export { dropDatabase };
import { openServices, type Services } from '../../infra/services.js';
import { scanPrefix } from '../../workers/enqueue.js';
import { closeQueues, openQueues, STAGES, type Queues } from '../../workers/queues.js';
import { startWorkers, type RunningWorkers } from '../../workers/run-workers.js';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { createUser, type Role } from '../../web/accounts.js';
import { buildWebServer } from '../../web/server.js';
import { startTestEnv, TEST_DATABASE_URL, waitFor, type TestEnv } from './integration.js';

export const NIGHT = '2026/11/28/';
export const PASSWORD = 'correct horse battery';
/** The agent account's e-mail address (appeal outcomes are sent there when SMTP is configured). */
export const AGENT_EMAIL = 'agent-a031@centre.example';
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** The valid example ID number of GB 11643 and a mobile number, spoken by the caller of privacy.wav. */
export const PHONE = '13812345678';
export const ID_NUMBER = '11010519491231002X';

/** The five-findings call's transcript: the agent says five banned phrases, greets and says goodbye. */
export const FIVE_FINDINGS_SEGMENTS = [
  { start: 0.3, end: 1.9, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
  { start: 2.2, end: 3.4, speaker: 'customer', text: '我想问一下结婚登记要带什么。' },
  { start: 3.6, end: 4.9, speaker: 'agent', text: '不知道。' },
  { start: 5.1, end: 6.6, speaker: 'agent', text: '你去问民政局。' },
  { start: 6.8, end: 8.3, speaker: 'customer', text: '那我现在过来可以吗？' },
  { start: 8.5, end: 10.0, speaker: 'agent', text: '下班了，明天再来。' },
  { start: 10.2, end: 11.6, speaker: 'customer', text: '你怎么这样说话？' },
  { start: 11.8, end: 12.9, speaker: 'agent', text: '你有完没完。' },
  { start: 13.0, end: 14.2, speaker: 'agent', text: '神经病。' },
  { start: 14.3, end: 14.8, speaker: 'customer', text: '好吧，再见。' },
  { start: 14.9, end: 15.3, speaker: 'agent', text: '再见。' },
];

export interface WebEnv {
  t: TestEnv;
  services: Services;
  queues: Queues;
  workers: RunningWorkers;
  app: FastifyInstance;
  /** Recording id by object key (without the night prefix). */
  ids: Map<string, string>;
  /** User names by role, plus `officer2`; `agent` is the 坐席 account of agent A031 (call 3 and the five-findings call). */
  users: Record<Role | 'officer2', string>;
  close(): Promise<void>;
}

/**
 * Starts everything. `suffix` keeps user names apart between test files that share the database; `extraEnv`
 * adds or overrides configuration variables (e.g. SMTP settings).
 */
export async function startWebEnv(name: string, extraEnv: Record<string, string> = {}): Promise<WebEnv> {
  const suffix = `${name}-${randomBytes(3).toString('hex')}`;
  // A database of its own, so the queue shows exactly this environment's calls; dropped by close().
  const dbUrl = new URL(TEST_DATABASE_URL);
  dbUrl.pathname = `/callqa_web_${suffix.replace(/[^a-z0-9]/g, '_')}`;
  const t = await startTestEnv({ WEB_SESSION_SECRET: SECRET, WEB_METRICS_TOKEN: 'metrics-token-0123456789', DATABASE_URL: dbUrl.toString(), ...extraEnv });
  const services = await openServices(t.config, t.log, { allowLocalS3: false });
  const queues = openQueues(services.redis, t.config);
  const bucket = t.config.s3.recordingsBucket;
  const lines = ['12345 政务热线', '婚姻登记'];
  let n = 0;
  for (const name of await readdir(SAMPLES_DIR)) {
    if (name.endsWith('.json') || name === 'README.md') continue;
    await services.storage.putFile(bucket, NIGHT + name, path.join(SAMPLES_DIR, name));
    const meta = path.join(SAMPLES_DIR, `${name}.json`);
    const script = path.join(SAMPLES_DIR, `${name}.script.json`);
    try {
      const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
      await services.storage.putJson(bucket, `${NIGHT}${name}.json`, { ...m, line: lines[n++ % 2] });
      await services.storage.putFile(bucket, `${NIGHT}${name}.transcript.json`, script);
    } catch {
      // broken-page.wav has no sidecars: it fails in prepare
    }
  }
  // A call where the caller gives a phone and an ID number, and the agent uses a banned phrase.
  await services.storage.putFile(bucket, `${NIGHT}privacy.wav`, path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'));
  await services.storage.putJson(bucket, `${NIGHT}privacy.wav.json`, { callId: 'privacy-01', agentId: 'A099', startedAt: '2026-11-28T10:00:00+08:00', line: '婚姻登记' });
  await services.storage.putJson(bucket, `${NIGHT}privacy.wav.transcript.json`, {
    callId: 'privacy-01', durationSec: 15.38, agentId: 'A099', startedAt: '2026-11-28T10:00:00+08:00',
    segments: [
      { start: 0.4, end: 2.0, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
      { start: 2.5, end: 6.0, speaker: 'customer', text: `我的手机号是${PHONE}，身份证号${ID_NUMBER}。` },
      { start: 6.5, end: 9.0, speaker: 'agent', text: '不知道。你去问民政局。' },
      { start: 9.5, end: 12.0, speaker: 'customer', text: '好的，谢谢，再见。' },
      { start: 12.5, end: 14.0, speaker: 'agent', text: '再见。' },
    ],
  });
  // A call with exactly five findings (banned phrases B01, B02, B06, B15, B11 by the agent), for measuring
  // what reviewing a call costs (test/web/review-cost.test.ts).
  await services.storage.putFile(bucket, `${NIGHT}five-findings.wav`, path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'));
  await services.storage.putJson(bucket, `${NIGHT}five-findings.wav.json`, { callId: 'five-01', agentId: 'A031', startedAt: '2026-11-28T11:00:00+08:00', line: '婚姻登记' });
  await services.storage.putJson(bucket, `${NIGHT}five-findings.wav.transcript.json`, {
    callId: 'five-01', durationSec: 15.38, agentId: 'A031', startedAt: '2026-11-28T11:00:00+08:00',
    segments: FIVE_FINDINGS_SEGMENTS,
  });
  // A call where only the caller was recognised: flagged (no agent speech) with no finding to decide on.
  await services.storage.putFile(bucket, `${NIGHT}caller-only.wav`, path.join(SAMPLES_DIR, 'call-02-compliant.wav'));
  await services.storage.putJson(bucket, `${NIGHT}caller-only.wav.json`, { callId: 'caller-only-01', agentId: 'A017', startedAt: '2026-11-28T08:30:00+08:00', line: '12345 政务热线' });
  await services.storage.putJson(bucket, `${NIGHT}caller-only.wav.transcript.json`, {
    callId: 'caller-only-01', durationSec: 19.4, agentId: 'A017', startedAt: '2026-11-28T08:30:00+08:00',
    segments: [{ start: 1.0, end: 4.0, speaker: 'customer', text: '喂？喂？听得到吗？' }],
  });

  const workers = startWorkers({ services, queues }, STAGES);
  const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket, NIGHT);
  const rows = await waitFor('every recording reported or failed', async () => {
    const r = await getRecordings(services.db, scan.recordings.map((x) => x.recordingId));
    return r.length === scan.recordings.length && r.every((x) => x.status === 'reported' || x.status === 'failed') ? r : undefined;
  }, 180_000, 300);
  const ids = new Map(rows.map((r) => [r.objectKey.slice(NIGHT.length), r.id]));

  const users = {
    officer: `officer-${suffix}`,
    officer2: `officer2-${suffix}`,
    supervisor: `super-${suffix}`,
    admin: `admin-${suffix}`,
    agent: `agent-${suffix}`,
  } as Record<Role | 'officer2', string>;
  await createUser(services.db, { username: users.officer, displayName: `王芳-${suffix}`, role: 'officer', password: PASSWORD });
  await createUser(services.db, { username: users.officer2, displayName: `李强-${suffix}`, role: 'officer', password: PASSWORD });
  await createUser(services.db, { username: users.supervisor, displayName: `张主管-${suffix}`, role: 'supervisor', password: PASSWORD });
  await createUser(services.db, { username: users.admin, displayName: `管理员-${suffix}`, role: 'admin', password: PASSWORD });
  await createUser(services.db, { username: users.agent, displayName: `坐席-${suffix}`, role: 'agent', password: PASSWORD, agentId: 'A031', email: AGENT_EMAIL });

  const app = await buildWebServer({ config: t.config, db: services.db, storage: services.storage, redis: services.redis, queues, log: t.log }, SECRET);
  await app.ready();
  return {
    t, services, queues, workers, app, ids, users,
    async close() {
      await app.close();
      await workers.close();
      await closeQueues(queues);
      await services.close();
      await t.cleanup();
      await dropDatabase(dbUrl.toString());
    },
  };
}

/** Cookie header value from a response's set-cookie headers, merged into `jar`. */
export function mergeCookies(jar: Map<string, string>, setCookie: string | string[] | undefined): void {
  for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
    else jar.set(name, value);
  }
}

export function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** The CSRF token of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** A signed-in client on the injected server. */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(private readonly app: FastifyInstance, private readonly ip = '127.0.0.1') {}

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: cookieHeader(this.jar), accept: 'text/html', ...headers }, remoteAddress: this.ip });
    mergeCookies(this.jar, res.headers['set-cookie']);
    return res;
  }

  async post(url: string, form: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await this.app.inject({
      method: 'POST', url, payload: body.toString(),
      headers: { cookie: cookieHeader(this.jar), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      remoteAddress: this.ip,
    });
    mergeCookies(this.jar, res.headers['set-cookie']);
    return res;
  }

  /** Signs in; throws unless redirected. */
  async login(username: string, password = PASSWORD) {
    const page = await this.get('/login');
    const res = await this.post('/login', { _csrf: csrfOf(page.body), username, password, next: '/' });
    if (res.statusCode !== 303) throw new Error(`sign-in of ${username} failed: ${res.statusCode}`);
    return res;
  }
}
