/** The production layout in docker-compose.yml parses (Debian's docker-compose needs no engine for `config`). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('docker-compose.yml', () => {
  it('is valid for docker-compose and describes every stage worker and service', async () => {
    const { stdout } = await execFileAsync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config'], {
      cwd: root,
      env: { ...process.env, S3_SECRET_KEY: 'test-secret', POSTGRES_PASSWORD: 'test-password', WEB_SESSION_SECRET: 'test-session-secret-0123456789abcdef' },
    });
    const config = YAML.parse(stdout);
    expect(Object.keys(config.services).sort()).toEqual(['analyze', 'minio', 'minio-init', 'postgres', 'prepare', 'redis', 'scan', 'stats', 'transcribe', 'web']);
    expect(config.services.web.command).toEqual(['serve']);
    expect(config.services.web.environment).toMatchObject({ WEB_HOST: '0.0.0.0', WEB_SESSION_SECRET: 'test-session-secret-0123456789abcdef', REDIS_URL: 'redis://redis:6379' });
    expect(config.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(config.services.transcribe.environment.WHISPER_MODEL).toBe('/models/ggml-small.bin');
    expect(config.services.transcribe.command).toEqual(['worker', '--stages', 'transcribe', '--no-schedule']);
    expect(config.services.stats.command).toEqual(['worker', '--stages', 'stats', '--no-schedule']);
    expect(config.services['minio-init'].command.join(' ')).toContain('mc mb --ignore-existing local/recordings');
  });

  it('refuses to start without the secrets', async () => {
    await expect(
      execFileAsync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], { cwd: root, env: { PATH: process.env.PATH } }),
    ).rejects.toThrow(/S3_SECRET_KEY/);
  });
});
