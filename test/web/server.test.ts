/**
 * The review workspace over HTTP (Fastify inject), on reports the real pipeline produced from the sample
 * calls: sign-in, roles, assignment, CSRF, audio ranges, path traversal, decisions and rescoring,
 * masking, operations pages.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { computeMonthlyStats } from '../../pipeline/stats/aggregate.js';
import { parseMonth } from '../../pipeline/stats/month.js';
import { maskText } from '../../domain/privacy.js';
import { AGENT_EMAIL, Client, csrfOf, ID_NUMBER, NIGHT, PASSWORD, PHONE, startWebEnv, type WebEnv } from '../support/web.js';
import { bodyOf, startTestSmtpServer, subjectOf, type TestSmtpServer } from '../support/mail.js';
import { waitFor } from '../support/integration.js';

const notice = (location: unknown) => new URL(String(location), 'http://x').searchParams.get('notice') ?? '';

describe('review workspace over HTTP', () => {
  let w: WebEnv;
  let officer: Client;
  let officer2: Client;
  let supervisor: Client;
  let admin: Client;
  const id = (key: string) => {
    const v = w.ids.get(key);
    if (!v) throw new Error(`no recording ${key}`);
    return v;
  };

  let smtp: TestSmtpServer;
  const SUPERVISORS = 'appeals-desk@centre.example';

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    w = await startWebEnv('http', {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: 'callqa@centre.example',
      APPEAL_NOTIFY_TO: SUPERVISORS,
    });
    officer = new Client(w.app);
    officer2 = new Client(w.app);
    supervisor = new Client(w.app);
    admin = new Client(w.app);
    await officer.login(w.users.officer);
    await officer2.login(w.users.officer2);
    await supervisor.login(w.users.supervisor);
    await admin.login(w.users.admin);
  }, 240_000);

  afterAll(async () => {
    await w?.close();
    await smtp?.close();
  });

  it('refuses anonymous access to every page and file except sign-in and health', async () => {
    const anon = new Client(w.app);
    const call = id('call-03-banned-phrases.wav');
    const page = await anon.get('/');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F');
    for (const url of [
      '/',
      `/calls/${call}`,
      `/calls/${call}/audio`,
      `/calls/${call}/transcript.txt`,
      '/assets/call.js',
      '/admin/failed',
      '/admin/users',
      '/admin/queues',
      '/admin/queues/api/queues',
      '/metrics',
    ]) {
      const res = await anon.get(url, { accept: '*/*' });
      expect(res.statusCode, url).toBe(401);
      expect(res.body, url).not.toContain('demo-03');
    }
    const post = await anon.post(`/calls/${call}/findings/1/decisions`, { decision: 'confirmed' });
    expect(post.statusCode).toBe(401);
    expect((await anon.get('/healthz')).json()).toMatchObject({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok' },
      asr: { engine: 'whisper.cpp', status: 'ok' },
    });
    expect((await anon.get('/favicon.ico')).statusCode).toBe(204);
    expect((await anon.get('/login')).statusCode).toBe(200);
  });

  it('signs in with a scrypt-hashed password into a signed http-only cookie; wrong passwords fail', async () => {
    const c = new Client(w.app);
    const page = await c.get('/login');
    expect(page.body).toContain('登录');
    const bad = await c.post('/login', { _csrf: csrfOf(page.body), username: w.users.officer, password: 'wrong password!' });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain('用户名或密码错误');
    const res = await c.login(w.users.officer);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((x) => x.startsWith('callqa_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/callqa_session=[^.;]+\.[^;]+/); // value.signature
    // A tampered cookie is not a session.
    const forged = new Client(w.app);
    forged.jar.set(
      'callqa_session',
      c.jar.get('callqa_session')!.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')),
    );
    expect((await forged.get('/', { accept: '*/*' })).statusCode).toBe(401);
    const { rows } = await w.services.db.query('SELECT password_hash FROM users WHERE username = $1', [w.users.officer]);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    // Redirect targets stay on this site.
    const again = await new Client(w.app).get('/login');
    const off = await new Client(w.app).post('/login', {
      _csrf: csrfOf(again.body),
      username: w.users.officer,
      password: PASSWORD,
      next: '//evil.example/x',
    });
    expect([303, 403]).toContain(off.statusCode);
    if (off.statusCode === 303) expect(off.headers.location).toBe('/');
  });

  it('requires the CSRF token on every form', async () => {
    const call = id('call-03-banned-phrases.wav');
    const page = await officer.get(`/calls/${call}`);
    const fid = /data-finding="(\d+)"/.exec(page.body)![1]!;
    const none = await officer.post(`/calls/${call}/findings/${fid}/decisions`, { decision: 'comment', comment: 'x' });
    expect(none.statusCode).toBe(403);
    expect(none.body).toContain('CSRF');
    const wrong = await officer.post(`/calls/${call}/findings/${fid}/decisions`, { _csrf: 'abc-def', decision: 'comment', comment: 'x' });
    expect(wrong.statusCode).toBe(403);
    // Another browser's token does not fit this browser's secret.
    const other = await officer2.get('/');
    const foreign = await officer.post(`/calls/${call}/findings/${fid}/decisions`, {
      _csrf: csrfOf(other.body),
      decision: 'comment',
      comment: 'x',
    });
    expect(foreign.statusCode).toBe(403);
    const login = await new Client(w.app).post('/login', { username: w.users.officer, password: PASSWORD });
    expect(login.statusCode).toBe(403);
    for (const [c, url] of [
      [officer, '/logout'],
      [supervisor, '/assign'],
      [admin, '/admin/failed/retry'],
    ] as const) {
      expect((await c.post(url, {})).statusCode, url).toBe(403);
    }
    const { rows } = await w.services.db.query('SELECT count(*)::int AS n FROM review_decisions WHERE finding_id = $1', [fid]);
    expect(rows[0].n).toBe(0);
  });

  it('keeps officers out of admin pages', async () => {
    for (const c of [officer, supervisor]) {
      // Percent-encoded paths reach the same routes and must meet the same check.
      for (const url of [
        '/admin/failed',
        '/admin/users',
        '/admin/queues',
        '/admin/queues/api/queues',
        '/%61dmin/users',
        '/%61dmin/queues/api/queues',
        '/adm%69n/failed',
      ]) {
        expect((await c.get(url)).statusCode, url).toBe(403);
      }
      expect((await c.get('/metrics')).statusCode).toBe(403);
    }
    const page = await officer.get('/');
    expect(
      (await officer.post('/assign', { _csrf: csrfOf(page.body), mode: 'selected', ids: id('call-03-banned-phrases.wav'), user: '1' }))
        .statusCode,
    ).toBe(403);
    expect((await officer.post('/admin/failed/retry', { _csrf: csrfOf(page.body) })).statusCode).toBe(403);
    expect((await officer.post('/%61dmin/failed/retry', { _csrf: csrfOf(page.body) })).statusCode).toBe(403);
  });

  it('lists flagged calls first, with filters and keyset paging', async () => {
    const res = await officer.get('/');
    expect(res.statusCode).toBe(200);
    const order = [...res.body.matchAll(/<tr class="(flagged|)">/g)].map((m) => m[1]);
    expect(order.length).toBeGreaterThan(3);
    expect(order.indexOf('')).toBeGreaterThan(order.lastIndexOf('flagged'));
    expect(res.body).toContain('demo-03');
    const pending = await officer.get('/?status=pending');
    expect(pending.body).toContain('demo-03');
    expect(pending.body).not.toContain('demo-01');
    expect((await officer.get('/?agent=A023')).body).toMatch(/共 1 条/);
    expect((await officer.get('/?agent=A023')).body).toContain('demo-02');
    expect((await officer.get(`/?line=${encodeURIComponent('婚姻登记')}&status=flagged`)).body).toContain('privacy-01');
    const search = await officer.get(`/?q=${encodeURIComponent('民政局')}`);
    expect(search.body).toContain('demo-03');
    expect(search.body).not.toContain('demo-01');
    expect((await officer.get('/?rule=banned_phrase')).body).toContain('demo-03');
    expect((await officer.get('/?minScore=100&maxScore=100')).body).not.toContain('demo-03');
    expect((await officer.get('/?from=2026-11-29&to=2026-11-30')).body).toMatch(/共 0 条/);
    // Bad filter values are ignored, not errors.
    expect((await officer.get('/?from=../../etc&minScore=abc&status=drop')).statusCode).toBe(200);
    // Paging: a cursor past the first row continues after it.
    const first = /<a href="\/calls\/([0-9a-f]{40})">/.exec(res.body)![1]!;
    const cursor = Buffer.from(JSON.stringify([1, '2100-01-01T00:00:00.000Z', first])).toString('base64url');
    expect((await officer.get(`/?after=${cursor}`)).statusCode).toBe(200);
  });

  it('streams audio with HTTP Range: the right bytes, 206/416, seeking works', async () => {
    const call = id('call-03-banned-phrases.wav');
    const file = await readFile(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'));
    const full = await officer.get(`/calls/${call}/audio`, { accept: '*/*' });
    expect(full.statusCode).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(full.rawPayload.equals(file)).toBe(true);
    const part = await officer.get(`/calls/${call}/audio`, { range: 'bytes=1000-1999' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${file.length}`);
    expect(part.headers['content-length']).toBe('1000');
    expect(part.rawPayload.equals(file.subarray(1000, 2000))).toBe(true);
    const open = await officer.get(`/calls/${call}/audio`, { range: `bytes=${file.length - 10}-` });
    expect(open.rawPayload.equals(file.subarray(file.length - 10))).toBe(true);
    const suffix = await officer.get(`/calls/${call}/audio`, { range: 'bytes=-44' });
    expect(suffix.rawPayload.equals(file.subarray(file.length - 44))).toBe(true);
    const past = await officer.get(`/calls/${call}/audio`, { range: `bytes=${file.length}-` });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${file.length}`);
    // The response never names storage.
    expect(JSON.stringify(full.headers)).not.toMatch(/X-Amz|127\.0\.0\.1:\d+\/rec-/i);
  });

  it('converts recordings browsers cannot play (AMR) to WAV, with ranges', async () => {
    const call = id('call-06-banned-phrases.amr');
    const full = await officer.get(`/calls/${call}/audio`, { accept: '*/*' });
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(full.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
    const part = await officer.get(`/calls/${call}/audio`, { range: 'bytes=100-199' });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(full.rawPayload.subarray(100, 200))).toBe(true);
  }, 60_000);

  it('refuses path traversal in every parameter', async () => {
    const call = id('call-03-banned-phrases.wav');
    for (const url of [
      '/calls/..%2F..%2F..%2Fetc%2Fpasswd',
      '/calls/..%2F..%2F..%2Fetc%2Fpasswd/audio',
      '/calls/%2e%2e%2f%2e%2e%2fpackage.json/transcript.txt',
      `/calls/${call}/findings/..%2F1/decisions`,
      `/calls/${call.toUpperCase()}/audio`,
      `/calls/${call}%00/audio`,
    ]) {
      const res = url.includes('/decisions') ? await officer.post(url, { _csrf: 'x' }) : await officer.get(url, { accept: '*/*' });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.body, url).not.toMatch(/root:x:0|"name": "callqa"/);
    }
    for (const url of [
      '/assets/..%2F..%2Fpackage.json',
      '/assets/../package.json',
      '/../../etc/passwd',
      '/admin/queues/static/..%2F..%2F..%2Fpackage.json',
    ]) {
      const res = await admin.get(url, { accept: '*/*' });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body, url).not.toMatch(/root:x:0|"name": "callqa"/);
    }
  });

  it('records decisions append-only and recomputes the score; a dismissed finding no longer deducts', async () => {
    const call = id('call-03-banned-phrases.wav');
    const before = await w.services.db.query('SELECT score, review_status FROM reports WHERE recording_id = $1', [call]);
    expect(before.rows[0].review_status).toBe('pending');
    const page = await officer.get(`/calls/${call}`);
    const fids = [...page.body.matchAll(/data-finding="(\d+)"/g)].map((m) => m[1]!);
    expect(fids.length).toBeGreaterThan(0);
    const noReason = await officer.post(`/calls/${call}/findings/${fids[0]}/decisions`, {
      _csrf: csrfOf(page.body),
      decision: 'dismissed',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain(`<a href="/calls/${call}">返回这通通话</a>`);
    const res = await officer.post(`/calls/${call}/findings/${fids[0]}/decisions`, {
      _csrf: csrfOf(page.body),
      decision: 'dismissed',
      reason: '语音识别错误',
      comment: '听录音是“不清楚”',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/calls/${call}?saved=1#finding-${fids[0]}`);
    for (const fid of fids.slice(1)) {
      expect(
        (
          await officer.post(`/calls/${call}/findings/${fid}/decisions`, {
            _csrf: csrfOf(page.body),
            decision: 'dismissed',
            reason: '规则误判',
          })
        ).statusCode,
      ).toBe(303);
    }
    const after = await w.services.db.query('SELECT score, reviewed_score, review_status FROM reports WHERE recording_id = $1', [call]);
    expect(after.rows[0].review_status).toBe('dismissed');
    expect(after.rows[0].reviewed_score).toBeGreaterThan(before.rows[0].score);
    // A later decision changes the outcome but the earlier one stays in the history.
    expect(
      (await supervisor.post(`/calls/${call}/findings/${fids[0]}/decisions`, { _csrf: csrfOf(page.body), decision: 'confirmed' }))
        .statusCode,
    ).toBe(403);
    const sPage = await supervisor.get(`/calls/${call}`);
    expect(
      (await supervisor.post(`/calls/${call}/findings/${fids[0]}/decisions`, { _csrf: csrfOf(sPage.body), decision: 'confirmed' }))
        .statusCode,
    ).toBe(303);
    const { rows: history } = await w.services.db.query(
      'SELECT decision, reviewer, reason FROM review_decisions WHERE finding_id = $1 ORDER BY id',
      [fids[0]],
    );
    expect(history.map((h) => [h.decision, h.reviewer])).toEqual([
      ['dismissed', w.users.officer],
      ['confirmed', w.users.supervisor],
    ]);
    const final = await w.services.db.query('SELECT reviewed_score, review_status FROM reports WHERE recording_id = $1', [call]);
    expect(final.rows[0].review_status).toBe('confirmed');
    expect(final.rows[0].reviewed_score).toBeLessThan(after.rows[0].reviewed_score);
    const shown = await officer.get(`/calls/${call}`);
    // The breakdown agrees with the reviewed score: what the rules still deduct adds up to 100 − score.
    expect(shown.body).toContain('<th>复核后扣分</th>');
    const table = shown.body.slice(shown.body.indexOf('<h2>评分项</h2>'));
    const rows = [
      ...table.slice(0, table.indexOf('</table>')).matchAll(/<tr><td>[^<]*<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g),
    ];
    expect(rows.length).toBeGreaterThan(0);
    const reviewedTotal = rows.reduce((sum, m) => sum + (m[2] ? -Number(m[2]) : 0), 0);
    expect(Math.round(100 - reviewedTotal)).toBe(final.rows[0].reviewed_score);
    expect(shown.body).toContain('驳回');
    expect(shown.body).toContain('语音识别错误');
    // The history names people by display name, with the user name.
    expect(shown.body).toMatch(new RegExp(`[^<>]+（${w.users.officer}）：<strong>驳回</strong>`));
    expect(shown.body).toContain(w.users.supervisor);
    await expect(
      w.services.db.query('UPDATE review_decisions SET decision = $2 WHERE finding_id = $1', [fids[0], 'dismissed']),
    ).rejects.toThrow(/append-only/);
    // A finding of another call is refused.
    const other = id('call-06-banned-phrases.amr');
    const oPage = await officer.get(`/calls/${other}`);
    expect(
      (await officer.post(`/calls/${other}/findings/${fids[0]}/decisions`, { _csrf: csrfOf(oPage.body), decision: 'confirmed' }))
        .statusCode,
    ).toBe(400);
  });

  it('lets officers decide on a flagged call without findings as a whole, append-only', async () => {
    const call = id('caller-only.wav');
    const {
      rows: [before],
    } = await w.services.db.query('SELECT review_status, score FROM reports WHERE recording_id = $1', [call]);
    expect(before.review_status).toBe('pending');
    const page = await officer2.get(`/calls/${call}`);
    expect(page.body).toContain('整通复核');
    expect(page.body).toContain('未识别到坐席语音');
    const res = await officer2.post(`/calls/${call}/decisions`, {
      _csrf: csrfOf(page.body),
      decision: 'dismissed',
      reason: '其他（见备注）',
      comment: '来电人挂断，坐席未接通',
    });
    expect(res.statusCode).toBe(303);
    const {
      rows: [after],
    } = await w.services.db.query('SELECT review_status, reviewed_score FROM reports WHERE recording_id = $1', [call]);
    expect(after).toEqual({ review_status: 'dismissed', reviewed_score: before.score });
    expect((await officer2.get(`/calls/${call}`)).body).toContain('来电人挂断');
    await expect(w.services.db.query('DELETE FROM call_reviews WHERE recording_id = $1', [call])).rejects.toThrow(/append-only/);
    // Calls with findings are decided finding by finding.
    const other = id('call-04-no-consent.wav');
    const sPage = await supervisor.get(`/calls/${other}`);
    expect((await supervisor.post(`/calls/${other}/decisions`, { _csrf: csrfOf(sPage.body), decision: 'confirmed' })).statusCode).toBe(400);
  });

  it('masks phone and ID numbers for officers, on screen and in exports; supervisors see them', async () => {
    const call = id('privacy.wav');
    const o = await officer.get(`/calls/${call}`);
    expect(o.body).toContain('138****5678');
    expect(o.body).not.toContain(PHONE);
    expect(o.body).not.toContain(ID_NUMBER);
    const exp = await officer.get(`/calls/${call}/transcript.txt`);
    expect(exp.headers['content-disposition']).toMatch(/attachment/);
    expect(exp.body).toContain('**************002X');
    expect(exp.body).not.toContain(PHONE);
    const s = await supervisor.get(`/calls/${call}`);
    expect(s.body).toContain(PHONE);
    expect((await supervisor.get(`/calls/${call}/transcript.txt`)).body).toContain(ID_NUMBER);
  });

  it('assigns calls (selected, evenly); officers cannot open calls assigned to another officer', async () => {
    const call = id('call-04-no-consent.wav');
    const { rows: u } = await w.services.db.query('SELECT id, username FROM users WHERE username = ANY($1)', [
      [w.users.officer, w.users.officer2],
    ]);
    const o2 = u.find((x) => x.username === w.users.officer2)!.id;
    const o1 = u.find((x) => x.username === w.users.officer)!.id;
    const page = await supervisor.get('/');
    const res = await supervisor.post('/assign', { _csrf: csrfOf(page.body), mode: 'selected', ids: [call], user: String(o2) });
    expect(res.statusCode).toBe(303);
    expect(notice(res.headers.location)).toBe('assigned');
    expect((await supervisor.get(String(res.headers.location))).body).toMatch(/<p role="status">已将 1 条通话分配给 李强-/);
    expect((await officer2.get(`/calls/${call}`)).statusCode).toBe(200);
    expect((await officer.get(`/calls/${call}`)).statusCode).toBe(403);
    expect((await officer.get(`/calls/${call}/audio`, { range: 'bytes=0-9' })).statusCode).toBe(403);
    expect((await officer.get(`/calls/${call}/transcript.txt`)).statusCode).toBe(403);
    expect((await officer.get('/')).body).not.toContain(`/calls/${call}`);
    expect((await officer2.get('/?assigned=me')).body).toContain(`/calls/${call}?assigned=me"`);
    expect((await supervisor.get(`/calls/${call}`)).statusCode).toBe(200);
    // Evenly: the remaining unassigned pending calls are shared between both officers.
    const even = await supervisor.post('/assign', { _csrf: csrfOf(page.body), mode: 'evenly', evenly: [String(o1), String(o2)] });
    expect(even.statusCode).toBe(303);
    const { rows: counts } = await w.services.db.query(
      `SELECT a.user_id, count(*)::int AS n FROM assignments a JOIN reports r USING (recording_id) WHERE r.review_status = 'pending' GROUP BY a.user_id`,
    );
    const byUser = new Map(counts.map((c) => [c.user_id, c.n]));
    expect(Math.abs((byUser.get(o1) ?? 0) - (byUser.get(o2) ?? 0))).toBeLessThanOrEqual(1);
    const { rows: left } = await w.services.db.query(
      `SELECT count(*)::int AS n FROM reports r LEFT JOIN assignments a USING (recording_id) WHERE r.review_status = 'pending' AND a.user_id IS NULL AND r.recording_id = ANY($1)`,
      [[...w.ids.values()]],
    );
    expect(left[0].n).toBe(0);
  });

  it('gives admins the failed recordings with a retry button, the queue dashboard, users, health and metrics', async () => {
    const failed = await admin.get('/admin/failed');
    expect(failed.statusCode).toBe(200);
    expect(failed.body).toContain('broken-page.wav');
    expect(failed.body).toContain('not_audio');
    expect(failed.body).toContain('不是音频文件（如网页、文本或损坏的数据）');
    // Every bucket the pipeline processed is listed (a `callqa process` run's failure too); ?bucket= narrows.
    await w.services.db.query(
      `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, call_id, status, failed_stage, reason_code, reason, original_name)
       VALUES ($1, 'callqa-process', 'run/empty.wav', 'e', 0, 'empty', 'failed', 'prepare', 'empty_file', 'callqa-process/run/empty.wav: the file is empty (0 bytes)', '空录音.wav')`,
      ['f'.repeat(40)],
    );
    const all = await admin.get('/admin/failed');
    expect(all.body).toContain('callqa-process/run/empty.wav (空录音.wav)'); // the file name before upload
    expect(all.body).toContain('文件为空（0 字节）');
    const narrowed = await admin.get(`/admin/failed?bucket=${w.t.config.s3.recordingsBucket}`);
    expect(narrowed.body).toContain('broken-page.wav');
    expect(narrowed.body).not.toContain('callqa-process/run/empty.wav');
    expect(
      (await admin.post('/admin/failed/retry', { _csrf: csrfOf(failed.body), id: '../x', bucket: w.t.config.s3.recordingsBucket }))
        .statusCode,
    ).toBe(400);
    const retry = await admin.post('/admin/failed/retry', {
      _csrf: csrfOf(failed.body),
      id: id('broken-page.wav'),
      bucket: w.t.config.s3.recordingsBucket,
    });
    expect(retry.statusCode).toBe(303);
    expect(retry.headers.location).toBe('/admin/failed?notice=requeued&n=1');
    expect((await admin.get(String(retry.headers.location))).body).toContain('<p role="status">已重新排队 1 条录音。</p>');
    const board = await admin.get('/admin/queues');
    expect(board.statusCode).toBe(200);
    const api = await admin.get('/admin/queues/api/queues', { accept: 'application/json' });
    expect(api.statusCode).toBe(200);
    expect(api.body).toContain('analyze');
    expect((await admin.get('/admin/users')).body).toContain(w.users.officer);
    // Admins read calls but do not decide.
    const call = id('call-06-banned-phrases.amr');
    const callPage = await admin.get(`/calls/${call}`);
    expect(callPage.statusCode).toBe(200);
    expect(callPage.body).not.toContain('/decisions"');
    const fid = (await w.services.db.query('SELECT id FROM findings WHERE recording_id = $1 LIMIT 1', [call])).rows[0].id;
    expect(
      (await admin.post(`/calls/${call}/findings/${fid}/decisions`, { _csrf: csrfOf(callPage.body), decision: 'confirmed' })).statusCode,
    ).toBe(403);
    const metrics = await admin.get('/metrics', { accept: '*/*' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('callqa_reports{review_status="pending"}');
    expect(metrics.body).toContain('callqa_queue_jobs');
    const scraper = await w.app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(scraper.statusCode).toBe(200);
    expect((await w.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
  });

  it("decides every finding in one form: a refused form keeps what was typed, reasons come from the supervisors' list, the next call keeps the filter", async () => {
    const call = id('five-findings.wav');
    // Supervisors keep the dismiss reasons; officers cannot.
    expect((await officer.get('/settings/dismiss-reasons')).statusCode).toBe(403);
    const settings = await supervisor.get('/settings/dismiss-reasons');
    expect(settings.body).toContain('语音识别错误');
    expect((await supervisor.post('/settings/dismiss-reasons', { _csrf: csrfOf(settings.body), label: '录音不清' })).statusCode).toBe(303);

    // (A supervisor reviews: the earlier even assignment may have given this call to either officer.)
    const filter = 'line=%E5%A9%9A%E5%A7%BB%E7%99%BB%E8%AE%B0&status=pending';
    const page = await supervisor.get(`/calls/${call}?${filter}`);
    expect(page.body).toContain('禁用语 B06 下班了，明天再来');
    expect(page.body).toContain(`<a href="/?${filter.replace('&', '&amp;')}" id="back">`);
    expect(page.body).toContain('录音不清</option>');
    expect(page.body).toContain('Ctrl+Enter');
    const fids = [...page.body.matchAll(/data-finding="(\d+)"/g)].map((m) => m[1]!);
    expect(fids).toHaveLength(5);
    const decided = async () =>
      (
        await w.services.db.query(
          'SELECT d.finding_id, d.decision, d.reason, d.comment FROM review_decisions d JOIN findings f ON f.id = d.finding_id WHERE f.recording_id = $1 ORDER BY d.id',
          [call],
        )
      ).rows;

    // Dismissed without a reason: nothing saved, the page comes back with the error, the choices and the comment.
    const refused = await supervisor.post(`/calls/${call}/review`, {
      _csrf: csrfOf(page.body),
      back: filter,
      then: 'next',
      [`decision-${fids[0]}`]: 'dismissed',
      [`comment-${fids[0]}`]: '录音里是来电人说的',
      [`decision-${fids[1]}`]: 'confirmed',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('第 1 条发现驳回须选择理由');
    expect(refused.body).toContain('>录音里是来电人说的</textarea>');
    expect(refused.body).toMatch(new RegExp(`name="decision-${fids[1]}" value="confirmed" checked`));
    expect(await decided()).toEqual([]);

    // With the reason, and "confirm the rest": all five in one submit, then the next pending call of the filter.
    const saved = await supervisor.post(`/calls/${call}/review`, {
      _csrf: csrfOf(refused.body),
      back: filter,
      all: 'confirmed',
      [`decision-${fids[0]}`]: 'dismissed',
      [`reason-${fids[0]}`]: '录音不清',
      [`comment-${fids[0]}`]: '录音里是来电人说的',
    });
    expect(saved.statusCode).toBe(303);
    const next = /^\/calls\/([0-9a-f]{40})\?(.*)$/.exec(String(saved.headers.location))!;
    expect(next[1]).not.toBe(call);
    expect(next[2]).toBe(`${filter}&saved=five-01`);
    const {
      rows: [nextRow],
    } = await w.services.db.query('SELECT review_status, line FROM reports WHERE recording_id = $1', [next[1]]);
    expect(nextRow).toEqual({ review_status: 'pending', line: '婚姻登记' });
    expect((await decided()).map((d) => [d.finding_id, d.decision, d.reason, d.comment])).toEqual([
      [fids[0], 'dismissed', '录音不清', '录音里是来电人说的'],
      ...fids.slice(1).map((f) => [f, 'confirmed', null, null]),
    ]);
    const {
      rows: [report],
    } = await w.services.db.query('SELECT score, reviewed_score, review_status FROM reports WHERE recording_id = $1', [call]);
    expect(report.review_status).toBe('confirmed');
    expect(report.reviewed_score).toBe(report.score + 10); // one banned phrase (10 points per hit) no longer deducts
    expect((await supervisor.get(String(saved.headers.location))).body).toContain('已保存通话 five-01 的复核结论');

    // The queue names banned phrases with their wording; a retired reason is no longer offered.
    expect((await supervisor.get('/?rule=B06')).body).toContain('B06 下班了，明天再来');
    const list = await supervisor.get('/settings/dismiss-reasons');
    const {
      rows: [reason],
    } = await w.services.db.query("SELECT id FROM dismiss_reasons WHERE label = '录音不清'");
    expect((await supervisor.post(`/settings/dismiss-reasons/${reason.id}/retire`, { _csrf: csrfOf(list.body) })).statusCode).toBe(303);
    expect((await supervisor.get(`/calls/${call}`)).body).not.toContain('录音不清</option>');
  });

  it('agents see only their own calls, appeal a confirmed finding once; a supervisor overturns it and it stops deducting', async () => {
    const agent = new Client(w.app);
    await agent.login(w.users.agent);
    const call = id('five-findings.wav'); // A031, decided in the test above: one finding dismissed, four confirmed
    // Nothing of other agents: the queue lists A031's calls only, no lists of agents or lines; other calls are refused.
    const queue = await agent.get('/');
    const agents = [...queue.body.matchAll(/\n<td>(A\d+|—)<\/td><td>/g)].map((m) => m[1]);
    expect(agents.length).toBeGreaterThan(0);
    expect(new Set(agents)).toEqual(new Set(['A031']));
    expect(queue.body).not.toContain('A099');
    expect(queue.body).not.toContain('<datalist id="agents"><option');
    for (const url of [
      `/calls/${id('privacy.wav')}`,
      `/calls/${id('privacy.wav')}/transcript.txt`,
      `/calls/${id('privacy.wav')}/audio`,
      '/stats',
      '/settings/sampling',
      '/rules',
      '/admin/failed',
    ]) {
      expect((await agent.get(url)).statusCode, url).toBe(403);
    }
    const page = await agent.get(`/calls/${call}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('id="review"'); // no decision form
    expect((await agent.post(`/calls/${call}/review`, { _csrf: csrfOf(page.body), all: 'confirmed' })).statusCode).toBe(403);
    const { rows: findings } = await w.services.db.query(
      `SELECT f.id, (SELECT d.decision FROM review_decisions d WHERE d.finding_id = f.id AND d.decision <> 'comment' ORDER BY d.id DESC LIMIT 1) AS current
       FROM findings f JOIN reports r ON r.recording_id = f.recording_id AND r.ruleset_version = f.ruleset_version WHERE f.recording_id = $1 ORDER BY f.start_sec`,
      [call],
    );
    const confirmed = findings.filter((f) => f.current === 'confirmed').map((f) => String(f.id));
    const dismissed = findings.filter((f) => f.current === 'dismissed').map((f) => String(f.id));
    expect(confirmed).toHaveLength(4);
    expect([...page.body.matchAll(/findings\/(\d+)\/appeal/g)].map((m) => m[1])).toEqual(confirmed);
    // A dismissed finding cannot be appealed; a confirmed one once.
    const notConfirmed = await agent.post(`/calls/${call}/findings/${dismissed[0]}/appeal`, { _csrf: csrfOf(page.body), reason: '我没说' });
    expect(notConfirmed.statusCode).toBe(400);
    expect(notConfirmed.body).toContain('只能对已确认的发现申诉');
    const filed = await agent.post(`/calls/${call}/findings/${confirmed[0]}/appeal`, {
      _csrf: csrfOf(page.body),
      reason: '那句是来电人说的',
    });
    expect(filed.statusCode).toBe(303);
    // The supervisors are told by e-mail (SMTP configured for this workspace).
    const filedMail = await waitFor('appeal e-mail', async () => smtp.received.find((m) => m.to.includes(SUPERVISORS)), 15_000);
    expect(filedMail.to).toEqual([SUPERVISORS]);
    expect(subjectOf(filedMail.data)).toMatch(/^\[callqa\] 新申诉 #\d+：通话 /);
    expect(bodyOf(filedMail.data)).toContain('申诉理由：那句是来电人说的');
    const twice = await agent.post(`/calls/${call}/findings/${confirmed[0]}/appeal`, { _csrf: csrfOf(page.body), reason: '再申诉' });
    expect(twice.body).toContain('每条发现只能申诉一次');
    // Past WEB_APPEAL_DAYS (7 here) after its confirmation, a finding can no longer be appealed: no form, and a
    // posted appeal is refused with the window in the message and nothing filed. The decisions are append-only,
    // so the workspace's clock moves 8 days on instead (only Date: timers and the database keep real time).
    const late = confirmed[1]!;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 8 * 86_400_000);
      const latePage = await agent.get(`/calls/${call}`);
      expect([...latePage.body.matchAll(/findings\/(\d+)\/appeal/g)].map((m) => m[1])).not.toContain(late);
      const tooLate = await agent.post(`/calls/${call}/findings/${late}/appeal`, {
        _csrf: csrfOf(latePage.body),
        reason: '那句不是我说的',
      });
      expect(tooLate.statusCode).toBe(400);
      expect(tooLate.body).toContain('已超过申诉期限');
      expect(tooLate.body).toContain('发现确认后 7 天内可申诉');
    } finally {
      vi.useRealTimers();
    }
    expect((await w.services.db.query('SELECT 1 FROM appeals WHERE finding_id = $1', [late])).rowCount).toBe(0);
    // On the day itself the same finding offers the form: the limit is the confirmation's age.
    expect([...(await agent.get(`/calls/${call}`)).body.matchAll(/findings\/(\d+)\/appeal/g)].map((m) => m[1])).toContain(late);

    const {
      rows: [before],
    } = await w.services.db.query('SELECT reviewed_score FROM reports WHERE recording_id = $1', [call]);
    const statsBefore = await computeMonthlyStats(w.services.db, parseMonth('2026-11'), 'Asia/Shanghai', maskText);
    // The supervisor sees it pending (also as a notice on the queue) and overturns it.
    expect((await supervisor.get('/')).body).toContain('有 1 条申诉待处理');
    const appeals = await supervisor.get('/appeals');
    expect(appeals.body).toContain('<strong id="pending-appeals">1</strong>');
    expect(appeals.body).toContain('那句是来电人说的');
    const aid = /action="\/appeals\/(\d+)\/decision"/.exec(appeals.body)![1]!;
    expect(
      (await officer.post(`/appeals/${aid}/decision`, { _csrf: csrfOf((await officer.get('/')).body), outcome: 'overturned' })).statusCode,
    ).toBe(403);
    expect(
      (
        await supervisor.post(`/appeals/${aid}/decision`, {
          _csrf: csrfOf(appeals.body),
          outcome: 'overturned',
          note: '录音核实为来电人所说',
        })
      ).headers.location,
    ).toBe('/appeals?notice=decided');
    const decidedMail = await waitFor('decision e-mail', async () => smtp.received.find((m) => m.to.includes(AGENT_EMAIL)), 15_000);
    expect(subjectOf(decidedMail.data)).toBe(`[callqa] 申诉 #${aid} 已处理：已改判（驳回该发现）`);
    expect((await supervisor.post(`/appeals/${aid}/decision`, { _csrf: csrfOf(appeals.body), outcome: 'upheld' })).headers.location).toBe(
      '/appeals?notice=gone',
    );
    const {
      rows: [after],
    } = await w.services.db.query('SELECT reviewed_score FROM reports WHERE recording_id = $1', [call]);
    expect(after.reviewed_score).toBe(before.reviewed_score + 10); // the banned phrase no longer deducts
    const { rows: history } = await w.services.db.query(
      'SELECT decision, reason, comment, reviewer FROM review_decisions WHERE finding_id = $1 ORDER BY id',
      [confirmed[0]],
    );
    expect(history.slice(-2)).toEqual([
      { decision: 'comment', reason: null, comment: '坐席申诉：那句是来电人说的', reviewer: w.users.agent },
      { decision: 'dismissed', reason: '申诉改判', comment: '录音核实为来电人所说', reviewer: w.users.supervisor },
    ]);
    // The statistics count it as dismissed.
    const statsAfter = await computeMonthlyStats(w.services.db, parseMonth('2026-11'), 'Asia/Shanghai', maskText);
    const banned = (s: typeof statsAfter) => s.rules.find((r) => r.ruleId === 'banned_phrase')!;
    expect([banned(statsAfter).confirmed, banned(statsAfter).dismissed]).toEqual([
      banned(statsBefore).confirmed - 1,
      banned(statsBefore).dismissed + 1,
    ]);
    // The agent sees the outcome on the appeals page and the call page.
    expect((await agent.get('/appeals')).body).toContain('已改判（驳回该发现）');
    expect((await agent.get(`/calls/${call}`)).body).toContain('那句是来电人说的 — <strong>已改判（驳回该发现）</strong>');
  });

  it('samples unflagged calls into the queue marked 抽检, reviewed as a whole with missed-finding entries', async () => {
    expect((await officer.get('/settings/sampling')).statusCode).toBe(403);
    const settings = await supervisor.get('/settings/sampling');
    for (const line of ['12345 政务热线', '婚姻登记']) {
      expect(
        (await supervisor.post('/settings/sampling', { _csrf: csrfOf(settings.body), scope: 'line', key: line, percent: '100' }))
          .statusCode,
      ).toBe(303);
    }
    const { rows: unflagged } = await w.services.db.query(
      "SELECT recording_id FROM reports WHERE NOT flagged AND review_status = 'none' ORDER BY recording_id",
    );
    expect(unflagged.length).toBeGreaterThan(0);
    const drawn = await supervisor.post('/settings/sampling/draw', { _csrf: csrfOf(settings.body), date: '2026-11-28' });
    expect(drawn.headers.location).toBe(`/settings/sampling?notice=drawn&n=${unflagged.length}`);
    const { rows: sampled } = await w.services.db.query(
      'SELECT recording_id, review_status FROM reports WHERE sampled ORDER BY recording_id',
    );
    expect(sampled).toEqual(unflagged.map((u) => ({ recording_id: u.recording_id, review_status: 'pending' })));
    // Drawing the day again draws nobody twice.
    expect((await supervisor.post('/settings/sampling/draw', { _csrf: csrfOf(settings.body), date: '2026-11-28' })).headers.location).toBe(
      '/settings/sampling?notice=drawn&n=0',
    );

    const call = sampled[0].recording_id as string;
    const queue = await supervisor.get('/?status=pending');
    expect(queue.body).toMatch(new RegExp(`/calls/${call}[^]*?<span class="sampled">抽检</span>`));
    const page = await supervisor.get(`/calls/${call}?status=pending`);
    expect(page.body).toContain('整通复核');
    expect(page.body).toContain('漏检记录（抽检）');
    const added = await supervisor.post(`/calls/${call}/missed-findings`, {
      _csrf: csrfOf(page.body),
      back: 'status=pending',
      rule: 'polite_language',
      start: '12.5',
      note: '没有说再见',
    });
    expect(added.headers.location).toBe(`/calls/${call}?status=pending&notice=missed-saved#missed`);
    const bad = await supervisor.post(`/calls/${call}/missed-findings`, { _csrf: csrfOf(page.body), rule: 'no_such_rule', start: '1' });
    expect(bad.headers.location).toContain('notice=missed-invalid');
    const decided = await supervisor.post(`/calls/${call}/decisions`, {
      _csrf: csrfOf(page.body),
      decision: 'confirmed',
      comment: '结束语缺失',
    });
    expect(decided.statusCode).toBe(303);
    const shown = await supervisor.get(`/calls/${call}`);
    expect(shown.body).toContain('文明用语（迎声、送声）</strong> @');
    expect(shown.body).toContain('没有说再见');
    const { rows: missed } = await w.services.db.query('SELECT rule_id, start_sec, note FROM missed_findings WHERE recording_id = $1', [
      call,
    ]);
    expect(missed).toEqual([{ rule_id: 'polite_language', start_sec: 12.5, note: '没有说再见' }]);
    const {
      rows: [after],
    } = await w.services.db.query('SELECT review_status FROM reports WHERE recording_id = $1', [call]);
    expect(after.review_status).toBe('confirmed');
    // A call the rules flagged is not a sample: no missed-finding entry on it.
    const flagged = id('call-03-banned-phrases.wav');
    const refused = await supervisor.post(`/calls/${flagged}/missed-findings`, {
      _csrf: csrfOf(page.body),
      rule: 'polite_language',
      start: '1',
    });
    expect(refused.headers.location).toContain('notice=not-sampled');
    expect((await w.services.db.query('SELECT count(*)::int AS n FROM missed_findings WHERE recording_id = $1', [flagged])).rows[0].n).toBe(
      0,
    );
  });

  it('offers a channel choice for stereo calls only, and says so when a recording is missing', async () => {
    const stereo = await supervisor.get(`/calls/${id('call-03-banned-phrases.wav')}`);
    expect(stereo.body).toContain('<select id="channels">');
    const mono = await supervisor.get(`/calls/${id('call-06-banned-phrases.amr')}`);
    expect(mono.body).not.toContain('id="channels"');
    expect(mono.body).toContain('单声道录音');
    for (const label of ['1×', '1.25×', '1.5×', '2×']) expect(mono.body).toContain(`>${label}</option>`);
    expect(mono.body).toContain('id="skip-silence"');
    const missing = id('call-04-no-consent.wav');
    await w.services.storage.remove(w.t.config.s3.recordingsBucket, [`${NIGHT}call-04-no-consent.wav`]);
    const page = await supervisor.get(`/calls/${missing}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('录音文件缺失：对象存储里找不到这通通话的录音');
    expect(page.body).not.toContain('<audio');
    expect((await supervisor.get(`/calls/${missing}/audio`, { accept: '*/*' })).statusCode).toBe(404);
  });

  it('rate-limits sign-in per IP and locks an account after repeated failures', async () => {
    const c = new Client(w.app, '10.9.8.7');
    const page = await c.get('/login');
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      codes.push((await c.post('/login', { _csrf: csrfOf(page.body), username: `nobody-${i}`, password: 'wrong password' })).statusCode);
    }
    expect(codes.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    const victim = new Client(w.app, '10.9.8.8');
    const p2 = await victim.get('/login');
    for (let i = 0; i < 5; i++)
      await victim.post('/login', { _csrf: csrfOf(p2.body), username: w.users.officer2, password: 'wrong password' });
    const locked = await victim.post('/login', { _csrf: csrfOf(p2.body), username: w.users.officer2, password: PASSWORD });
    expect(locked.statusCode).toBe(401);
    expect(locked.body).toContain('锁定');
  });

  it('signs out, ending the session', async () => {
    const c = new Client(w.app);
    await c.login(w.users.admin);
    const page = await c.get('/');
    const token = c.jar.get('callqa_session')!;
    expect((await c.post('/logout', { _csrf: csrfOf(page.body) })).statusCode).toBe(303);
    const stale = new Client(w.app);
    stale.jar.set('callqa_session', token);
    expect((await stale.get('/', { accept: '*/*' })).statusCode).toBe(401);
  });
});
