/** The reports and recordings repositories (infra/db/), on the real test database. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Pool } from '../../../infra/db/pool.js';
import { saveReportSummary, type ReportSummary } from '../../../infra/db/reports-repository.js';
import { upsertQueuedRecording } from '../../../infra/db/recordings-repository.js';
import { TEST_DATABASE_URL } from '../../support/integration.js';

describe('report summaries and findings', () => {
  let db: Pool;
  const id = `test-${randomBytes(8).toString('hex')}`;
  const finding = (ordinal: number) => ({
    ruleId: 'banned_phrase',
    ordinal,
    phraseId: `B0${ordinal + 1}`,
    start: ordinal,
    end: ordinal + 1,
    speaker: 'agent',
    text: '不知道',
  });
  const summary = (findings: ReportSummary['findings']): ReportSummary => ({
    recordingId: id,
    callId: 'c1',
    durationSec: 10,
    score: 80,
    flagged: true,
    rulesetVersion: 'v-test',
    ruleStatuses: { banned_phrase: 'fail' },
    bannedPhrases: [],
    reportKey: 'reports/x',
    analyzedAt: new Date().toISOString(),
    findings,
  });
  const rows = async () => (await db.query('SELECT id, ordinal FROM findings WHERE recording_id = $1 ORDER BY ordinal', [id])).rows;

  beforeAll(async () => {
    db = await openDatabase(TEST_DATABASE_URL);
    await upsertQueuedRecording(db, { id, bucket: 'b', objectKey: `k/${id}`, etag: 'e', sizeBytes: 1 });
  });
  afterAll(() => db.end());

  it('keeps finding ids when the same report is written again, and drops findings the report no longer has', async () => {
    await saveReportSummary(db, summary([finding(0), finding(1), finding(2)]));
    const first = await rows();
    expect(first.map((r) => r.ordinal)).toEqual([0, 1, 2]);
    await saveReportSummary(db, summary([finding(0), finding(1), finding(2)]));
    expect(await rows()).toEqual(first);
    // A reviewer decided on finding 2; a re-analysis then finds only finding 0.
    await db.query(`INSERT INTO review_decisions (finding_id, decision, reviewer) VALUES ($1, 'confirmed', 'tester')`, [first[2].id]);
    await saveReportSummary(db, summary([finding(0)]));
    expect((await rows()).map((r) => r.ordinal)).toEqual([0, 2]);
    const {
      rows: [status],
    } = await db.query('SELECT status FROM recordings WHERE id = $1', [id]);
    expect(status.status).toBe('reported');
  });

  it('sets the review status from the flag when a call is scored, and keeps a finished review when it is scored again', async () => {
    const other = `status-${randomBytes(8).toString('hex')}`;
    await upsertQueuedRecording(db, { id: other, bucket: 'b', objectKey: `k/${other}`, etag: 'e', sizeBytes: 1 });
    const reviewStatus = async () =>
      (await db.query('SELECT review_status FROM reports WHERE recording_id = $1', [other])).rows[0].review_status;
    const save = (flagged: boolean) => saveReportSummary(db, { ...summary([]), recordingId: other, flagged });
    await save(false);
    expect(await reviewStatus()).toBe('none');
    await save(true);
    expect(await reviewStatus()).toBe('pending');
    // A reviewer finished the review (confirmed); rescoring, flagged or not, keeps it.
    await db.query(`UPDATE reports SET review_status = 'confirmed' WHERE recording_id = $1`, [other]);
    await save(false);
    expect(await reviewStatus()).toBe('confirmed');
    await Promise.all([save(true), save(true)]);
    expect(await reviewStatus()).toBe('confirmed');
  });

  it('queues the same recording from two scans at once without a duplicate-key error', async () => {
    const twin = `twin-${randomBytes(8).toString('hex')}`;
    const rec = { id: twin, bucket: 'b', objectKey: `k/${twin}`, etag: 'e', sizeBytes: 1 };
    await Promise.all(Array.from({ length: 8 }, () => upsertQueuedRecording(db, rec)));
    const { rows: found } = await db.query('SELECT status FROM recordings WHERE id = $1', [twin]);
    expect(found).toEqual([{ status: 'queued' }]);
  });
});
