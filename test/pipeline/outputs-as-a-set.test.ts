/**
 * Issue 10: a stage's outputs are written as a set. A report is reused only when its JSON and its page both
 * exist (a run cut off after the JSON, or an old run that lost its page, is analysed again), and an output
 * left unreadable by an interrupted write is written again instead of failing the recording as bad input.
 * Real S3 server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../infra/local-s3.js';
import { createLogger } from '../../infra/logger.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { runAnalyzeStage } from '../../pipeline/stages/analyze.js';
import type { RecordingRef, StageContext } from '../../pipeline/stages/context.js';
import { readStoredTranscript } from '../../pipeline/stages/stored-output.js';
import { reportHtmlKey, reportKey, transcriptKey } from '../../pipeline/storage-keys.js';

describe('outputs as a set', () => {
  let dir: string;
  let s3: LocalS3;
  let ctx: StageContext;
  const rec: RecordingRef = { recordingId: 'r1', bucket: 'rec', key: 'night/call.wav', etag: 'e1', size: 1 };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-set-'));
    s3 = await startLocalS3(path.join(dir, 's3'));
    const storage = new ObjectStorage(s3.connection);
    await storage.ensureBuckets(['results']);
    ctx = { storage, resultsBucket: 'results', workDir: dir, log: createLogger('silent') };
    await storage.putJson('results', transcriptKey(rec.key), {
      callId: 'call',
      durationSec: 10,
      segments: [{ start: 0.5, end: 2, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' }],
      recording: { bucket: rec.bucket, key: rec.key, etag: rec.etag },
    });
  });
  afterAll(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a report whose page is missing is analysed again and gets its page; with both present it is reused', async () => {
    const first = await runAnalyzeStage(ctx, rec, transcriptKey(rec.key), ['县婚姻登记中心']);
    expect(first.reused).toBe(false);
    await ctx.storage.remove('results', [reportHtmlKey(rec.key)]);
    const again = await runAnalyzeStage(ctx, rec, transcriptKey(rec.key), ['县婚姻登记中心']);
    expect(again.reused).toBe(false);
    expect(await ctx.storage.getText('results', reportHtmlKey(rec.key))).toContain('<html');
    expect((await runAnalyzeStage(ctx, rec, transcriptKey(rec.key), ['县婚姻登记中心'])).reused).toBe(true);
  });

  it('a report or transcript cut off mid-write is done again, not taken as bad input', async () => {
    await ctx.storage.putText('results', reportKey(rec.key), '{"callId": "call", "sco', 'application/json');
    const redone = await runAnalyzeStage(ctx, rec, transcriptKey(rec.key), ['县婚姻登记中心']);
    expect(redone.reused).toBe(false);
    expect(JSON.parse((await ctx.storage.getText('results', reportKey(rec.key)))!).callId).toBe('call');
    await ctx.storage.putText('results', 'transcripts/cut.wav.transcript.json', '{"callId": "cu', 'application/json');
    expect(await readStoredTranscript(ctx, 'transcripts/cut.wav.transcript.json')).toBeUndefined();
  });
});
