/**
 * Object storage (MinIO or any S3 server) through the `minio` client: listing recordings by prefix,
 * downloading them to a private temp folder under generated names, and reading/writing the JSON and HTML
 * that the stages produce. Object keys are data: they never become local file names or shell words.
 */
import { Client } from 'minio';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Config } from './config.js';

/** One object as listed. `size` in bytes; `etag` without quotes. */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified?: Date;
}

/** Connection settings for {@link ObjectStorage}; `endpoint` is a URL such as `http://127.0.0.1:9000`. */
export interface StorageConnection {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  pathStyle: boolean;
}

/** Thin wrapper over the minio client with the operations the pipeline needs. */
export class ObjectStorage {
  readonly client: Client;

  /** @throws {Error} when `endpoint` is not an http(s) URL */
  constructor(readonly connection: StorageConnection) {
    const url = new URL(connection.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`S3_ENDPOINT must be an http(s) URL, got ${url.protocol}`);
    }
    const useSSL = url.protocol === 'https:';
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: connection.accessKey,
      secretKey: connection.secretKey,
      region: connection.region,
      pathStyle: connection.pathStyle,
    });
  }

  /** Creates each bucket that does not exist yet. */
  async ensureBuckets(buckets: string[]): Promise<void> {
    for (const bucket of buckets) {
      if (!(await this.client.bucketExists(bucket))) {
        try {
          await this.client.makeBucket(bucket, this.connection.region);
        } catch (error) {
          // Another worker may have created it at the same moment.
          if (!(await this.client.bucketExists(bucket))) throw error;
        }
      }
    }
  }

  /**
   * Lists every object under `prefix` (recursively), in the server's (lexicographic) order.
   * Note: s3rver, used in tests, does not URL-encode listings, so keys holding `+` or `%` come back
   * wrong from it; MinIO and S3 are correct.
   */
  async *list(bucket: string, prefix: string): AsyncGenerator<StoredObject> {
    const stream = this.client.listObjectsV2(bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; size: number; etag?: string; lastModified?: Date }>) {
      if (!item.name) continue; // common prefixes
      yield { key: item.name, size: item.size, etag: stripQuotes(item.etag ?? ''), lastModified: item.lastModified };
    }
  }

  /**
   * Size, ETag and original file name of one object, or `undefined` when it does not exist.
   * `originalName` comes from the `original-name` user metadata (URI-encoded) that `callqa process` sets.
   */
  async stat(bucket: string, key: string): Promise<(StoredObject & { originalName?: string }) | undefined> {
    try {
      const s = await this.client.statObject(bucket, key);
      const encoded = (s.metaData as Record<string, string> | undefined)?.['original-name'];
      let originalName: string | undefined;
      try {
        originalName = encoded ? decodeURIComponent(encoded) : undefined;
      } catch {
        originalName = undefined; // not ours: ignore
      }
      return { key, size: s.size, etag: stripQuotes(s.etag), lastModified: s.lastModified, originalName };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Downloads an object into `directory` under a generated file name (never the key).
   *
   * With `expected.etag`, the download is of that version only: the response's ETag (which names the bytes
   * of that very response) must equal it, else {@link ObjectChangedError} — the object was replaced since
   * it was listed. The bytes written must equal the response's Content-Length, so a truncated transfer is
   * caught. The listed size is not trusted for anything (a listing taken while an upload was under way may
   * show another size than the version's own).
   *
   * @param extension kept from the key (e.g. `.wav`) as a hint for humans only; letters/digits only
   * @returns the local path and the number of bytes
   * @throws {ObjectChangedError} the object now has another ETag
   * @throws {Error} when the object is missing or the transfer is incomplete (transient: the caller retries)
   */
  async download(bucket: string, key: string, directory: string, expected: { etag?: string } = {}): Promise<string> {
    const ext = path.extname(key).toLowerCase();
    const safeExt = /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
    const target = path.join(directory, `${randomUUID()}${safeExt}`);
    const body = (await this.client.getObject(bucket, key)) as Readable & { headers?: Record<string, string | undefined> };
    const etag = stripQuotes(body.headers?.etag ?? '');
    if (expected.etag !== undefined && etag !== expected.etag) {
      body.destroy();
      throw new ObjectChangedError(bucket, key, expected.etag, etag);
    }
    await streamPipeline(body, createWriteStream(target, { mode: 0o600 }));
    const length = body.headers?.['content-length'];
    const written = (await stat(target)).size;
    if (length !== undefined && written !== Number(length)) {
      throw new Error(`download of ${bucket}/${key} is incomplete: ${written} of ${length} bytes`);
    }
    return target;
  }

  /**
   * Streams `length` bytes of an object from byte `offset` (an HTTP Range read; minio's getPartialObject).
   *
   * @throws {Error} `NoSuchKey` etc. as the client reports them
   */
  async getRange(bucket: string, key: string, offset: number, length: number): Promise<Readable> {
    return this.client.getPartialObject(bucket, key, offset, length);
  }

  /** Streams a whole object. */
  async getStream(bucket: string, key: string): Promise<Readable> {
    return this.client.getObject(bucket, key);
  }

  /**
   * Reads a whole object, or `undefined` when it does not exist.
   *
   * @throws {Error} when fewer bytes arrive than the response announced (transient)
   */
  async getBytes(bucket: string, key: string): Promise<Buffer | undefined> {
    let body: Readable;
    try {
      body = await this.client.getObject(bucket, key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    // A connection dropped mid-body must not pass for a whole (shorter) object.
    const length = (body as Readable & { headers?: Record<string, string | undefined> }).headers?.['content-length'];
    if (length !== undefined && bytes.length !== Number(length)) {
      throw new Error(`read of ${bucket}/${key} is incomplete: ${bytes.length} of ${length} bytes`);
    }
    return bytes;
  }

  /**
   * Reads a whole object that the pipeline wrote as UTF-8 text, or `undefined` when it does not exist.
   * (Text from outside is read with {@link getBytes} and checked, see domain/json-input.ts.)
   */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    return (await this.getBytes(bucket, key))?.toString('utf8');
  }

  /** Writes UTF-8 text with the given content type. */
  async putText(bucket: string, key: string, text: string, contentType: string): Promise<void> {
    const buffer = Buffer.from(text, 'utf8');
    await this.client.putObject(bucket, key, buffer, buffer.length, { 'Content-Type': contentType });
  }

  /** Writes a value as pretty JSON (`application/json; charset=utf-8`). */
  async putJson(bucket: string, key: string, value: unknown): Promise<void> {
    await this.putText(bucket, key, `${JSON.stringify(value, null, 2)}\n`, 'application/json; charset=utf-8');
  }

  /**
   * Uploads a local file.
   *
   * @param filePath a path; a Buffer path for names that are not UTF-8 (kept byte for byte)
   * @param userMetadata stored as `x-amz-meta-<name>` headers (ASCII values), e.g. `original-name`
   */
  async putFile(
    bucket: string,
    key: string,
    filePath: string | Buffer,
    contentType = 'application/octet-stream',
    userMetadata: Record<string, string> = {},
  ): Promise<void> {
    const { size } = await stat(filePath);
    await this.client.putObject(bucket, key, createReadStream(filePath), size, { ...userMetadata, 'Content-Type': contentType });
  }

  /** Deletes objects (missing ones are ignored). */
  async remove(bucket: string, keys: string[]): Promise<void> {
    if (keys.length) await this.client.removeObjects(bucket, keys);
  }
}

/** An object was replaced (another ETag) after it was listed: the listed version no longer exists. */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly expectedEtag: string,
    readonly currentEtag: string,
  ) {
    super(`${bucket}/${key} was replaced after it was listed (ETag ${expectedEtag} → ${currentEtag})`);
  }
}

/**
 * Connection settings from the configuration.
 *
 * @throws {Error} when no endpoint is configured (the caller decides whether a local server may stand in)
 */
export function storageConnectionFromConfig(config: Config): StorageConnection {
  const { endpoint, accessKey, secretKey, region, pathStyle } = config.s3;
  if (!endpoint || !accessKey || !secretKey) {
    throw new Error('S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY must be set to reach object storage');
  }
  return { endpoint, accessKey, secretKey, region, pathStyle };
}

function stripQuotes(etag: string): string {
  return etag.replace(/^"+|"+$/g, '');
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}
