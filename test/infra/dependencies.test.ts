/** Which errors count as an outside system being down (infra/dependencies.ts), and which are the job's own. */
import { describe, expect, it } from 'vitest';
import { looksLikeOutage } from '../../infra/dependencies.js';
import { BadInputError } from '../../domain/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('looksLikeOutage', () => {
  it('counts refused and reset connections, PostgreSQL shutting down and S3 server errors', () => {
    expect(looksLikeOutage(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(looksLikeOutage(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(looksLikeOutage(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(looksLikeOutage(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(looksLikeOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(looksLikeOutage(withCode('We encountered an internal error', 'InternalError'))).toBe(true);
    expect(looksLikeOutage(new Error('Connection is closed.'))).toBe(true);
    expect(looksLikeOutage(new AggregateError([withCode('connect ECONNREFUSED ::1:6379', 'ECONNREFUSED')]))).toBe(true);
    expect(looksLikeOutage(new Error('upload failed', { cause: withCode('socket hang up', 'ECONNRESET') }))).toBe(true);
  });

  it('does not count bad input, missing objects or SQL mistakes', () => {
    expect(looksLikeOutage(new BadInputError('not_audio', 'x.wav: not audio'))).toBe(false);
    expect(looksLikeOutage(withCode('The specified key does not exist.', 'NoSuchKey'))).toBe(false);
    expect(looksLikeOutage(withCode('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(looksLikeOutage(new Error('transcript results/x.json is missing'))).toBe(false);
  });
});
