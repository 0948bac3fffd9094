/**
 * `callqa rescore` on real services: s3rver, PostgreSQL and ffmpeg (prepare measures the recording). Two
 * calls go through prepare (a transcript sidecar and call metadata with a phone line) and analyze; their
 * stored reports are then made to look as if an older ruleset had scored them. Rescoring one day re-runs
 * the current ruleset on that day's call only: the report keeps the previous score and ruleset version, the
 * summary row and findings are rewritten, the other day's call is untouched.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveReportSummary } from '../../infra/db/reports-repository.js';
import { upsertQueuedRecording } from '../../infra/db/recordings-repository.js';
import { openServices, type Services } from '../../infra/services.js';
import { reportSummary, runAnalyzeStage } from '../../pipeline/stages/analyze.js';
import type { StageContext } from '../../pipeline/stages/context.js';
import { runPrepareStage } from '../../pipeline/stages/prepare.js';
import { metadataKey, recordingId, reportKey, transcriptKey, transcriptSidecarKey } from '../../pipeline/storage-keys.js';
import type { Transcript } from '../../domain/transcript.js';
import type { Report } from '../../domain/report.js';
import { defaultRuleset } from '../../rules/ruleset.js';
import { assertBuilt, runCallqa, startTestEnv, type TestEnv } from '../support/integration.js';
import { makeAlawStereo } from '../support/media.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/transcripts');

describe('callqa rescore', () => {
  let t: TestEnv;
  let services: Services;
  const calls = [
    { key: 'rescore/2026/11/20/a.wav', startedAt: '2026-11-20T16:40:00+08:00', fixture: 'banned-closing-time', line: '婚姻登记热线' },
    { key: 'rescore/2026/11/21/b.wav', startedAt: '2026-11-21T09:00:00+08:00', fixture: 'consent-ask-answered', line: '社保热线' },
  ];
  const ids = new Map<string, string>();

  async function storedReport(key: string): Promise<Report> {
    return JSON.parse((await services.storage.getText(t.config.s3.resultsBucket, reportKey(key)))!) as Report;
  }

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    services = await openServices(t.config, t.log, { allowLocalS3: false });
    const ctx: StageContext = {
      storage: services.storage,
      resultsBucket: t.config.s3.resultsBucket,
      workDir: t.config.workDir,
      log: t.log,
    };
    const bucket = t.config.s3.recordingsBucket;
    for (const c of calls) {
      const transcript = JSON.parse(await readFile(path.join(FIXTURES, `${c.fixture}.json`), 'utf8')) as Transcript;
      const { startedAt: _s, agentId: _a, ...bare } = transcript;
      // The recording is as long as its transcript says (a sidecar may not claim more than its audio).
      const seconds = Math.ceil(bare.durationSec);
      const wav = path.join(t.dir, `call-${seconds}.wav`);
      await makeAlawStereo(wav, seconds);
      await services.storage.putFile(bucket, c.key, wav);
      await services.storage.putJson(bucket, transcriptSidecarKey(c.key), { ...bare, durationSec: seconds });
      await services.storage.putJson(bucket, metadataKey(c.key), { agentId: 'T007', startedAt: c.startedAt, line: c.line });
      const stat = (await services.storage.stat(bucket, c.key))!;
      const rec = { recordingId: recordingId(bucket, c.key, stat.etag), bucket, key: c.key, etag: stat.etag, size: stat.size };
      ids.set(c.key, rec.recordingId);
      await upsertQueuedRecording(services.db, { id: rec.recordingId, bucket, objectKey: c.key, etag: rec.etag, sizeBytes: rec.size });
      const prepared = await runPrepareStage(ctx, rec, {
        defaultChannelMap: t.config.channelMap,
        ffmpegTimeLimitMs: t.config.ffmpegTimeLimitMs,
      });
      expect(prepared.next).toBe('analyze');
      const outcome = await runAnalyzeStage(ctx, rec, transcriptKey(c.key), []);
      // Make the stored report look as if an older ruleset had scored it, in object storage and in PostgreSQL.
      const old: Report = { ...outcome.report, score: 42, rulesetVersion: 'service-norms@0', analyzedAt: '2026-11-22T01:00:00.000Z' };
      await services.storage.putJson(t.config.s3.resultsBucket, outcome.reportKey, old);
      await saveReportSummary(services.db, reportSummary(rec.recordingId, { ...outcome, report: old }, c.line));
    }
  }, 120_000);

  afterAll(async () => {
    if (services) {
      await services.db.query('DELETE FROM recordings WHERE id = ANY($1::text[])', [[...ids.values()]]);
      await services.close();
    }
    await t?.cleanup();
  });

  it('the prepared transcript carries the metadata line', async () => {
    const text = await services.storage.getText(t.config.s3.resultsBucket, transcriptKey(calls[0]!.key));
    expect((JSON.parse(text!) as Transcript).line).toBe('婚姻登记热线');
  });

  it('re-scores the calls of the range with the current ruleset, keeping the previous score and version', async () => {
    const r = await runCallqa(['rescore', '--from', '2026-11-20', '--to', '2026-11-20'], t.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const version = defaultRuleset().version;
    expect(r.stdout).toMatch(new RegExp(`score 42 → \\d+\\truleset service-norms@0 → ${version}`));
    expect(r.stdout).toMatch(/^1 reports rescored, 0 failed$/m);

    const a = await storedReport(calls[0]!.key);
    expect(a.rulesetVersion).toBe(version);
    expect(a.previous).toEqual({ score: 42, rulesetVersion: 'service-norms@0', analyzedAt: '2026-11-22T01:00:00.000Z' });
    expect(a.rules.find((x) => x.id === 'banned_phrase')!.status).toBe('fail');
    const {
      rows: [row],
    } = await services.db.query('SELECT score, ruleset_version, line, analyzed_at FROM reports WHERE recording_id = $1', [
      ids.get(calls[0]!.key),
    ]);
    expect(row).toMatchObject({ score: a.score, ruleset_version: version, line: '婚姻登记热线' });
    expect((row.analyzed_at as Date).toISOString()).toBe(a.analyzedAt);
    const { rows: findings } = await services.db.query(
      'SELECT rule_id, phrase_id FROM findings WHERE recording_id = $1 AND ruleset_version = $2 ORDER BY rule_id, ordinal',
      [ids.get(calls[0]!.key), version],
    );
    expect(findings.length).toBe(a.rules.reduce((n, x) => n + x.findings.length, 0));

    // The other day's call is outside the range: untouched.
    const b = await storedReport(calls[1]!.key);
    expect(b).toMatchObject({ score: 42, rulesetVersion: 'service-norms@0' });
    expect(b.previous).toBeUndefined();
  });

  it('refuses a malformed or empty range with a clear message', async () => {
    const bad = await runCallqa(['rescore', '--from', '20.11.2026', '--to', '2026-11-20'], t.env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--from must be a date yyyy-mm-dd/);
    const empty = await runCallqa(['rescore', '--from', '2026-11-21', '--to', '2026-11-20'], t.env);
    expect(empty.stderr).toMatch(/empty range/);
  });
});
