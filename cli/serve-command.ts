/**
 * `callqa serve`: the quality officers' review workspace (web/server.ts) on WEB_HOST:WEB_PORT, until
 * SIGTERM/SIGINT. Needs PostgreSQL, Redis and object storage (S3_ENDPOINT), and WEB_SESSION_SECRET.
 */
import { requireWebSecret, type Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { openServices } from '../infra/services.js';
import { closeQueues, openQueues } from '../workers/queues.js';
import { buildWebServer } from '../web/server.js';

/** A running web server. */
export interface RunningWeb {
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the server.
 *
 * @param options `allowLocalS3`: start a local S3 server when S3_ENDPOINT is unset (demo use)
 * @throws {ConfigError} without WEB_SESSION_SECRET; {@link Error} when a service cannot be reached
 */
export async function startWeb(config: Config, log: Logger, options: { allowLocalS3?: boolean } = {}): Promise<RunningWeb> {
  const secret = requireWebSecret(config);
  const services = await openServices(config, log, { allowLocalS3: options.allowLocalS3 ?? false });
  const queues = openQueues(services.redis, config);
  const app = await buildWebServer({ config, db: services.db, storage: services.storage, redis: services.redis, queues, log }, secret);
  try {
    await app.listen({ host: config.web.host, port: config.web.port });
  } catch (error) {
    await closeQueues(queues);
    await services.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.web.port;
  const host = config.web.host.includes(':') ? `[${config.web.host}]` : config.web.host;
  return {
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await closeQueues(queues);
      await services.close();
    },
  };
}
