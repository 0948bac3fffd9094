/** The night operator's commands, run as an operator runs them: scan, status, retry (real Redis, PostgreSQL, S3 server). */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { assertBuilt, runCallqa as callqa, startTestEnv, type TestEnv } from '../support/integration.js';

describe('callqa scan, status and retry', () => {
  let t: TestEnv;

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    const storage = new ObjectStorage(t.s3.connection);
    await storage.ensureBuckets([t.config.s3.recordingsBucket]);
    await storage.putFile(t.config.s3.recordingsBucket, '2026/11/28/call-01.wav', path.join(SAMPLES_DIR, 'call-01-compliant.wav'));
    await storage.putFile(t.config.s3.recordingsBucket, '2026/11/28/page.wav', path.join(SAMPLES_DIR, 'broken-page.wav'));
    await storage.putFile(t.config.s3.recordingsBucket, '2026/11/29/other.wav', path.join(SAMPLES_DIR, 'call-01-compliant.wav'));
  });
  afterAll(() => t?.cleanup());

  it('scan --date queues the night once; status shows the queued jobs; retry has nothing to do yet', async () => {
    const first = await callqa(['scan', '--date', '2026-11-28'], t.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('2026/11/28/: 2 recordings found, 2 queued, 0 already known');
    const again = await callqa(['scan', '2026/11/28/'], t.env);
    expect(again.stdout).toContain('2 recordings found, 0 queued, 2 already known');
    // The night's bucket alone (without --bucket, status covers every bucket the shared database knows).
    const status = await callqa(['status', '--json', '--bucket', t.config.s3.recordingsBucket], t.env);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.stages.prepare.waiting).toBe(2);
    expect(parsed.recordings.queued).toBe(2);
    const retry = await callqa(['retry'], t.env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain('0 failed recordings');
  });

  it('refuses a malformed date and an unknown stage', async () => {
    const bad = await callqa(['scan', '--date', '28.11.2026'], t.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--date must be yyyy-mm-dd');
    const stage = await callqa(['worker', '--stages', 'prepare,cook'], t.env);
    expect(stage.code).not.toBe(0);
    expect(stage.stderr).toContain('unknown stage "cook"');
  });
});
