/**
 * Appeal e-mails against a real SMTP server (smtp-server, on a loopback port, with authentication) and real
 * PostgreSQL: the supervisors get the filing, the agent (their account's address) the decision, with the
 * right recipients and subjects; a mail server that is down fails nothing and logs no password; without
 * SMTP settings nothing is sent.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { dropDatabase, openDatabase, type Pool } from '../../infra/database.js';
import { pino } from 'pino';
import { createUser } from '../../web/accounts.js';
import { createAppealNotifier, type AppealNotice } from '../../web/appeal-notifications.js';
import { testDatabaseUrl } from '../support/integration.js';

interface Received {
  from: string;
  to: string[];
  data: string;
}

const PASSWORD = 'smtp-pass-7f3a9c';
const APPEAL: AppealNotice = { id: 41, callId: 'demo-03', recordingId: 'a'.repeat(40), ruleId: 'banned_phrase', appellant: 'zhang.agent', reason: '那句是来电人说的' };

describe('appeal e-mail notifications', () => {
  const dbUrl = testDatabaseUrl('appeal_mail');
  let db: Pool;
  let server: SMTPServer;
  let port: number;
  const received: Received[] = [];

  beforeAll(async () => {
    db = await openDatabase(dbUrl);
    await createUser(db, { username: 'zhang.agent', role: 'agent', agentId: 'A031', password: 'a long enough password', email: 'zhang@centre.example' });
    server = new SMTPServer({
      authOptional: false,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, callback) {
        if (auth.username === 'callqa' && auth.password === PASSWORD) callback(null, { user: 'callqa' });
        else callback(new Error('bad credentials'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await db?.end();
    await dropDatabase(dbUrl);
  });

  function capturingLog() {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }));
    return { log, lines };
  }

  /** The decoded Subject header of a received message (nodemailer encodes non-ASCII subjects as RFC 2047 words). */
  function subjectOf(data: string): string {
    const header = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(data)![1]!;
    return header.replace(/\r\n[ \t]/g, ' ').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
  }

  /** The text body of a received message (nodemailer sends UTF-8 text as quoted-printable or base64, whichever is shorter). */
  function bodyOf(data: string): string {
    const split = data.indexOf('\r\n\r\n');
    const body = data.slice(split + 4);
    if (/^Content-Transfer-Encoding: base64/im.test(data.slice(0, split))) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }

  it('sends the filing to the supervisors and the decision to the agent, with their subjects', async () => {
    const config = loadConfig({
      SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_USER: 'callqa', SMTP_PASSWORD: PASSWORD, SMTP_FROM: 'callqa@centre.example',
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
      { from: 'callqa@centre.example', to: ['li.supervisor@centre.example', 'wang.supervisor@centre.example'], subject: '[callqa] 新申诉 #41：通话 demo-03（banned_phrase）' },
      { from: 'callqa@centre.example', to: ['zhang@centre.example'], subject: '[callqa] 申诉 #41 已处理：已改判（驳回该发现）' },
    ]);
    expect(bodyOf(received[0]!.data)).toContain('申诉理由：那句是来电人说的');
    expect(bodyOf(received[1]!.data)).toContain('说明：录音核实为来电人所说');
    expect(lines.join('')).not.toContain(PASSWORD);
  });

  it('an agent without an address gets nothing, and a mail server that is down fails nothing and logs no password', async () => {
    const before = received.length;
    const down = loadConfig({ SMTP_URL: `smtp://callqa:${PASSWORD}@127.0.0.1:1`, SMTP_FROM: 'callqa@centre.example', APPEAL_NOTIFY_TO: 'li.supervisor@centre.example' });
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
