/**
 * The review workspace against the tester's findings (Fastify inject, real PostgreSQL/Redis/s3rver and the
 * real pipeline's reports): searches that could reveal masked numbers, sign-in lock-out and rate limits,
 * malformed input, CSRF tokens bound to the session, notice codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, PHONE, startWebEnv, type WebEnv } from '../support/web.js';

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
    const assigned = await supervisor.get(`/?notice=assigned&n=2&to=${rows[0].id}`);
    expect(assigned.body).toContain(`<p role="status">已将 2 条通话分配给 ${rows[0].display_name}。</p>`);
    const odd = await supervisor.get(`/?notice=evenly&n=${encodeURIComponent('2 条；请致电')}&k=1`);
    expect(odd.body).toContain('<p role="status">已平均分配 0 条通话给 1 名质检员。</p>');
    expect((await supervisor.get('/?notice=__proto__')).body).not.toContain('<p role="status">');
  });
});
