/** `callqa status`'s advice on retrying failed recordings, by where they failed (cli/status-command.ts). */
import { describe, expect, it } from 'vitest';
import { retryHint } from '../../cli/status-command.js';

describe('retryHint', () => {
  it('sends failures of a process run only to a new run on the same folder (callqa retry needs MinIO/S3)', () => {
    const hint = retryHint(['callqa-process', 'callqa-process'], 'callqa-process');
    expect(hint).toContain('run it on the same folder again');
    expect(hint).not.toContain('callqa retry');
    expect(hint).toContain('fails again until it is replaced');
  });

  it('names callqa retry for recordings of the object storage, and both when both failed', () => {
    expect(retryHint(['recordings'], 'callqa-process')).toBe(
      '`callqa retry [--bucket B] [--prefix KEY-PREFIX]` queues them again once the cause is fixed (a file that is bad input, e.g. not_audio, fails again until it is replaced)',
    );
    const both = retryHint(['recordings', 'callqa-process'], 'callqa-process');
    expect(both).toContain('callqa retry');
    expect(both).toContain('run it on the same folder again');
  });
});
