/**
 * Rules management (web/routes/rules.ts, infra/ruleset-store.ts) over HTTP on the real review-workspace
 * environment (PostgreSQL, Redis, s3rver, workers): roles, CSRF, line-accurate errors that save nothing,
 * duplicate versions, activation with its history, and a call analysed by the real pipeline afterwards
 * carrying the new ruleset version and the new banned-phrase deduction; `callqa rescore` uses it too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rescoreCommand } from '../../cli/rescore-command.js';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { getRecordings } from '../../infra/db/recordings-repository.js';
import { parseTranscriptText } from '../../domain/transcript.js';
import { analyzeTranscript } from '../../rules/analyze.js';
import { DEFAULT_RULESET_PATH, defaultRuleset, parseRuleset } from '../../rules/ruleset.js';
import { activeRuleset } from '../../infra/ruleset-store.js';
import { scanPrefix } from '../../workers/enqueue.js';
import { waitFor } from '../support/integration.js';
import { Client, csrfOf, startWebEnv, type WebEnv } from '../support/web.js';

const shippedText = readFileSync(DEFAULT_RULESET_PATH, 'utf8');
const lines = shippedText.split('\n');
const bannedAt = lines.findIndex((l) => /^\s*- id: banned_phrase\s*$/.test(l));
/** 0-based index of the banned_phrase rule's `deduct:` line. */
const deductAt = lines.findIndex((l, i) => i > bannedAt && /^\s+deduct:/.test(l));

/** The shipped text with another `version:` and, optionally, the banned-phrase `deduct:` line replaced. */
function variant(version: string, deduct?: string): string {
  const copy = [...lines];
  if (deduct !== undefined) copy[deductAt] = copy[deductAt]!.replace(/deduct:.*$/, deduct);
  return copy.join('\n').replace(/^version: .*$/m, `version: ${version}`);
}

const PRIVACY_TRANSCRIPT = (callId: string) => ({
  callId,
  durationSec: 15.38,
  agentId: 'A099',
  startedAt: '2026-11-29T10:00:00+08:00',
  segments: [
    { start: 0.4, end: 2.0, speaker: 'agent', text: '您好，县婚姻登记中心，请讲。' },
    { start: 2.5, end: 6.0, speaker: 'customer', text: '我想问一下结婚登记要带什么。' },
    { start: 6.5, end: 9.0, speaker: 'agent', text: '不知道。你去问民政局。' },
    { start: 9.5, end: 12.0, speaker: 'customer', text: '好的，谢谢，再见。' },
    { start: 12.5, end: 14.0, speaker: 'agent', text: '再见。' },
  ],
});

describe('rules management', () => {
  let w: WebEnv;
  let officer: Client;
  let supervisor: Client;
  let admin: Client;
  const count = async () => Number((await w.services.db.query('SELECT count(*) AS n FROM rulesets')).rows[0].n);

  beforeAll(async () => {
    expect(bannedAt).toBeGreaterThan(0);
    expect(deductAt).toBeGreaterThan(bannedAt);
    w = await startWebEnv('rules');
    officer = new Client(w.app);
    supervisor = new Client(w.app);
    admin = new Client(w.app);
    await officer.login(w.users.officer);
    await supervisor.login(w.users.supervisor);
    await admin.login(w.users.admin);
  }, 240_000);
  afterAll(async () => w?.close());

  it('is for supervisors and admins only, and shows the shipped ruleset when none is active', async () => {
    expect((await new Client(w.app).get('/rules')).statusCode).toBe(303);
    const refused = await officer.get('/rules');
    expect(refused.statusCode).toBe(403);
    expect((await officer.get('/')).body).not.toContain('href="/rules"');
    expect((await officer.post('/rules/activate', { _csrf: csrfOf((await officer.get('/')).body), id: 'shipped' })).statusCode).toBe(403);
    const page = await supervisor.get('/rules');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/rules"');
    expect(page.body).toContain(`<strong id="active-version">${defaultRuleset().version}</strong>`);
    expect(page.body).toContain('<textarea id="yaml" name="yaml"');
    expect((await admin.get('/rules')).statusCode).toBe(200);
  });

  it('requires the CSRF token to save or activate', async () => {
    const none = await supervisor.post('/rules', { yaml: variant('rules-test@csrf') });
    expect(none.statusCode).toBe(403);
    expect(none.body).toContain('CSRF');
    expect((await supervisor.post('/rules', { _csrf: 'abc-def', yaml: variant('rules-test@csrf') })).statusCode).toBe(403);
    expect((await supervisor.post('/rules/activate', { id: 'shipped' })).statusCode).toBe(403);
    expect(await count()).toBe(0);
  });

  it('shows a mistake with its line next to the text and saves nothing', async () => {
    const csrf = csrfOf((await supervisor.get('/rules')).body);
    const bad = variant('rules-test@bad', 'deduct: { points: ten, per: hit, max: 60 }');
    const res = await supervisor.post('/rules', { _csrf: csrf, yaml: bad });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`未保存：第 ${deductAt + 1} 行：`);
    expect(res.body).toContain('aria-invalid="true"');
    // The text stays in the form, and the excerpt marks the line.
    expect(res.body).toContain('points: ten');
    expect(res.body).toMatch(new RegExp(`<span class="yl bad"><span class="ln" aria-hidden="true">${deductAt + 1}</span>`));
    const syntax = await supervisor.post('/rules', { _csrf: csrf, yaml: 'version: x\nrules: [\n' });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.body).toMatch(/第 \d+ 行：YAML syntax error/);
    expect(await count()).toBe(0);
  });

  it('saves a new version, refuses a version that exists, activates it with who and when', async () => {
    let csrf = csrfOf((await supervisor.get('/rules')).body);
    const saved = await supervisor.post('/rules', {
      _csrf: csrf,
      yaml: variant('rules-test@1', 'deduct: { points: 25, per: hit, max: 100 }'),
    });
    expect(saved.statusCode).toBe(303);
    expect(await count()).toBe(1);
    const again = await supervisor.post('/rules', { _csrf: csrf, yaml: variant('rules-test@1') });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('版本号已存在');
    expect((await supervisor.post('/rules', { _csrf: csrf, yaml: shippedText })).statusCode).toBe(409);
    expect(await count()).toBe(1);

    const page = await supervisor.get(saved.headers.location as string);
    expect(page.body).toContain('已保存版本 rules-test@1');
    // Saving does not activate.
    expect(page.body).toContain(`<strong id="active-version">${defaultRuleset().version}</strong>`);
    const id = /href="\/rules\/versions\/(\d+)">rules-test@1</.exec(page.body)![1]!;
    const view = await admin.get(`/rules/versions/${id}`);
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('points: 25');
    expect((await admin.get('/rules/versions/99999999')).statusCode).toBe(404);
    expect((await admin.get('/rules/versions/..%2F1')).statusCode).toBe(400);

    csrf = csrfOf(page.body);
    const activated = await supervisor.post('/rules/activate', { _csrf: csrf, id });
    expect(activated.statusCode).toBe(303);
    const after = await admin.get('/rules');
    expect(after.body).toContain('<strong id="active-version">rules-test@1</strong>');
    expect(after.body).toContain(`由 ${w.users.supervisor} 于`);
    expect(after.body).toMatch(new RegExp(`${w.users.supervisor} 启用了 <strong>rules-test@1</strong>`));
    expect((await activeRuleset(w.services.db)).version).toBe('rules-test@1');
    // History is append-only.
    await expect(w.services.db.query('DELETE FROM ruleset_activations')).rejects.toThrow(/append-only/);
  });

  it('scores a call analysed afterwards by the real pipeline with the active ruleset', async () => {
    const bucket = w.t.config.s3.recordingsBucket;
    const night = '2026/11/29/';
    await w.services.storage.putFile(bucket, `${night}after-activation.wav`, path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'));
    await w.services.storage.putJson(bucket, `${night}after-activation.wav.json`, {
      callId: 'after-activation-01',
      agentId: 'A099',
      startedAt: '2026-11-29T10:00:00+08:00',
      line: '婚姻登记',
    });
    const transcript = PRIVACY_TRANSCRIPT('after-activation-01');
    await w.services.storage.putJson(bucket, `${night}after-activation.wav.transcript.json`, transcript);
    const scan = await scanPrefix({ storage: w.services.storage, db: w.services.db, queues: w.queues }, bucket, night);
    const recId = scan.recordings[0]!.recordingId;
    await waitFor(
      'the new call reported',
      async () => ((await getRecordings(w.services.db, [recId]))[0]?.status === 'reported' ? true : undefined),
      60_000,
    );
    const { rows } = await w.services.db.query('SELECT score, ruleset_version, report_key FROM reports WHERE recording_id = $1', [recId]);
    expect(rows[0].ruleset_version).toBe('rules-test@1');
    const parsed = parseTranscriptText(JSON.stringify(transcript), 't');
    const shipped = analyzeTranscript(parsed, { centreNames: w.t.config.centreNames });
    const changed = analyzeTranscript(parsed, {
      centreNames: w.t.config.centreNames,
      ruleset: parseRuleset(variant('rules-test@1', 'deduct: { points: 25, per: hit, max: 100 }'), 'x'),
    });
    expect(shipped.rules.find((r) => r.id === 'banned_phrase')!.findings.length).toBeGreaterThan(0);
    expect(changed.score).toBeLessThan(shipped.score);
    expect(rows[0].score).toBe(changed.score);
    const report = JSON.parse((await w.services.storage.getText(w.t.config.s3.resultsBucket, rows[0].report_key))!) as {
      rulesetVersion: string;
      score: number;
    };
    expect(report).toMatchObject({ rulesetVersion: 'rules-test@1', score: changed.score });
  }, 90_000);

  it('callqa rescore re-scores with the active ruleset', async () => {
    const privacy = w.ids.get('privacy.wav')!;
    const before = (await w.services.db.query('SELECT score, ruleset_version FROM reports WHERE recording_id = $1', [privacy])).rows[0];
    expect(before.ruleset_version).toBe(defaultRuleset().version);
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const range = { from: new Date('2026-11-28T10:00:00+08:00'), to: new Date('2026-11-28T10:00:01+08:00') };
    const result = await rescoreCommand(w.services, range, w.t.config.centreNames, sink, sink);
    expect(result.failed).toEqual([]);
    expect(result.rescored).toEqual([
      expect.objectContaining({
        recordingId: privacy,
        rulesetVersion: 'rules-test@1',
        before: { score: before.score, rulesetVersion: defaultRuleset().version },
      }),
    ]);
    expect(result.rescored[0]!.score).toBeLessThan(before.score);
  }, 60_000);

  it('goes back to the shipped file', async () => {
    const csrf = csrfOf((await supervisor.get('/rules')).body);
    expect((await supervisor.post('/rules/activate', { _csrf: csrf, id: 'shipped' })).statusCode).toBe(303);
    expect((await activeRuleset(w.services.db)).version).toBe(defaultRuleset().version);
    const page = await supervisor.get('/rules');
    expect(page.body).toContain(`<strong id="active-version">${defaultRuleset().version}</strong>`);
    expect(page.body).toMatch(/启用 rules-test@1<\/button>/);
  });
});
