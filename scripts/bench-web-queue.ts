/**
 * Benchmark of the review queue page with 100,000 calls.
 *
 *   npm run build && node dist/scripts/bench-web-queue.js      (or `npm run bench:web`)
 *
 * Creates a separate database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/callqa_bench),
 * drops it first if it exists, applies the migrations, and inserts N synthetic calls (BENCH_CALLS, default
 * 100,000) in bulk with SQL: recordings, reports (about 30 % flagged, spread over 90 days, 40 agents, 6 lines,
 * a mix of failed rules and banned phrases), findings of the flagged calls, and a transcript text per call.
 * Then it starts the web server on a local port (Redis must run; object storage is not touched by the queue
 * page) and times the queue page over real HTTP for the common filters and for a page deep in the keyset
 * (median and 95th percentile of BENCH_RUNS runs each), and, when /usr/bin/chromium exists, the officer's
 * pages in Chromium until the load event. Prints a table and writes JSON to
 * test-artifacts/bench-web-queue.json. The database is dropped at the end unless BENCH_KEEP=1.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../infra/config.js';
import { dropDatabase, ensureDatabase } from '../infra/db/pool.js';
import { migrate } from '../infra/db/migrations.js';
import { createLogger } from '../infra/logger.js';
import { ObjectStorage } from '../infra/object-storage.js';
import { projectRoot } from '../infra/paths.js';
import { createRedis } from '../infra/redis.js';
import { closeQueues, openQueues } from '../workers/queues.js';
import { createUser } from '../web/accounts.js';
import { encodeCursor } from '../web/review-data.js';
import { countReportsByReviewStatus } from '../infra/db/reports-repository.js';
import { queueCursorAt } from '../infra/db/reviews-repository.js';
import { analyzeTables, insertSyntheticQueue } from '../infra/db/synthetic-calls.js';
import { buildWebServer } from '../web/server.js';

const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/callqa_bench';
const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PASSWORD = 'bench-password-123';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Words of the generated transcripts (searched by the queue's text filter). */
const PHRASES = [
  '您好，请问有什么可以帮您？',
  '我想问一下补办结婚证要带什么材料。',
  '请稍等，我帮您查一下。',
  '需要身份证和户口本。',
  '好的，谢谢，再见。',
  '不知道。你去问民政局。',
  '社保卡丢了怎么办？',
  '公积金提取需要哪些手续？',
];

/** Fills the scratch database with CALLS synthetic calls; returns the time it took, in milliseconds. */
async function seed(pool: pg.Pool): Promise<number> {
  const started = performance.now();
  await insertSyntheticQueue(pool, CALLS, PHRASES);
  await analyzeTables(pool);
  return performance.now() - started;
}

function stats(samples: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), min: +s[0]!.toFixed(1), max: +s[s.length - 1]!.toFixed(1) };
}

async function main(): Promise<void> {
  await dropDatabase(DB_URL);
  await ensureDatabase(DB_URL);
  const pool = new pg.Pool({ connectionString: DB_URL, max: 5 });
  await migrate(pool);
  process.stderr.write(`seeding ${CALLS} calls …\n`);
  const seedMs = await seed(pool);
  process.stderr.write(`seeded in ${(seedMs / 1000).toFixed(1)} s\n`);
  await createUser(pool, { username: 'bench-officer', role: 'officer', password: PASSWORD });
  await createUser(pool, { username: 'bench-super', role: 'supervisor', password: PASSWORD });

  const config = loadConfig({
    ...process.env,
    DATABASE_URL: DB_URL,
    WEB_SESSION_SECRET: 'bench-secret-0123456789-0123456789-abc',
    QUEUE_PREFIX: 'callqa-bench',
    LOG_LEVEL: 'warn',
  });
  const redis = createRedis(config.redisUrl);
  const queues = openQueues(redis, config);
  const storage = new ObjectStorage({
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    accessKey: 'x',
    secretKey: 'x',
    pathStyle: true,
  });
  const app = await buildWebServer({ config, db: pool, storage, redis, queues, log: createLogger('warn') }, config.web.sessionSecret!);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  async function signIn(username: string): Promise<string> {
    const page = await fetch(`${base}/login`);
    const csrfCookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, username, password: PASSWORD, next: '/' }),
    });
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
    return [csrfCookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  }

  const deep = await queueCursorAt(pool, 60_000);
  if (!deep) throw new Error(`the queue has fewer than 60,001 calls (BENCH_CALLS=${CALLS})`);
  const deepCursor = encodeCursor(deep);
  const cases: [string, string, string][] = [
    ['first page, no filter (flagged first)', 'bench-officer', '/'],
    ['pending only', 'bench-officer', '/?status=pending'],
    ['agent + date range', 'bench-officer', '/?agent=A007&from=2026-10-01&to=2026-10-31'],
    ['line + rule (banned phrase B03)', 'bench-officer', `/?line=${encodeURIComponent('社保')}&rule=B03`],
    ['score range 40–60', 'bench-officer', '/?minScore=40&maxScore=60'],
    ['transcript text search (3 chars, rare)', 'bench-officer', `/?q=${encodeURIComponent('通话编号99999')}`],
    ['transcript text search (common phrase)', 'bench-officer', `/?q=${encodeURIComponent('民政局')}`],
    ['page after 60,000 rows (keyset)', 'bench-officer', `/?after=${deepCursor}`],
    ['supervisor, first page', 'bench-super', '/'],
  ];
  const cookies = new Map<string, string>();
  const results: { case: string; url: string; httpMs: ReturnType<typeof stats>; dbMs: ReturnType<typeof stats>; rows: number }[] = [];
  for (const [name, user, url] of cases) {
    if (!cookies.has(user)) cookies.set(user, await signIn(user));
    const http: number[] = [];
    const db: number[] = [];
    let rowCount = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      const started = performance.now();
      const res = await fetch(base + url, { headers: { cookie: cookies.get(user)! } });
      const html = await res.text();
      const elapsed = performance.now() - started;
      if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
      if (i < 2) continue; // warm-up
      http.push(elapsed);
      db.push(Number(/db;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN));
      rowCount = (html.match(/<a href="\/calls\//g) ?? []).length;
    }
    results.push({ case: name, url, httpMs: stats(http), dbMs: stats(db), rows: rowCount });
  }
  // The same pages in Chromium (when installed): navigation until the load event, with the session cookie.
  const browserResults: { case: string; loadMs: ReturnType<typeof stats> }[] = [];
  if (existsSync(CHROMIUM)) {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext();
    const cookie = cookies.get('bench-officer')!;
    await context.addCookies(
      cookie.split('; ').map((c) => {
        const i = c.indexOf('=');
        return { name: c.slice(0, i), value: c.slice(i + 1), url: base };
      }),
    );
    const page = await context.newPage();
    for (const [name, user, url] of cases.filter(([, u]) => u === 'bench-officer')) {
      const loads: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 10) + 1; i++) {
        const started = performance.now();
        await page.goto(base + url, { waitUntil: 'load' });
        if (i > 0) loads.push(performance.now() - started);
      }
      if (user) browserResults.push({ case: name, loadMs: stats(loads) });
    }
    await browser.close();
  }
  await app.close();
  await closeQueues(queues);
  redis.disconnect();
  const calls = Object.values(await countReportsByReviewStatus(pool)).reduce((a, b) => a + b, 0);
  await pool.end();
  if (process.env.BENCH_KEEP !== '1') await dropDatabase(DB_URL);

  const out = { calls, runs: RUNS, seedSeconds: +(seedMs / 1000).toFixed(1), node: process.version, results, chromium: browserResults };
  process.stdout.write(`queue page with ${calls} calls (${RUNS} runs each, milliseconds; http = whole page over HTTP, db = queue query)\n`);
  process.stdout.write(
    `${'case'.padEnd(44)} ${'http median'.padStart(11)} ${'http p95'.padStart(9)} ${'db median'.padStart(9)} ${'db p95'.padStart(7)}  rows\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.case.padEnd(44)} ${String(r.httpMs.median).padStart(11)} ${String(r.httpMs.p95).padStart(9)} ${String(r.dbMs.median).padStart(9)} ${String(r.dbMs.p95).padStart(7)}  ${r.rows}\n`,
    );
  }
  if (browserResults.length) {
    process.stdout.write(`\nin Chromium (page navigation until the load event, milliseconds)\n`);
    for (const r of browserResults) process.stdout.write(`${r.case.padEnd(44)} median ${r.loadMs.median}  p95 ${r.loadMs.p95}\n`);
  }
  const dir = path.join(projectRoot, 'test-artifacts');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'bench-web-queue.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
