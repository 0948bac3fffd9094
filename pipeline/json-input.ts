/** Reading JSON that arrives from outside (sidecars, transcript files) with errors that name the source. */
import type { z } from 'zod';
import { BadInputError, type BadInputCode } from './errors.js';

/**
 * Parses UTF-8 JSON text (a leading byte-order mark is allowed).
 *
 * @param source file name or object key, named in the error
 * @param code reason code of the error
 * @throws {BadInputError} `<source>: not JSON: <parser message>`
 */
export function parseJsonInput(text: string, source: string, code: BadInputCode): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new BadInputError(code, `${source}: not JSON: ${(error as Error).message}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes bytes that must be UTF-8 text (sidecars and transcripts are UTF-8 by contract).
 *
 * @throws {BadInputError} `<source>: not UTF-8 text (…)` with the given code, e.g. for a GBK-encoded file
 */
export function decodeUtf8(bytes: Uint8Array, source: string, code: BadInputCode): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadInputError(code, `${source}: not UTF-8 text (sidecars and transcripts must be UTF-8 encoded)`);
  }
}

/** The first `max` schema problems as `path: message; …`, for error messages. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  return issues
    .slice(0, max)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
