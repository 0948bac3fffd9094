/**
 * A local S3 server (s3rver) for the demo, `callqa process` without a configured endpoint, and tests.
 * Production uses MinIO (docker-compose.yml). s3rver keeps objects as files in `directory`.
 *
 * Known difference from MinIO: s3rver does not URL-encode listings, so keys containing `+` or `%` are
 * listed wrongly. Product code does not work around it; tests avoid such keys against s3rver.
 *
 * Fixed here: s3rver 3.7 makes the continuation token of a ListObjectsV2 page (asked for past 1,000 keys)
 * with the DES cipher, which OpenSSL 3 (Node.js 18 and later) no longer offers, so such listings answered
 * HTTP 500 "Unsupported" on Node 20. {@link listV2WithoutDes} serves those requests through s3rver's
 * version-1 listing (start marker instead of token) and answers in version 2's form, with the last key as
 * an opaque token.
 */
import S3rver from 's3rver';
import { mkdir } from 'node:fs/promises';
import type { StorageConnection } from './object-storage.js';

/** A running local S3 server. */
export interface LocalS3 {
  connection: StorageConnection;
  /** Stops the server (the files stay in the directory). */
  close(): Promise<void>;
}

/** The parts of Koa's context that {@link listV2WithoutDes} uses. */
interface ListContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Continuation tokens of this wrapper: base64url of a marker plus the key to list after. */
const TOKEN_PREFIX = 'callqa-local-s3:';

/**
 * Koa middleware, placed just before s3rver's routes (after its XML encoder): a ListObjectsV2 request
 * (`GET /bucket?list-type=2`) is turned into a version-1 one (`marker` = the key after which to list), and
 * the version-1 result is given back in version 2's form (`KeyCount`, `ContinuationToken`,
 * `NextContinuationToken`, `StartAfter`).
 */
function listV2WithoutDes() {
  return async (ctx: ListContext, next: () => Promise<unknown>) => {
    const q = ctx.query;
    const bucketPath = /^\/[^/]+\/?$/.test(ctx.path);
    if (ctx.method !== 'GET' || !bucketPath || q['list-type'] !== '2') {
      await next();
      return;
    }
    const token = typeof q['continuation-token'] === 'string' ? q['continuation-token'] : undefined;
    const decoded = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
    const startAfter = decoded?.startsWith(TOKEN_PREFIX)
      ? decoded.slice(TOKEN_PREFIX.length)
      : typeof q['start-after'] === 'string'
        ? q['start-after']
        : undefined;
    const v1: Record<string, string | string[] | undefined> = { ...q };
    delete v1['list-type'];
    delete v1['continuation-token'];
    delete v1['start-after'];
    delete v1['fetch-owner'];
    if (startAfter) v1.marker = startAfter;
    ctx.query = v1;
    await next();
    const result = (ctx.body as { ListBucketResult?: Record<string, unknown> } | undefined)?.ListBucketResult;
    if (!result) return;
    const contents = (result.Contents as { Key: string }[] | undefined) ?? [];
    const prefixes = (result.CommonPrefixes as { Prefix: string }[] | undefined) ?? [];
    const last = [...contents.map((c) => c.Key), ...prefixes.map((p) => p.Prefix)].sort().at(-1);
    ctx.body = {
      ListBucketResult: {
        '@': result['@'],
        Name: result.Name,
        Prefix: result.Prefix,
        StartAfter: token ? undefined : startAfter,
        ContinuationToken: token,
        NextContinuationToken: result.IsTruncated && last ? Buffer.from(TOKEN_PREFIX + last, 'utf8').toString('base64url') : undefined,
        KeyCount: contents.length + prefixes.length,
        MaxKeys: result.MaxKeys,
        Delimiter: result.Delimiter,
        IsTruncated: result.IsTruncated,
        Contents: contents.map((c) => ({ ...c, Owner: undefined })),
        CommonPrefixes: result.CommonPrefixes,
      },
    };
  };
}

/**
 * Starts s3rver on 127.0.0.1.
 *
 * @param directory where objects are kept (created if missing)
 * @param port TCP port; 0 picks a free one
 */
export async function startLocalS3(directory: string, port = 0): Promise<LocalS3> {
  await mkdir(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, resetOnClose: false });
  // s3rver is a Koa application: its middleware list is composed when it starts listening.
  const middleware = (server as unknown as { middleware: unknown[] }).middleware;
  middleware.splice(middleware.length - 1, 0, listV2WithoutDes());
  const address = await server.run();
  return {
    // s3rver's fixed development credentials.
    connection: {
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      pathStyle: true,
    },
    close: () => server.close(),
  };
}
