/**
 * `callqa analyze PATH... [--json]` (contract §3): score transcript files without any service.
 * A folder means every `*.json` file in it (sorted by name) but the metadata sidecars of recordings beside them
 * (`call.wav.json` next to `call.wav`, as in a folder `callqa process` reads); `labels.jsonl` is no `.json`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeUtf8 } from '../domain/json-input.js';
import { parseTranscriptText } from '../domain/transcript.js';
import { analyzeTranscript } from '../rules/analyze.js';
import { metadataKey, sidecarOf } from '../pipeline/storage-keys.js';
import type { Report } from '../domain/report.js';

/**
 * Expands the arguments into transcript files, in input order: a folder into its `*.json` files but metadata
 * sidecars (see the module comment). Unreadable paths are returned as errors.
 */
export async function expandTranscriptPaths(paths: string[]): Promise<{ file: string; error?: string }[]> {
  const out: { file: string; error?: string }[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (error) {
      out.push({
        file: p,
        error: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message,
      });
      continue;
    }
    if (info.isDirectory()) {
      const all = await readdir(p);
      const present = new Set(all);
      const isMetadataSidecar = (n: string): boolean => {
        const recording = sidecarOf(n, (x) => present.has(x));
        return recording !== undefined && n === metadataKey(recording);
      };
      const names = all.filter((n) => n.endsWith('.json') && !isMetadataSidecar(n)).sort();
      if (!names.length) out.push({ file: p, error: 'no transcript files (*.json) in this folder' });
      out.push(...names.map((n) => ({ file: path.join(p, n) })));
    } else {
      out.push({ file: p });
    }
  }
  return out;
}

/**
 * Runs the command. Reports go to stdout (one JSON per line with `json`, else one summary line per
 * call); each bad file gets one line on stderr naming it and the reason.
 *
 * @returns the process exit code: 0 when every file was reported, 1 otherwise
 */
export async function analyzeCommand(
  paths: string[],
  options: { json?: boolean; centreNames: string[] },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let failures = 0;
  for (const { file, error } of await expandTranscriptPaths(paths)) {
    let report: Report;
    try {
      if (error) throw new Error(error);
      const transcript = parseTranscriptText(decodeUtf8(await readFile(file), file, 'invalid_transcript'), file);
      report = analyzeTranscript(transcript, { centreNames: options.centreNames });
    } catch (e) {
      failures += 1;
      const message = (e as Error).message;
      err.write(`callqa analyze: ${message.startsWith(file) ? message : `${file}: ${message}`}\n`);
      continue;
    }
    if (options.json) {
      out.write(`${JSON.stringify(report)}\n`);
    } else {
      const failed = report.rules.filter((r) => r.status === 'fail').map((r) => r.id);
      out.write(`${report.callId}\tscore ${report.score}\t${report.flagged ? 'flagged' : 'ok'}\t${failed.join(',') || '-'}\n`);
    }
  }
  return failures ? 1 : 0;
}
