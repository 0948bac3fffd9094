/**
 * The review workspace against the tester's findings (Fastify inject, real PostgreSQL/Redis/s3rver and the
 * real pipeline's reports): searches that could reveal masked numbers, sign-in lock-out and rate limits,
 * malformed input, CSRF tokens bound to the session, notice codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, csrfOf, PASSWORD, PHONE, startWebEnv, type WebEnv } from '../support/web.js';

/** The call ids a queue page lists, in order. */
const listed = (html: string) => [...html.matchAll(/<a href="\/calls\/([0-9a-f]{40})">/g)].map((m) => m[1]);
const total = (html: string) => /共 (\d+) 条/.exec(html)?.[1];

describe('review workspace hardening', () => {
  let w: WebEnv;
  let officer: Client;
  let supervisor: Client;

  beforeAll(async () => {
    w = await startWebEnv('hard');
    officer = new Client(w.app);
    supervisor = new Client(w.app);
    await officer.login(w.users.officer);
    await supervisor.login(w.users.supervisor);
  }, 240_000);

  afterAll(async () => {
    await w?.close();
  });

  it('does not let masked roles confirm or reveal masked digits by searching the transcripts', async () => {
    // Supervisors see numbers, so they may search by them.
    const s = await supervisor.get(`/?q=${PHONE}`);
    expect(total(s.body)).toBe('1');
    expect(s.body).toContain('privacy-01');
    // For an officer the right and a wrong number give the same page: the search is left out, with a notice.
    const right = await officer.get(`/?q=${PHONE}`);
    const wrong = await officer.get('/?q=13812345679');
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('不能按号码搜索');
    expect(listed(right.body)).toEqual(listed(wrong.body));
    expect(total(right.body)).toBe(total(wrong.body));
    expect(Number(total(right.body))).toBeGreaterThan(1);
    // Digit-by-digit prefixes, Chinese numerals and a digit at the edge of the query are all left out.
    for (const q of ['1381', '8123', '号是1381', '是1', '一三八', '号是一']) {
      const res = await officer.get(`/?q=${encodeURIComponent(q)}`);
      expect(res.body, q).toContain('不能按号码搜索');
      expect(total(res.body), q).toBe(total(right.body));
    }
    // Text without digits, or with a lone digit between other characters, is searched as before.
    const text = await officer.get(`/?q=${encodeURIComponent('身份证号')}`);
    expect(text.body).not.toContain('不能按号码搜索');
    expect(total(text.body)).toBe('1');
    expect(text.body).toContain('privacy-01');
    const lone = await officer.get(`/?q=${encodeURIComponent('下午3点')}`);
    expect(lone.body).not.toContain('不能按号码搜索');
    expect(total(lone.body)).toBe('0');
  });

  it('shows only fixed notices chosen by code, never text from the URL', async () => {
    const spoof = '系统通知：您的密码已过期，请致电 010-12345678 重置';
    const page = await officer.get(`/?notice=${encodeURIComponent(spoof)}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('密码已过期');
    expect(page.body).not.toContain('<p role="status">');
    const { rows } = await w.services.db.query('SELECT id, display_name FROM users WHERE username = $1', [w.users.officer]);
    const assigned = await supervisor.get(`/?notice=assigned&n=2&uid=${rows[0].id}`);
    expect(assigned.body).toContain(`<p role="status">已将 2 条通话分配给 ${rows[0].display_name}。</p>`);
    const odd = await supervisor.get(`/?notice=evenly&n=${encodeURIComponent('2 条；请致电')}&k=1`);
    expect(odd.body).toContain('<p role="status">已平均分配 0 条通话给 1 名质检员。</p>');
    expect((await supervisor.get('/?notice=__proto__')).body).not.toContain('<p role="status">');
  });

  it('answers malformed dates, cursors and NUL bytes with 4xx and a Chinese message, never 500', async () => {
    for (const [url, field] of [
      ['/?from=2026-02-30', '开始日期'],
      ['/?to=0000-01-01', '结束日期'],
      ['/?from=2026-13-01&to=2026-11-31', '开始日期、结束日期'],
    ] as const) {
      const res = await officer.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain(`以下筛选条件无效，已忽略：${field}`);
    }
    const hex = w.ids.get('privacy.wav')!;
    for (const time of ['1', '2026-02-30', '0000-01-01T00:00:00.000Z', '2026-11-28']) {
      const cursor = Buffer.from(JSON.stringify([1, time, hex])).toString('base64url');
      const res = await officer.get(`/?after=${cursor}`);
      expect(res.statusCode, time).toBe(400);
      expect(res.body, time).toContain('翻页位置无效');
    }
    expect((await officer.get('/?after=%%%')).statusCode).toBe(400);
    for (const field of ['q', 'agent', 'line', 'notice']) {
      const res = await officer.get(`/?${field}=a%00b`);
      expect(res.statusCode, field).toBe(400);
      expect(res.body, field).toContain('无效字符');
    }
    // A comment with a NUL byte is refused and nothing is recorded.
    const call = w.ids.get('call-06-banned-phrases.amr')!;
    const page = await officer.get(`/calls/${call}`);
    const fid = /data-finding="(\d+)"/.exec(page.body)![1]!;
    const comment = await officer.post(`/calls/${call}/findings/${fid}/decisions`, {
      _csrf: csrfOf(page.body),
      decision: 'comment',
      comment: 'a\u0000b',
    });
    expect(comment.statusCode).toBe(400);
    const whole = await officer.post(`/calls/${call}/decisions`, { _csrf: csrfOf(page.body), decision: 'comment', comment: 'a\u0000b' });
    expect(whole.statusCode).toBe(400);
    const { rows: decided } = await w.services.db.query('SELECT count(*)::int AS n FROM review_decisions WHERE finding_id = $1', [fid]);
    expect(decided[0].n).toBe(0);
  });

  it('refuses a user name with a NUL byte at sign-in, and still records the attempt', async () => {
    const c = new Client(w.app, '10.7.7.1');
    const page = await c.get('/login');
    const res = await c.post('/login', { _csrf: csrfOf(page.body), username: `${w.users.officer}\u0000`, password: 'wrong password' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('无效字符');
    const { rows } = await w.services.db.query('SELECT username, succeeded FROM login_attempts WHERE ip = $1', ['10.7.7.1']);
    expect(rows).toEqual([{ username: `${w.users.officer}\ufffd`, succeeded: false }]);
  });

  it('answers a sign-in field or paging cursor sent twice as a malformed one (400), not as a missing one', async () => {
    const c = new Client(w.app, '10.7.7.2');
    const page = await c.get('/login');
    const res = await c.post('/login', { _csrf: csrfOf(page.body), username: [w.users.officer, w.users.officer], password: PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('无效字符');
    expect(res.headers['set-cookie'] ?? '').not.toContain('callqa_session=');
    const cursor = await officer.get('/?after=x&after=y');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.body).toContain('翻页位置无效');
  });

  it("binds CSRF tokens to the session: not after sign-out, not with another user's session, only in the form field", async () => {
    const call = w.ids.get('call-04-no-consent.wav')!;
    const { rows } = await w.services.db.query('SELECT id FROM findings WHERE recording_id = $1 ORDER BY id LIMIT 1', [call]);
    const url = `/calls/${call}/findings/${rows[0].id}/decisions`;
    const comments = async () =>
      (await w.services.db.query(`SELECT count(*)::int AS n FROM review_decisions WHERE finding_id = $1`, [rows[0].id])).rows[0]
        .n as number;
    // A token from before sign-out does not work in the next session of the same browser.
    const a = new Client(w.app);
    await a.login(w.users.officer);
    const old = csrfOf((await a.get(`/calls/${call}`)).body);
    expect((await a.post('/logout', { _csrf: old })).statusCode).toBe(303);
    await a.login(w.users.officer);
    expect((await a.post(url, { _csrf: old, decision: 'comment', comment: 'stale token' })).statusCode).toBe(403);
    // Another user's token with the same CSRF secret cookie (cookie tossing) does not work either.
    const b = new Client(w.app);
    b.jar.set('_csrf', a.jar.get('_csrf')!);
    await b.login(w.users.officer2);
    expect(b.jar.get('_csrf')).toBe(a.jar.get('_csrf'));
    const aToken = csrfOf((await a.get(`/calls/${call}`)).body);
    expect((await b.post(url, { _csrf: aToken, decision: 'comment', comment: 'foreign token' })).statusCode).toBe(403);
    // Only the form field counts: the token in a header is not read.
    const viaHeader = await w.app.inject({
      method: 'POST',
      url,
      payload: 'decision=comment&comment=header',
      headers: {
        cookie: [...a.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        'x-csrf-token': aToken,
      },
    });
    expect(viaHeader.statusCode).toBe(403);
    expect(await comments()).toBe(0);
    // The right token in its own session works.
    expect((await a.post(url, { _csrf: aToken, decision: 'comment', comment: 'own token' })).statusCode).toBe(303);
    expect(await comments()).toBe(1);
  });

  /** One sign-in attempt from `ip`: its status code and whether the page says the account is locked. */
  const attempt = async (ip: string, username: string, password: string) => {
    const c = new Client(w.app, ip);
    const page = await c.get('/login');
    const res = await c.post('/login', { _csrf: csrfOf(page.body), username, password });
    return { status: res.statusCode, locked: res.body.includes('锁定') };
  };

  it('locks an account per address: an attacker elsewhere cannot lock the real user out, and locked attempts do not extend the lock', async () => {
    const victim = w.users.officer2;
    for (let i = 0; i < 5; i++) expect((await attempt('10.1.1.1', victim, 'wrong password')).status).toBe(401);
    // The attacker's address is locked, even with the right password…
    expect(await attempt('10.1.1.1', victim, PASSWORD)).toEqual({ status: 401, locked: true });
    // …and the real user's own address is not.
    expect((await attempt('10.1.1.2', victim, PASSWORD)).status).toBe(303);
    // Attempts while locked are refused without counting: once the 5 failures age out, the lock is over.
    for (let i = 0; i < 6; i++) expect((await attempt('10.1.1.3', victim, 'wrong password')).status).toBe(401);
    const { rows } = await w.services.db.query('SELECT count(*)::int AS n FROM login_attempts WHERE ip = $1', ['10.1.1.3']);
    expect(rows[0].n).toBe(5);
    await w.services.db.query(`UPDATE login_attempts SET at = at - interval '16 minutes' WHERE ip = $1`, ['10.1.1.3']);
    expect((await attempt('10.1.1.3', victim, PASSWORD)).status).toBe(303);
  });

  it('bounds failures on one account from many addresses, keeping the addresses it is used from', async () => {
    const account = w.users.admin;
    expect((await attempt('10.4.4.4', account, PASSWORD)).status).toBe(303);
    for (let i = 0; i < 50; i++) expect((await attempt(`10.5.0.${i + 1}`, account, 'wrong password')).status).toBe(401);
    expect(await attempt('10.6.6.6', account, PASSWORD)).toEqual({ status: 401, locked: true });
    expect((await attempt('10.4.4.4', account, PASSWORD)).status).toBe(303);
  }, 60_000);

  it('counts only failed sign-ins toward the per-address limit: a centre behind one address signs in', async () => {
    const names = [w.users.officer, w.users.officer2, w.users.supervisor];
    for (let i = 0; i < 15; i++) expect((await attempt('10.2.2.2', names[i % 3]!, PASSWORD)).status, `sign-in ${i + 1}`).toBe(303);
    for (let i = 0; i < 10; i++) expect((await attempt('10.2.2.2', `nobody-${i}`, 'wrong password')).status).toBe(401);
    const limited = new Client(w.app, '10.2.2.2');
    const page = await limited.get('/login');
    const res = await limited.post('/login', { _csrf: csrfOf(page.body), username: w.users.officer, password: PASSWORD });
    expect(res.statusCode).toBe(429);
    expect(res.body).toContain('秒后再试');
  }, 60_000);
});
