/**
 * A review-workspace test environment: the integration environment (real Redis, PostgreSQL, s3rver), the
 * bundled sample calls run through the real pipeline with their scripts as `.transcript.json` sidecars (so
 * reports have findings), one extra call whose transcript holds a phone and an ID number, a broken
 * recording that fails, users of each role, and the web server.
 *
 * The pipeline runs once per test run: the first environment builds the prepared database and S3 files
 * (the template named by test/global-setup.ts); each environment starts from its own copy of both.
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { dropDatabase } from '../../infra/db/pool.js';
import { getRecordings } from '../../infra/db/recordings-repository.js';

/** Re-exported for the web tests, which start from an empty database. */
export { dropDatabase };
import { openServices, type Services } from '../../infra/services.js';
import { scanPrefix } from '../../workers/enqueue.js';
import { closeQueues, openQueues, STAGES, type Queues } from '../../workers/queues.js';
import { startWorkers, type RunningWorkers } from '../../workers/run-workers.js';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { createUser } from '../../web/accounts.js';
import type { Role } from '../../domain/user.js';
import { buildWebServer } from '../../web/server.js';
import type { WebTemplate } from '../global-setup.js';
import { startTestEnv, TEST_DATABASE_URL, waitFor, type TestEnv } from './integration.js';

export const NIGHT = '2026/11/28/';
export const PASSWORD = 'correct horse battery';
/** The agent account's e-mail address (appeal outcomes are sent there when SMTP is configured). */
export const AGENT_EMAIL = 'agent-a031@centre.example';
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
/** The valid example ID number of GB 11643 and a mobile number, spoken by the caller of privacy.wav. */
export const PHONE = '13812345678';
export const ID_NUMBER = '11010519491231002X';
/**
 * The buckets of the prepared S3 files: the same in every environment (each has its own local S3 server),
 * since the copied database names them.
 */
const BUCKETS = { S3_RECORDINGS_BUCKET: 'rec-web', S3_RESULTS_BUCKET: 'res-web' };

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

/** Advisory lock key held while the template is built (another file waits, then finds it built). */
const TEMPLATE_LOCK = 727_101;

/**
 * The prepared database and S3 files of this test run (test/global-setup.ts), built on first use: the
 * samples uploaded and run through the real pipeline (workers on their own queue prefix) until every
 * recording is reported or failed. Safe to call from several files at once (PostgreSQL advisory lock).
 *
 * @throws {Error} when the run has no global set-up (vitest.config.ts `globalSetup`) or the pipeline times out
 */
async function webTemplate(): Promise<WebTemplate> {
  const template = inject('webTemplate');
  if (!template) throw new Error('no web test template: run the tests with vitest.config.ts (globalSetup test/global-setup.ts)');
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const lock = new pg.Client({ connectionString: admin.toString() });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const name = new URL(template.databaseUrl).pathname.slice(1);
    if ((await lock.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await buildTemplate(template);
    return template;
  } finally {
    await lock.end();
  }
}

/** Runs the pipeline over the samples into the template database and keeps the S3 files in `template.dir`. */
async function buildTemplate(template: WebTemplate): Promise<void> {
  const t = await startTestEnv({ DATABASE_URL: template.databaseUrl, ...BUCKETS });
  try {
    const services = await openServices(t.config, t.log, { allowLocalS3: false });
    const queues = openQueues(services.redis, t.config);
    const workers = startWorkers({ services, queues }, STAGES);
    try {
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
      await services.storage.putJson(bucket, `${NIGHT}privacy.wav.json`, {
        callId: 'privacy-01',
        agentId: 'A099',
        startedAt: '2026-11-28T10:00:00+08:00',
        line: '婚姻登记',
      });
      await services.storage.putJson(bucket, `${NIGHT}privacy.wav.transcript.json`, {
        callId: 'privacy-01',
        durationSec: 15.38,
        agentId: 'A099',
        startedAt: '2026-11-28T10:00:00+08:00',
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
      await services.storage.putJson(bucket, `${NIGHT}five-findings.wav.json`, {
        callId: 'five-01',
        agentId: 'A031',
        startedAt: '2026-11-28T11:00:00+08:00',
        line: '婚姻登记',
      });
      await services.storage.putJson(bucket, `${NIGHT}five-findings.wav.transcript.json`, {
        callId: 'five-01',
        durationSec: 15.38,
        agentId: 'A031',
        startedAt: '2026-11-28T11:00:00+08:00',
        segments: FIVE_FINDINGS_SEGMENTS,
      });
      // A call where only the caller was recognised: flagged (no agent speech) with no finding to decide on.
      await services.storage.putFile(bucket, `${NIGHT}caller-only.wav`, path.join(SAMPLES_DIR, 'call-02-compliant.wav'));
      await services.storage.putJson(bucket, `${NIGHT}caller-only.wav.json`, {
        callId: 'caller-only-01',
        agentId: 'A017',
        startedAt: '2026-11-28T08:30:00+08:00',
        line: '12345 政务热线',
      });
      await services.storage.putJson(bucket, `${NIGHT}caller-only.wav.transcript.json`, {
        callId: 'caller-only-01',
        durationSec: 19.4,
        agentId: 'A017',
        startedAt: '2026-11-28T08:30:00+08:00',
        segments: [{ start: 1.0, end: 4.0, speaker: 'customer', text: '喂？喂？听得到吗？' }],
      });
      const scan = await scanPrefix({ storage: services.storage, db: services.db, queues }, bucket, NIGHT);
      await waitFor(
        'every recording reported or failed',
        async () => {
          const r = await getRecordings(
            services.db,
            scan.recordings.map((x) => x.recordingId),
          );
          return r.length === scan.recordings.length && r.every((x) => x.status === 'reported' || x.status === 'failed') ? r : undefined;
        },
        180_000,
        300,
      );
    } finally {
      await workers.close();
      await closeQueues(queues);
      await services.close();
    }
    await cp(path.join(t.dir, 's3'), path.join(template.dir, 's3'), { recursive: true });
  } finally {
    await t.cleanup();
  }
}

/**
 * Starts everything on a copy of the prepared database and S3 files ({@link webTemplate}). `name` keeps user
 * names apart between test files; `extraEnv` adds or overrides configuration variables (e.g. SMTP settings).
 */
export async function startWebEnv(name: string, extraEnv: Record<string, string> = {}): Promise<WebEnv> {
  const template = await webTemplate();
  const suffix = `${name}-${randomBytes(3).toString('hex')}`;
  // A database of its own, so the queue shows exactly this environment's calls; dropped by close().
  const dbUrl = new URL(TEST_DATABASE_URL);
  dbUrl.pathname = `/callqa_web_${suffix.replace(/[^a-z0-9]/g, '_')}`;
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const tpl = new URL(template.databaseUrl).pathname.slice(1);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(dbUrl.pathname.slice(1))} TEMPLATE ${pg.escapeIdentifier(tpl)}`);
  } finally {
    await client.end();
  }
  const t = await startTestEnv(
    { WEB_SESSION_SECRET: SECRET, WEB_METRICS_TOKEN: 'metrics-token-0123456789', DATABASE_URL: dbUrl.toString(), ...BUCKETS, ...extraEnv },
    { s3Seed: path.join(template.dir, 's3') },
  );
  const services = await openServices(t.config, t.log, { allowLocalS3: false });
  const queues = openQueues(services.redis, t.config);
  const workers = startWorkers({ services, queues }, STAGES);
  const { rows } = await services.db.query<{ id: string; object_key: string }>('SELECT id, object_key FROM recordings');
  const ids = new Map(rows.map((r) => [r.object_key.slice(NIGHT.length), r.id]));

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
  await createUser(services.db, {
    username: users.agent,
    displayName: `坐席-${suffix}`,
    role: 'agent',
    password: PASSWORD,
    agentId: 'A031',
    email: AGENT_EMAIL,
  });

  const app = await buildWebServer(
    { config: t.config, db: services.db, storage: services.storage, redis: services.redis, queues, log: t.log },
    SECRET,
  );
  await app.ready();
  return {
    t,
    services,
    queues,
    workers,
    app,
    ids,
    users,
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
  constructor(
    private readonly app: FastifyInstance,
    private readonly ip = '127.0.0.1',
  ) {}

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: cookieHeader(this.jar), accept: 'text/html', ...headers },
      remoteAddress: this.ip,
    });
    mergeCookies(this.jar, res.headers['set-cookie']);
    return res;
  }

  async post(url: string, form: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
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
