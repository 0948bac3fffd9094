/**
 * The monthly statistics in the review workspace: supervisors and admins list the built months and
 * download their files from object storage; officers and signed-out visitors cannot; only the names the
 * build writes are served. Real server (injected requests), PostgreSQL, Redis and s3rver.
 */
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type Services } from '../../infra/services.js';
import { buildMonthlyStats } from '../../pipeline/stats/build.js';
import { parseMonth } from '../../pipeline/stats/month.js';
import { createUser } from '../../web/accounts.js';
import { buildWebServer } from '../../web/server.js';
import { closeQueues, openQueues, type Queues } from '../../workers/queues.js';
import { startTestEnv, testDatabaseUrl, type TestEnv } from '../support/integration.js';
import { dropDatabase } from '../../infra/db/pool.js';
import { Client, PASSWORD, SECRET } from '../support/web.js';
import { insertFixtureMonth } from './month-fixture.js';

const DATABASE_URL = testDatabaseUrl('stats_web');

let t: TestEnv;
let services: Services;
let queues: Queues;
let app: FastifyInstance;

beforeAll(async () => {
  await dropDatabase(DATABASE_URL);
  t = await startTestEnv({ DATABASE_URL, WEB_SESSION_SECRET: SECRET });
  services = await openServices(t.config, t.log, { allowLocalS3: false });
  queues = openQueues(services.redis, t.config);
  await insertFixtureMonth(services.db);
  const deps = { db: services.db, storage: services.storage, resultsBucket: t.config.s3.resultsBucket, timeZone: 'Asia/Shanghai' };
  await buildMonthlyStats(deps, parseMonth('2026-11'));
  await buildMonthlyStats(deps, parseMonth('2026-10'));
  for (const role of ['officer', 'supervisor', 'admin'] as const) {
    await createUser(services.db, { username: `stats-${role}`, displayName: `统计-${role}`, role, password: PASSWORD });
  }
  app = await buildWebServer(
    { config: t.config, db: services.db, storage: services.storage, redis: services.redis, queues, log: t.log },
    SECRET,
  );
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  if (queues) await closeQueues(queues);
  await services?.close();
  await t?.cleanup();
  await dropDatabase(DATABASE_URL);
});

describe('monthly statistics in the review workspace', () => {
  it('a supervisor sees the months, newest first, with every file, and a link in the navigation', async () => {
    const c = new Client(app);
    await c.login('stats-supervisor');
    const home = await c.get('/');
    expect(home.body).toContain('<a href="/stats">月度统计</a>');
    const page = await c.get('/stats');
    expect(page.statusCode).toBe(200);
    expect(page.body.indexOf('<td>2026-11</td>')).toBeGreaterThan(0);
    expect(page.body.indexOf('<td>2026-11</td>')).toBeLessThan(page.body.indexOf('<td>2026-10</td>'));
    expect(page.body).toContain('href="/stats/2026-11/callqa-stats-2026-11.xlsx"');
    expect(page.body).toContain('href="/stats/2026-11/report-2026-11.html"');
    expect(page.body).toContain('href="/stats/2026-11/csv/by-agent.csv"');
  });

  it('downloads the workbook and CSV as attachments and shows the HTML report', async () => {
    const c = new Client(app);
    await c.login('stats-admin');
    const xlsx = await c.get('/stats/2026-11/callqa-stats-2026-11.xlsx');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toBe('attachment; filename="callqa-stats-2026-11.xlsx"');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('汇总')!.getCell('B2').value).toBe(10);
    const csv = await c.get('/stats/2026-11/csv/summary.csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="2026-11-summary.csv"');
    expect(csv.body).toContain('质检通话数,10,3,7');
    const html = await c.get('/stats/2026-11/report-2026-11.html');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-disposition']).toBeUndefined();
    expect(html.body).toContain('服务规范质检月报 2026-11');
  });

  it('officers and visitors are refused; unknown names and months are not found', async () => {
    const visitor = await app.inject({ method: 'GET', url: '/stats/2026-11/stats.json' });
    expect(visitor.statusCode).toBe(401);
    const officer = new Client(app);
    await officer.login('stats-officer');
    expect((await officer.get('/stats')).statusCode).toBe(403);
    expect((await officer.get('/stats/2026-11/stats.json')).statusCode).toBe(403);
    expect((await officer.get('/')).body).not.toContain('href="/stats"');
    const c = new Client(app);
    await c.login('stats-supervisor');
    expect((await c.get('/stats/2026-12/stats.json')).statusCode).toBe(404);
    expect((await c.get('/stats/2026-11/other.json')).statusCode).toBe(404);
    expect((await c.get('/stats/2026-11/..%2F..%2Freports%2Fx.json')).statusCode).toBeGreaterThanOrEqual(400);
    expect((await c.get('/stats/2026-11/csv/passwords.csv')).statusCode).toBe(404);
  });
});
