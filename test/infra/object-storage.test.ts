/** Object storage against a real S3 server (s3rver): listing, downloads under generated names, keys in Chinese. */
import { readdir, readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../infra/local-s3.js';
import { ObjectChangedError, ObjectStorage } from '../../infra/object-storage.js';
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

  it('downloads the listed version only, under a generated file name, never the key', async () => {
    const target = await mkdtemp(path.join(dir, 'dl-'));
    const listed = (await storage.stat(bucket, key))!;
    const local = await storage.download(bucket, key, target, { etag: listed.etag });
    expect(path.dirname(local)).toBe(target);
    expect(path.basename(local)).toMatch(/^[0-9a-f-]{36}\.wav$/);
    expect((await readFile(local)).equals(Buffer.alloc(4096, 7))).toBe(true);
    // Replaced by other bytes of the same size since it was listed: not downloaded as if it were the listed version.
    const replacement = path.join(dir, 'same-size.wav');
    await writeFile(replacement, Buffer.alloc(4096, 8));
    await storage.putFile(bucket, key, replacement);
    const error = await storage.download(bucket, key, target, { etag: listed.etag }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectChangedError);
    expect((error as ObjectChangedError).currentEtag).toBe((await storage.stat(bucket, key))!.etag);
    await storage.putFile(bucket, key, path.join(dir, 'src.wav'));
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

  it('lists 2,500 objects under one prefix, every key once, in order (pages past 1,000 keys)', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `big/2026-11-30/call-${String(i).padStart(4, '0')}.wav`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => storage.putText('results', k, k, 'audio/wav')));
    }
    const listed: string[] = [];
    for await (const o of storage.list('results', 'big/2026-11-30/')) listed.push(o.key);
    expect(listed).toEqual(keys);
  }, 120_000);
});
