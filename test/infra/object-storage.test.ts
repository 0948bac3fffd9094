/** Object storage against a real S3 server (s3rver): listing, downloads under generated names, keys in Chinese. */
import { readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../infra/local-s3.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { callIdFromKey, reportHtmlKey, reportKey, transcriptKey } from '../../pipeline/storage-keys.js';

describe('ObjectStorage on a local S3 server', () => {
  let s3: LocalS3;
  let storage: ObjectStorage;
  let dir: string;
  const bucket = 'recordings';
  const key = '录音/2026-11-28/张三 通话1.wav';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-s3-'));
    s3 = await startLocalS3(path.join(dir, 's3'));
    storage = new ObjectStorage(s3.connection);
    await storage.ensureBuckets([bucket, 'results']);
    await storage.ensureBuckets([bucket]); // idempotent
    await writeFile(path.join(dir, 'src.wav'), Buffer.alloc(4096, 7));
    await storage.putFile(bucket, key, path.join(dir, 'src.wav'));
    await storage.putText(bucket, '录音/2026-11-28/张三 通话1.wav.json', '{"callId":"x"}', 'application/json');
    await storage.putText(bucket, '录音/2026-11-29/other.wav', 'x', 'audio/wav');
  });
  afterAll(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists a prefix with sizes and ETags, keys in Chinese with spaces intact', async () => {
    const listed = [];
    for await (const o of storage.list(bucket, '录音/2026-11-28/')) listed.push(o);
    expect(listed.map((o) => o.key)).toEqual([key, `${key}.json`]);
    expect(listed[0]).toMatchObject({ size: 4096 });
    expect(listed[0]!.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(await storage.stat(bucket, key)).toMatchObject({ key, size: 4096, etag: listed[0]!.etag });
    expect(await storage.stat(bucket, 'missing.wav')).toBeUndefined();
  });

  it('downloads under a generated file name, never the key, and checks the size', async () => {
    const target = await mkdtemp(path.join(dir, 'dl-'));
    const local = await storage.download(bucket, key, target, 4096);
    expect(path.dirname(local)).toBe(target);
    expect(path.basename(local)).toMatch(/^[0-9a-f-]{36}\.wav$/);
    expect((await readFile(local)).equals(Buffer.alloc(4096, 7))).toBe(true);
    await expect(storage.download(bucket, key, target, 5000)).rejects.toThrow(/incomplete: 4096 of 5000 bytes/);
    expect((await readdir(target)).every((n) => !n.includes('张三'))).toBe(true);
  });

  it('writes and reads results under keys derived from the recording key', async () => {
    await storage.putJson('results', reportKey(key), { callId: callIdFromKey(key) });
    await storage.putText('results', reportHtmlKey(key), '<p>报告</p>', 'text/html; charset=utf-8');
    expect(JSON.parse((await storage.getText('results', reportKey(key)))!)).toEqual({ callId: '张三 通话1' });
    expect(await storage.getText('results', reportHtmlKey(key))).toBe('<p>报告</p>');
    expect(await storage.getText('results', transcriptKey(key))).toBeUndefined();
    expect(reportKey(key)).toBe('reports/录音/2026-11-28/张三 通话1.wav.report.json');
  });
});
