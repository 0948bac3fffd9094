/**
 * Structured logging (pino, JSON lines on stderr so stdout stays free for command output such as
 * `analyze --json`). Secrets are redacted by key name wherever they appear in logged objects.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Object keys whose values never reach a log line. */
export const REDACTED_KEYS = [
  'password',
  'secretKey',
  'accessKey',
  'S3_SECRET_KEY',
  'S3_ACCESS_KEY',
  'databaseUrl',
  'DATABASE_URL',
  'redisUrl',
  'authorization',
  'cookie',
  'sessionSecret',
  'WEB_SESSION_SECRET',
  'metricsToken',
  'WEB_METRICS_TOKEN',
  'SMTP_PASSWORD',
  'SMTP_URL',
  'smtp',
];

/**
 * Creates the process logger.
 *
 * @param level pino level (`info`, `debug`, …, `silent`)
 * @param destination file descriptor to write to; 2 (stderr) by default
 */
export function createLogger(level = 'info', destination = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'callqa' },
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: '[redacted]' },
    },
    pino.destination({ fd: destination, sync: false }),
  );
}
