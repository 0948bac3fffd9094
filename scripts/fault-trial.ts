/**
 * The long versions of the fault suite (issue 10), and workers on several simulated hosts.
 *
 *   node dist/scripts/fault-trial.js [--recordings 2500] [--hosts 1] [--cut-host] [--redis-outage-sec 0] [--lock-ms 30000]
 *
 * Uploads `--recordings` short calls with transcript sidecars under one prefix of a local S3 server, scans
 * the prefix once with `callqa scan`, and lets `callqa worker` processes work them off:
 *
 * - `--hosts 1` (default): one worker on this machine.
 * - `--hosts N` with N > 1: one worker per simulated host, each in a network namespace made here
 *   (`callqa-trial-hN`, needs root and `ip`), linked to this machine by a veth pair with link-local addresses
 *   made here (169.254.231.4N+1 on this side, .4N+2 inside; no other network is touched). Each host reaches
 *   Redis, PostgreSQL and S3 through TCP proxies listening on its veth address only.
 * - `--cut-host`: when 30 % of the recordings have ended, host 1's link goes down (packets lost, its
 *   connections hang): its jobs must be taken over by the others after one lock (`--lock-ms`).
 * - `--redis-outage-sec S`: at 30 %, Redis is cut for S seconds for every host (longer than a lock with
 *   the production locks of 30–300 s when S ≥ 60).
 *
 * It ends with the suite's check — every recording reported once, nothing open, no report twice — and prints
 * one JSON line: counts, wall time and recordings per minute. Needs Redis on REDIS_URL (default
 * 127.0.0.1:6379), PostgreSQL on TRIAL_DATABASE_URL's server (a database `callqa_trial_<random>` is made and
 * dropped), ffmpeg, and `npm run build`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dropDatabase, openDatabase } from '../infra/db/pool.js';
import { countRecordingsByStatus, objectOutcomes } from '../infra/db/recordings-repository.js';
import { startLocalS3 } from '../infra/local-s3.js';
import { ObjectStorage } from '../infra/object-storage.js';
import { projectRoot } from '../infra/paths.js';
import { TRANSCRIPT_SIDECAR_SUFFIX } from '../pipeline/storage-keys.js';
import { TcpProxy } from './tcp-proxy.js';

const run = promisify(execFile);
const CALLQA = path.join(projectRoot, 'bin', 'callqa.js');

/** Command-line options. */
interface TrialOptions {
  recordings: number;
  hosts: number;
  cutHost: boolean;
  redisOutageSec: number;
  lockMs: number;
}

function parseOptions(argv: string[]): TrialOptions {
  const get = (name: string, fallback: number) => {
    const i = argv.indexOf(name);
    const value = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number`);
    return value;
  };
  const o = {
    recordings: get('--recordings', 2500),
    hosts: Math.max(1, get('--hosts', 1)),
    cutHost: argv.includes('--cut-host'),
    redisOutageSec: get('--redis-outage-sec', 0),
    lockMs: get('--lock-ms', 30_000),
  };
  if (o.cutHost && o.hosts < 2) throw new Error('--cut-host needs --hosts 2 or more');
  return o;
}

/** One simulated host: its namespace (none for a single local host), proxies and worker. */
interface Host {
  name: string;
  netns?: string;
  hostVeth?: string;
  proxies: { redis: TcpProxy; pg: TcpProxy; s3: TcpProxy };
  workDir: string;
  worker?: ChildProcess;
  output: string;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** Makes namespace `ns` and a veth pair with 169.254.231.(4n+1)/30 on this side and .(4n+2)/30 inside. */
async function makeNamespace(n: number): Promise<{ netns: string; hostVeth: string; hostAddress: string }> {
  const netns = `callqa-trial-h${n}`;
  const hostVeth = `cqt${n}h`;
  const nsVeth = `cqt${n}n`;
  const hostAddress = `169.254.231.${4 * n + 1}`;
  await ip('netns', 'add', netns);
  await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth);
  await ip('link', 'set', nsVeth, 'netns', netns);
  await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostVeth);
  await ip('link', 'set', hostVeth, 'up');
  await ip('-n', netns, 'addr', 'add', `169.254.231.${4 * n + 2}/30`, 'dev', nsVeth);
  await ip('-n', netns, 'link', 'set', nsVeth, 'up');
  await ip('-n', netns, 'link', 'set', 'lo', 'up');
  return { netns, hostVeth, hostAddress };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const suffix = randomBytes(3).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-trial-'));
  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const dbUrl = new URL(process.env.TRIAL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  dbUrl.pathname = `/callqa_trial_${suffix}`;
  const s3 = await startLocalS3(path.join(dir, 's3'));
  const storage = new ObjectStorage(s3.connection);
  const db = await openDatabase(dbUrl.toString());
  const bucket = `trial-rec-${suffix}`;
  const resultsBucket = `trial-res-${suffix}`;
  const hosts: Host[] = [];
  const s3Url = new URL(s3.connection.endpoint);
  try {
    await storage.ensureBuckets([bucket, resultsBucket]);
    const wav = path.join(dir, 'call.wav');
    await run('ffmpeg', [
      '-y',
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=8000:duration=6',
      '-ac',
      '2',
      '-c:a',
      'pcm_alaw',
      wav,
    ]);
    const sidecar = JSON.stringify({
      callId: 'x',
      durationSec: 6,
      segments: [{ start: 0.5, end: 2, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' }],
    });
    const keys = Array.from({ length: o.recordings }, (_, i) => `trial/call-${String(i).padStart(5, '0')}.wav`);
    for (let i = 0; i < keys.length; i += 40) {
      await Promise.all(
        keys
          .slice(i, i + 40)
          .flatMap((k) => [
            storage.putFile(bucket, k, wav, 'audio/wav'),
            storage.putText(bucket, k + TRANSCRIPT_SIDECAR_SUFFIX, sidecar, 'application/json'),
          ]),
      );
    }

    for (let n = 1; n <= o.hosts; n += 1) {
      const ns = o.hosts > 1 ? await makeNamespace(n) : undefined;
      const listen = ns?.hostAddress ?? '127.0.0.1';
      const host: Host = {
        name: `h${n}`,
        netns: ns?.netns,
        hostVeth: ns?.hostVeth,
        proxies: {
          redis: await TcpProxy.start(redisUrl.hostname, Number(redisUrl.port || 6379), listen),
          pg: await TcpProxy.start(dbUrl.hostname, Number(dbUrl.port || 5432), listen),
          s3: await TcpProxy.start(s3Url.hostname, Number(s3Url.port), listen),
        },
        workDir: path.join(dir, `work-h${n}`),
        output: '',
      };
      await mkdir(host.workDir);
      hosts.push(host);
    }
    const envFor = (h: Host): Record<string, string> => {
      const at = (u: URL, port: number) => {
        const copy = new URL(u.toString());
        copy.hostname = h.proxies.redis.listenHost;
        copy.port = String(port);
        return copy.toString().replace(/\/$/, '');
      };
      return {
        REDIS_URL: at(redisUrl, h.proxies.redis.port),
        DATABASE_URL: at(dbUrl, h.proxies.pg.port),
        S3_ENDPOINT: at(s3Url, h.proxies.s3.port),
        S3_ACCESS_KEY: s3.connection.accessKey,
        S3_SECRET_KEY: s3.connection.secretKey,
        S3_RECORDINGS_BUCKET: bucket,
        S3_RESULTS_BUCKET: resultsBucket,
        QUEUE_PREFIX: `callqa-trial-${suffix}`,
        WORK_DIR: h.workDir,
        JOB_LOCK_MS: String(o.lockMs),
        RECONCILE_INTERVAL_MS: '10000',
        RECONCILE_GRACE_MS: String(Math.max(20_000, 2 * o.lockMs)),
        LOG_LEVEL: 'warn',
      };
    };
    for (const h of hosts) {
      const [cmd, args] = h.netns
        ? ['ip', ['netns', 'exec', h.netns, process.execPath, CALLQA, 'worker', '--no-schedule']]
        : [process.execPath, [CALLQA, 'worker', '--no-schedule']];
      h.worker = spawn(cmd, args, { env: { ...process.env, ...envFor(h) }, stdio: ['ignore', 'pipe', 'pipe'] });
      h.worker.stdout!.on('data', (d: Buffer) => (h.output += d.toString()));
      h.worker.stderr!.on('data', (d: Buffer) => (h.output += d.toString()));
    }

    const started = Date.now();
    const scanEnv = {
      ...process.env,
      REDIS_URL: redisUrl.toString(),
      DATABASE_URL: dbUrl.toString(),
      S3_ENDPOINT: s3.connection.endpoint,
      S3_ACCESS_KEY: s3.connection.accessKey,
      S3_SECRET_KEY: s3.connection.secretKey,
      S3_RECORDINGS_BUCKET: bucket,
      S3_RESULTS_BUCKET: resultsBucket,
      QUEUE_PREFIX: `callqa-trial-${suffix}`,
      LOG_LEVEL: 'warn',
    };
    await run(process.execPath, [CALLQA, 'scan', 'trial/'], { env: scanEnv });
    const counts = async (): Promise<Record<string, number>> => countRecordingsByStatus(db, bucket);
    const ended = (c: Record<string, number>) => (c.reported ?? 0) + (c.failed ?? 0);
    let faultAt: number | undefined;
    let faultDone = !o.cutHost && o.redisOutageSec === 0;
    let last = '';
    for (;;) {
      const c = await counts();
      if (!faultDone && ended(c) >= 0.3 * o.recordings) {
        faultAt = Date.now();
        faultDone = true;
        if (o.cutHost) {
          await ip('link', 'set', hosts[0]!.hostVeth!, 'down');
          process.stderr.write(`host ${hosts[0]!.name}: link down at ${ended(c)} ended\n`);
        }
        if (o.redisOutageSec > 0) {
          await Promise.all(hosts.map((h) => h.proxies.redis.cut()));
          process.stderr.write(`Redis cut for ${o.redisOutageSec} s at ${ended(c)} ended\n`);
          await new Promise((r) => setTimeout(r, o.redisOutageSec * 1000));
          await Promise.all(hosts.map((h) => h.proxies.redis.restore()));
        }
      }
      if (ended(c) === o.recordings && Object.values(c).reduce((a, b) => a + b, 0) === o.recordings) break;
      const line = JSON.stringify(c);
      if (line !== last) process.stderr.write(`${Math.round((Date.now() - started) / 1000)} s: ${line}\n`);
      last = line;
      if (hosts.every((h) => h.worker!.exitCode !== null))
        throw new Error(`every worker exited:\n${hosts.map((h) => h.output).join('\n')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const wallSec = (Date.now() - started) / 1000;

    // The check of the fault suite: one row per key, reported, with one summary row; nothing open.
    const rows = await objectOutcomes(db, bucket);
    const wrong = rows.filter((r) => r.live !== 1 || r.reported !== 1 || r.reports !== 1);
    const healthyHosts = hosts.filter((h, i) => !(o.cutHost && i === 0));
    for (const h of healthyHosts) h.worker!.kill('SIGTERM');
    await Promise.all(
      healthyHosts.map((h) => new Promise((r) => (h.worker!.exitCode !== null ? r(undefined) : h.worker!.once('exit', r)))),
    );
    const leftFolders = (await Promise.all(healthyHosts.map((h) => readdir(h.workDir)))).flat().filter((n) => n.startsWith('callqa-job-'));
    const result = {
      recordings: o.recordings,
      hosts: o.hosts,
      cutHost: o.cutHost,
      redisOutageSec: o.redisOutageSec,
      lockMs: o.lockMs,
      wallSec: Math.round(wallSec * 10) / 10,
      perMinute: Math.round((o.recordings / wallSec) * 60),
      afterFaultSec: faultAt ? Math.round((Date.now() - faultAt) / 100) / 10 : undefined,
      statuses: await counts(),
      keysNotEndedOnce: wrong.length,
      tempFoldersLeft: leftFolders.length,
      ok: rows.length === o.recordings && wrong.length === 0 && leftFolders.length === 0,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) process.exitCode = 1;
  } finally {
    for (const h of hosts) {
      h.worker?.kill('SIGKILL');
      await Promise.all(Object.values(h.proxies).map((p) => p.close()));
      if (h.hostVeth) await ip('link', 'del', h.hostVeth).catch(() => undefined);
      if (h.netns) await ip('netns', 'del', h.netns).catch(() => undefined);
    }
    await db.end();
    await dropDatabase(dbUrl.toString()).catch(() => undefined);
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fault-trial: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
