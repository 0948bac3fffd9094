/**
 * Appeal e-mail notifications (issue 12), optional: with SMTP configured (SMTP_URL, or SMTP_HOST/PORT/USER/
 * PASSWORD; SMTP_FROM), the supervisors in APPEAL_NOTIFY_TO get an e-mail when an agent files an appeal, and
 * the agent (the appealing account's e-mail, `callqa users add --email`) when it is decided. Sent through
 * nodemailer after the appeal is saved and never awaited by the request: a failed send is logged (without
 * the password) and never fails the appeal. Without SMTP settings, nothing is sent.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../infra/config.js';
import type { Pool } from '../infra/db/pool.js';
import type { Logger } from '../infra/logger.js';
import type { Appeal } from '../infra/db/appeals-repository.js';
import { emailOfUser } from '../infra/db/accounts-repository.js';

/** What a notification says about an appeal (see web/appeals-data.ts). */
export type AppealNotice = Pick<Appeal, 'id' | 'callId' | 'recordingId' | 'ruleId' | 'appellant' | 'reason'>;

/** Sends the appeal e-mails; every method resolves (failures are logged), returning whether a message went out. */
export interface AppealNotifier {
  /** Whether SMTP is configured. */
  readonly enabled: boolean;
  /** Tells the supervisors (APPEAL_NOTIFY_TO) of a new appeal. */
  appealFiled(appeal: AppealNotice): Promise<boolean>;
  /** Tells the appealing agent (their account's e-mail, when set) the outcome. */
  appealDecided(appeal: AppealNotice, outcome: 'upheld' | 'overturned', note: string): Promise<boolean>;
  close(): void;
}

const OUTCOME_WORDS = { upheld: '维持原判（发现有效）', overturned: '已改判（驳回该发现）' } as const;

function transportOf(smtp: NonNullable<Config['smtp']>): Transporter {
  if (smtp.url) return nodemailer.createTransport(smtp.url);
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
  });
}

/**
 * Makes the notifier from the configuration; a no-op one when SMTP is not configured. `db` is read for the
 * agent's address (users.email).
 */
export function createAppealNotifier(config: Config, db: Pool, log: Logger): AppealNotifier {
  const smtp = config.smtp;
  if (!smtp) {
    return { enabled: false, appealFiled: async () => false, appealDecided: async () => false, close() {} };
  }
  const transport = transportOf(smtp);
  const secrets = [smtp.password, smtp.url].filter((s): s is string => !!s);
  const clean = (message: string) => secrets.reduce((m, s) => m.split(s).join('[redacted]'), message);

  async function send(kind: string, appeal: AppealNotice, to: string[], subject: string, text: string): Promise<boolean> {
    if (to.length === 0) {
      log.info({ kind, appealId: appeal.id }, 'appeal e-mail not sent: no recipient address');
      return false;
    }
    try {
      await transport.sendMail({ from: smtp!.from, to, subject, text });
      log.info({ kind, appealId: appeal.id, recipients: to.length }, 'appeal e-mail sent');
      return true;
    } catch (error) {
      log.warn(
        { kind, appealId: appeal.id, err: clean(error instanceof Error ? error.message : String(error)) },
        'appeal e-mail failed (the appeal itself is saved)',
      );
      return false;
    }
  }

  return {
    enabled: true,
    appealFiled: (a) =>
      send(
        'appeal-filed',
        a,
        config.appealNotifyTo,
        `[callqa] 新申诉 #${a.id}：通话 ${a.callId ?? a.recordingId.slice(0, 8)}（${a.ruleId}）`,
        `坐席 ${a.appellant} 对通话 ${a.callId ?? a.recordingId} 的发现（${a.ruleId}）提出申诉。\n\n申诉理由：${a.reason}\n\n请在复核工作台的“申诉”页处理（录音 ${a.recordingId}）。`,
      ),
    async appealDecided(a, outcome, note) {
      const email = await emailOfUser(db, a.appellant).catch(() => undefined);
      const to = email ? [email] : [];
      return send(
        'appeal-decided',
        a,
        to,
        `[callqa] 申诉 #${a.id} 已处理：${OUTCOME_WORDS[outcome]}`,
        `你对通话 ${a.callId ?? a.recordingId} 的发现（${a.ruleId}）的申诉已处理：${OUTCOME_WORDS[outcome]}。${note ? `\n\n说明：${note}` : ''}`,
      );
    },
    close: () => transport.close(),
  };
}
