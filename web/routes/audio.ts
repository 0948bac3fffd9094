/**
 * `GET /calls/:id/audio`: a call's recording for the call page's player, converted for the browser when
 * needed (web/audio.ts `AudioStreamer`, its files under WORK_DIR, removed when the server closes), with
 * byte ranges (206, 416 for a range past the end) so the player can seek.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import path from 'node:path';
import type { Config } from '../../infra/config.js';
import type { ObjectStorage } from '../../infra/object-storage.js';
import { AudioStreamer, parseRange } from '../audio.js';
import type { CallContext } from './call-context.js';
import { callParams } from './common.js';

/** What the route needs. */
export interface AudioRouteOptions {
  config: Config;
  storage: ObjectStorage;
  calls: CallContext;
}

/** Registers `GET /calls/:id/audio`. */
export const audioRoutes: FastifyPluginAsyncZod<AudioRouteOptions> = async (app, opts) => {
  const { config, calls } = opts;
  const audio = new AudioStreamer(
    opts.storage,
    path.join(config.workDir, `callqa-web-audio-${process.pid}-${Math.random().toString(36).slice(2, 8)}`),
    config.ffmpegTimeLimitMs,
  );
  app.addHook('onClose', async () => audio.close());

  app.get('/calls/:id/audio', { schema: { params: callParams } }, async (req, reply) => {
    const call = await calls.openCall(req, reply, req.params.id);
    if (!call) return reply;
    const source = await audio.source(call.recordingId, call.bucket, call.objectKey);
    if (!source) return reply.code(404).type('text/plain; charset=utf-8').send('录音文件缺失。');
    reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'private, no-store').type(source.contentType);
    const range = parseRange(req.headers.range, source.size);
    if (range === 'unsatisfiable') {
      return reply.code(416).header('Content-Range', `bytes */${source.size}`).send();
    }
    if (source.size === 0) return reply.header('Content-Length', 0).send();
    const r = range ?? { start: 0, end: source.size - 1 };
    if (range) reply.code(206).header('Content-Range', `bytes ${r.start}-${r.end}/${source.size}`);
    reply.header('Content-Length', r.end - r.start + 1);
    return reply.send(await source.open(r));
  });
};
