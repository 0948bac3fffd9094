/**
 * Streaming a call's recording through the server with HTTP Range support, so the browser can seek and no
 * storage credential or URL reaches it.
 *
 * - Formats browsers play (WAV incl. A-law/mu-law, MP3, OGG/Opus, FLAC, M4A/AAC, WebM) are served as stored,
 *   each range read from object storage (minio getPartialObject).
 * - Others (AMR-NB/WB and anything else) are converted once to 16-bit PCM WAV with ffmpeg (through
 *   pipeline/audio/ffmpeg.ts, channels kept) into a private cache folder (at most 200 files, oldest removed
 *   first; the folder is removed when the server stops), and ranges served from that file.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStorage } from '../infra/object-storage.js';
import { fileUrl, runFfmpeg } from '../pipeline/audio/ffmpeg.js';

/** Content types of the formats browsers play, by file extension. */
const PLAYABLE: Record<string, string> = {
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.webm': 'audio/webm',
};

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
    const ext = path.extname(key).toLowerCase();
    const type = PLAYABLE[ext];
    if (type) {
      const info = await this.storage.stat(bucket, key);
      if (!info) return undefined;
      return {
        size: info.size,
        contentType: type,
        open: (r) => this.storage.getRange(bucket, key, r.start, r.end - r.start + 1),
      };
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
            { inputOptions: ['-nostdin'], input: fileUrl(input), outputs: [{ options: ['-vn', '-c:a', 'pcm_s16le', '-f', 'wav'], target: out }] },
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
    const withTimes = await Promise.all(names.map(async (n) => ({ file: path.join(this.cacheDir, n), mtime: (await stat(path.join(this.cacheDir, n))).mtimeMs })));
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
