/**
 * Streaming a call's recording through the server with HTTP Range support, so the browser can seek and no
 * storage credential or URL reaches it, on the same timeline as the transcript.
 *
 * - WAV files of linear PCM, float, A-law or mu-law samples (format codes 1, 3, 6, 7 in the `fmt ` chunk) are
 *   served as stored, each range read from object storage (minio getPartialObject): their length is their
 *   sample count, as in the pipeline.
 * - Everything else (MP3, Opus, AMR-NB/WB, other WAV codings, …) is converted once to 16-bit PCM WAV with
 *   ffmpeg through the pipeline's own timeline filter ({@link TIMELINE_FILTER}: frames the decoder drops
 *   become silence, as when the pipeline prepares the recording for ASR), channels and sample rate kept,
 *   into a private cache folder (at most 200 files, oldest removed first; the folder is removed when the
 *   server stops), and ranges served from that file. Without the filter an AMR call of 15.4 s played as
 *   12.9 s and a finding's time pointed at the wrong moment (issue 12); with it the served length equals
 *   the report's `durationSec` within 50 ms for every accepted format (test/web/audio-sync.test.ts).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStorage } from '../infra/object-storage.js';
import { fileUrl, runFfmpeg } from '../pipeline/audio/ffmpeg.js';
import { TIMELINE_FILTER } from '../pipeline/audio/probe.js';

/** WAVE format codes served as stored: PCM, IEEE float, A-law, mu-law (RFC 2361). */
const STORED_WAV_CODES = new Set([1, 3, 6, 7]);

/**
 * The sample coding of a WAV file from its first bytes: the `fmt ` chunk's format code (the sub-format's for
 * WAVE_FORMAT_EXTENSIBLE), or undefined when the bytes are not a RIFF/WAVE header with `fmt ` first.
 */
export function wavFormatCode(head: Uint8Array): number | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (
    b.length < 22 ||
    b.toString('latin1', 0, 4) !== 'RIFF' ||
    b.toString('latin1', 8, 12) !== 'WAVE' ||
    b.toString('latin1', 12, 16) !== 'fmt '
  )
    return undefined;
  const code = b.readUInt16LE(20);
  if (code !== 0xfffe) return code;
  return b.length >= 46 ? b.readUInt16LE(44) : undefined;
}

/** A parsed byte range, inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a Range header against a resource of `size` bytes (RFC 9110 §14.1.2; one range only).
 *
 * @returns undefined when there is no usable header (serve the whole body), `'unsatisfiable'` for a
 *   range outside the resource (416), else the range clamped to the resource
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // multiple or malformed ranges: ignore the header, send everything
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** What to send: a body for a range of a resource. */
export interface AudioSource {
  size: number;
  contentType: string;
  /** Opens the bytes start..end (inclusive). */
  open(range: ByteRange): Promise<Readable>;
}

/** Opens recordings for streaming; converts those browsers cannot play into a cache folder. */
export class AudioStreamer {
  private readonly converting = new Map<string, Promise<string>>();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly cacheDir: string,
    private readonly ffmpegTimeLimitMs: number,
    /** Converted recordings kept in the cache (a few MB each). */
    private readonly maxCached = 200,
  ) {}

  /**
   * The recording `recordingId` (stored at bucket/key) as a source of bytes.
   *
   * @returns undefined when the object is missing
   */
  async source(recordingId: string, bucket: string, key: string): Promise<AudioSource | undefined> {
    const info = await this.storage.stat(bucket, key);
    if (!info) return undefined;
    if (path.extname(key).toLowerCase() === '.wav' && info.size >= 46) {
      const code = wavFormatCode(await readAll(await this.storage.getRange(bucket, key, 0, 46)));
      if (code !== undefined && STORED_WAV_CODES.has(code)) {
        return { size: info.size, contentType: 'audio/wav', open: (r) => this.storage.getRange(bucket, key, r.start, r.end - r.start + 1) };
      }
    }
    const file = await this.converted(recordingId, bucket, key);
    if (!file) return undefined;
    const { size } = await stat(file);
    return { size, contentType: 'audio/wav', open: async (r) => createReadStream(file, { start: r.start, end: r.end }) };
  }

  private async converted(recordingId: string, bucket: string, key: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40}$/.test(recordingId)) throw new Error('bad recording id');
    const target = path.join(this.cacheDir, `${recordingId}.wav`);
    try {
      await stat(target);
      return target;
    } catch {
      // not converted yet
    }
    const info = await this.storage.stat(bucket, key);
    if (!info) return undefined;
    let pending = this.converting.get(recordingId);
    if (!pending) {
      pending = (async () => {
        const work = path.join(this.cacheDir, `tmp-${recordingId}-${process.pid}-${Date.now()}`);
        await mkdir(work, { recursive: true, mode: 0o700 });
        try {
          const input = await this.storage.download(bucket, key, work, { etag: info.etag });
          const out = path.join(work, 'out.wav');
          await runFfmpeg(
            {
              inputOptions: ['-nostdin'],
              input: fileUrl(input),
              outputs: [
                {
                  options: ['-map', '0:a:0', '-af', TIMELINE_FILTER, '-c:a', 'pcm_s16le', '-map_metadata', '-1', '-f', 'wav'],
                  target: out,
                },
              ],
            },
            { timeLimitMs: this.ffmpegTimeLimitMs },
            path.basename(key),
          );
          await rename(out, target);
          await this.prune(target);
          return target;
        } finally {
          await rm(work, { recursive: true, force: true });
          this.converting.delete(recordingId);
        }
      })();
      this.converting.set(recordingId, pending);
    }
    return pending;
  }

  /** Keeps the cache to {@link AudioStreamer.maxCached} files, removing the least recently converted. */
  private async prune(keep: string): Promise<void> {
    const names = (await readdir(this.cacheDir)).filter((n) => /^[0-9a-f]{40}\.wav$/.test(n));
    if (names.length <= this.maxCached) return;
    const withTimes = await Promise.all(
      names.map(async (n) => ({ file: path.join(this.cacheDir, n), mtime: (await stat(path.join(this.cacheDir, n))).mtimeMs })),
    );
    withTimes.sort((a, b) => a.mtime - b.mtime);
    for (const { file } of withTimes.slice(0, names.length - this.maxCached)) {
      if (file !== keep) await rm(file, { force: true });
    }
  }

  /** Removes the cache folder. */
  async close(): Promise<void> {
    await rm(this.cacheDir, { recursive: true, force: true });
  }
}

/** Reads a (small) stream to the end. */
async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
