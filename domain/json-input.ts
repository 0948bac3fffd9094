/** Reading JSON that arrives from outside (sidecars, transcript files) with errors that name the source. */
import type { z } from 'zod';
import { BadInputError, type BadInputCode } from './errors.js';

/** Deepest nesting of arrays and objects accepted (the formats need 4; docs/formats.md). */
export const MAX_JSON_DEPTH = 32;
/** Largest magnitude of any number accepted: no field of the formats comes near it (seconds, counts, ids). */
export const MAX_JSON_NUMBER = 1e12;

/**
 * Parses UTF-8 JSON text (a leading byte-order mark is allowed) that arrives from outside, and refuses at
 * once, naming the file and the field, what would otherwise fail later or be retried as a transient error
 * (issue 10): nesting deeper than {@link MAX_JSON_DEPTH}, numbers beyond ±{@link MAX_JSON_NUMBER} (e.g.
 * `1e308`), and NUL or other control characters (except tab and line breaks) in strings.
 *
 * @param source file name or object key, named in the error
 * @param code reason code of the error
 * @throws {BadInputError} `<source>: not JSON: <parser message>` or `<source>: <field>: <problem>`
 */
export function parseJsonInput(text: string, source: string, code: BadInputCode): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const depth = nestingDepth(body);
  if (depth > MAX_JSON_DEPTH)
    throw new BadInputError(code, `${source}: nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} allowed`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new BadInputError(code, `${source}: not JSON: ${(error as Error).message}`);
  }
  const problem = findValueProblem(value, []);
  if (problem) throw new BadInputError(code, `${source}: ${problem.path.length ? problem.path.join('.') : '(root)'}: ${problem.message}`);
  return value;
}

/** Deepest nesting of `[` / `{` in JSON text, strings skipped (a linear scan, before parsing). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return max;
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/** The first string with a control character or number out of range in `value`, with its path. */
function findValueProblem(value: unknown, path: (string | number)[]): { path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'string') {
    const m = FORBIDDEN_CONTROL.exec(value);
    if (m)
      return {
        path,
        message: `contains the control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}${m[0] === '\u0000' ? ' (NUL)' : ''} at character ${m.index + 1}`,
      };
  } else if (typeof value === 'number') {
    if (Math.abs(value) > MAX_JSON_NUMBER)
      return { path, message: `number ${value} is out of range (at most ${MAX_JSON_NUMBER} in magnitude)` };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const p = findValueProblem(value[i], [...path, i]);
      if (p) return p;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = FORBIDDEN_CONTROL.test(k)
        ? { path: [...path, JSON.stringify(k)], message: 'field name contains a control character' }
        : undefined;
      const p = keyProblem ?? findValueProblem(v, [...path, k]);
      if (p) return p;
    }
  }
  return undefined;
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

/**
 * The text of a scalar read from outside JSON (a program's output, an error's `code`): a string as it is, a
 * number or boolean spelled as JSON spells it, `fallback` for anything else (missing, null, object, array).
 */
export function scalarText(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback;
}
