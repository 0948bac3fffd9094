/**
 * Appeal e-mails against a real SMTP server (smtp-server, on a loopback port, with authentication) and real
 * PostgreSQL: the supervisors get the filing, the agent (their account's address) the decision, with the
 * right recipients and subjects; a mail server that is down fails nothing and logs no password; without
 * SMTP settings nothing is sent.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { dropDatabase, openDatabase, type Pool } from '../../infra/db/pool.js';
import { pino } from 'pino';
import { createUser } from '../../web/accounts.js';
import { createAppealNotifier, type AppealNotice } from '../../web/appeal-notifications.js';
import { testDatabaseUrl } from '../support/integration.js';
import { bodyOf, startTestSmtpServer, subjectOf, type ReceivedMail, type TestSmtpServer } from '../support/mail.js';

const PASSWORD = 'smtp-pass-7f3a9c';
const APPEAL: AppealNotice = {
  id: 41,
  callId: 'demo-03',
  recordingId: 'a'.repeat(40),
  ruleId: 'banned_phrase',
  appellant: 'zhang.agent',
  reason: '那句是来电人说的',
};

describe('appeal e-mail notifications', () => {
  const dbUrl = testDatabaseUrl('appeal_mail');
  let db: Pool;
  let smtp: TestSmtpServer;
  let port: number;
  let received: ReceivedMail[];

  beforeAll(async () => {
    db = await openDatabase(dbUrl);
    await createUser(db, {
      username: 'zhang.agent',
      role: 'agent',
      agentId: 'A031',
      password: 'a long enough password',
      email: 'zhang@centre.example',
    });
    smtp = await startTestSmtpServer({ user: 'callqa', password: PASSWORD });
    port = smtp.port;
    received = smtp.received;
  });

  afterAll(async () => {
    await smtp?.close();
    await db?.end();
    await dropDatabase(dbUrl);
  });

  function capturingLog() {
    const lines: string[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    return { log, lines };
  }

  it('sends the filing to the supervisors and the decision to the agent, with their subjects', async () => {
    const config = loadConfig({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(port),
      SMTP_USER: 'callqa',
      SMTP_PASSWORD: PASSWORD,
      SMTP_FROM: 'callqa@centre.example',
      APPEAL_NOTIFY_TO: 'li.supervisor@centre.example, wang.supervisor@centre.example',
    });
    const { log, lines } = capturingLog();
    const notifier = createAppealNotifier(config, db, log);
    expect(notifier.enabled).toBe(true);
    try {
      expect(await notifier.appealFiled(APPEAL)).toBe(true);
      expect(await notifier.appealDecided(APPEAL, 'overturned', '录音核实为来电人所说')).toBe(true);
    } finally {
      notifier.close();
    }
    expect(received.map((m) => ({ from: m.from, to: m.to, subject: subjectOf(m.data) }))).toEqual([
      {
        from: 'callqa@centre.example',
        to: ['li.supervisor@centre.example', 'wang.supervisor@centre.example'],
        subject: '[callqa] 新申诉 #41：通话 demo-03（banned_phrase）',
      },
      { from: 'callqa@centre.example', to: ['zhang@centre.example'], subject: '[callqa] 申诉 #41 已处理：已改判（驳回该发现）' },
    ]);
    expect(bodyOf(received[0]!.data)).toContain('申诉理由：那句是来电人说的');
    expect(bodyOf(received[1]!.data)).toContain('说明：录音核实为来电人所说');
    expect(lines.join('')).not.toContain(PASSWORD);
  });

  it('an agent without an address gets nothing, and a mail server that is down fails nothing and logs no password', async () => {
    const before = received.length;
    const down = loadConfig({
      SMTP_URL: `smtp://callqa:${PASSWORD}@127.0.0.1:1`,
      SMTP_FROM: 'callqa@centre.example',
      APPEAL_NOTIFY_TO: 'li.supervisor@centre.example',
    });
    const { log, lines } = capturingLog();
    const notifier = createAppealNotifier(down, db, log);
    expect(await notifier.appealFiled(APPEAL)).toBe(false);
    expect(await notifier.appealDecided({ ...APPEAL, appellant: 'nobody' }, 'upheld', '')).toBe(false);
    notifier.close();
    expect(lines.join('')).toContain('appeal e-mail failed');
    expect(lines.join('')).toContain('no recipient address');
    expect(lines.join('')).not.toContain(PASSWORD);
    expect(received.length).toBe(before);
  });

  it('is off without SMTP settings, and SMTP_FROM is required with them', async () => {
    const notifier = createAppealNotifier(loadConfig({ APPEAL_NOTIFY_TO: 'li.supervisor@centre.example' }), db, capturingLog().log);
    expect(notifier.enabled).toBe(false);
    expect(await notifier.appealFiled(APPEAL)).toBe(false);
    expect(() => loadConfig({ SMTP_HOST: '127.0.0.1' })).toThrow(/SMTP_FROM/);
  });
});
