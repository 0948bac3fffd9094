/**
 * The production layout in docker-compose.yml parses (Debian's docker-compose needs no engine for `config`),
 * with a `.env` made from .env.example the way the README says (copy it, fill in the secrets): every callqa
 * service reads it (env_file), every variable the file uses is documented in .env.example, images are
 * pinned, and MinIO and the web app are published on 127.0.0.1 only.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const SECRETS: Record<string, string> = {
  S3_SECRET_KEY: 'test-secret',
  POSTGRES_PASSWORD: 'test-password',
  WEB_SESSION_SECRET: 'test-session-secret-0123456789abcdef',
};

describe('docker-compose.yml', () => {
  let dir: string;

  /** A folder with the compose file and a `.env` (`env` text); `docker-compose config` run there without the caller's variables. */
  async function config(env: string, extra: string[] = []) {
    await writeFile(path.join(dir, '.env'), env);
    return execFileAsync('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), 'config', ...extra], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-compose-'));
    await copyFile(path.join(root, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is valid with a .env made from .env.example, and describes every stage worker and service', async () => {
    const example = await readFile(path.join(root, '.env.example'), 'utf8');
    const filled = example.replace(
      /^(S3_SECRET_KEY|POSTGRES_PASSWORD|WEB_SESSION_SECRET)=.*$/gm,
      (_m, name: string) => `${name}=${SECRETS[name]}`,
    );
    const { stdout } = await config(filled);
    const compose = YAML.parse(stdout);
    expect(Object.keys(compose.services).sort()).toEqual([
      'analyze',
      'minio',
      'minio-init',
      'postgres',
      'prepare',
      'redis',
      'scan',
      'stats',
      'transcribe',
      'web',
    ]);
    expect(compose.services.web.command).toEqual(['serve']);
    expect(compose.services.web.environment).toMatchObject({
      WEB_HOST: '0.0.0.0',
      WEB_SESSION_SECRET: SECRETS.WEB_SESSION_SECRET,
      REDIS_URL: 'redis://redis:6379',
    });
    // env_file: settings only .env has reach the services; the containers' addresses win over .env's local ones.
    expect(compose.services.web.environment).toMatchObject({
      WEB_APPEAL_DAYS: '7',
      STATS_TZ: 'Asia/Shanghai',
      S3_ENDPOINT: 'http://minio:9000',
    });
    expect(compose.services.analyze.environment.DATABASE_URL).toBe(`postgres://callqa:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/callqa`);
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(compose.services.transcribe.environment.WHISPER_MODEL).toBe('/models/ggml-small.bin');
    expect(compose.services.transcribe.command).toEqual(['worker', '--stages', 'transcribe', '--no-schedule']);
    expect(compose.services.stats.command).toEqual(['worker', '--stages', 'stats', '--no-schedule']);
    expect(compose.services['minio-init'].command.join(' ')).toContain('mc mb --ignore-existing local/recordings');
    // Images pinned to versions; published ports on 127.0.0.1 only.
    for (const [name, service] of Object.entries(
      compose.services as Record<string, { image?: string; build?: unknown; ports?: string[] }>,
    )) {
      if (!service.build) expect(service.image, name).toMatch(/:(?!latest$)[\w.-]*\d[\w.-]*$/);
      for (const port of service.ports ?? []) expect(String(port), name).toMatch(/^127\.0\.0\.1:/);
    }
    // Every variable the compose file uses is in .env.example (set or as a commented example).
    const used = new Set(
      [...(await readFile(path.join(root, 'docker-compose.yml'), 'utf8')).matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!),
    );
    for (const name of used) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });

  it('refuses to start without the secrets', async () => {
    await expect(config('', ['-q'])).rejects.toThrow(/S3_SECRET_KEY/);
  });
});
