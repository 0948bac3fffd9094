/** `callqa analyze` as the contract (§3) describes it, run as a user runs it. */
import { mkdir, mkdtemp, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCallqa as callqa } from '../support/integration.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/transcripts');

describe('callqa analyze', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-analyze-'));
    await copyFile(path.join(FIXTURES, 'banned-closing-time.json'), path.join(dir, 'a-good.json'));
    await writeFile(path.join(dir, 'b-broken.json'), '{"callId": "x", "segments": [');
    await writeFile(
      path.join(dir, 'c-wrong.json'),
      JSON.stringify({ callId: 'y', durationSec: 5, segments: [{ start: 1, end: 9, speaker: 'agent', text: '您好' }] }),
    );
    await copyFile(path.join(FIXTURES, 'consent-ask-answered.json'), path.join(dir, 'd-good.json'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--json prints one report per line in input order; bad files get one stderr line each and a non-zero exit', async () => {
    const r = await callqa(['analyze', path.join(FIXTURES, 'polite-no-farewell.json'), dir, '--json']);
    expect(r.code).not.toBe(0);
    const reports = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(reports.map((x) => x.callId)).toEqual(['fx-polite-no-farewell', 'fx-banned-closing-time', 'fx-consent-ask-answered']);
    for (const report of reports) {
      expect(report.score).toBeGreaterThanOrEqual(0);
      expect(report.rules.map((x: { id: string }) => x.id)).toEqual(
        expect.arrayContaining(['opening_greeting', 'consent_before_hangup', 'banned_phrase']),
      );
    }
    expect(reports[1].rules.find((x: { id: string }) => x.id === 'banned_phrase').findings[0].phraseId).toMatch(/^B\d\d$/);
    const errors = r.stderr.trim().split('\n');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('b-broken.json');
    expect(errors[0]).toMatch(/not JSON/);
    expect(errors[1]).toContain('c-wrong.json');
    expect(errors[1]).toMatch(/after the recording/);
  });

  it('refuses text that is not UTF-8 and names an empty folder', async () => {
    const gbk = path.join(dir, 'gbk', 'x.json');
    await mkdir(path.dirname(gbk));
    // {"callId":"您好",…} written in GBK.
    const head = Buffer.from('{"callId":"');
    const tail = Buffer.from('","durationSec":1,"segments":[]}');
    await writeFile(gbk, Buffer.concat([head, Buffer.from([0xc4, 0xfa, 0xba, 0xc3]), tail]));
    const r = await callqa(['analyze', gbk, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('x.json: not UTF-8 text');
    const emptyDir = path.join(dir, 'empty');
    await mkdir(emptyDir);
    const e = await callqa(['analyze', emptyDir]);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toContain('no transcript files (*.json) in this folder');
  });

  it('reads a folder of recordings as `process` does: transcripts and scripts, not the metadata sidecars', async () => {
    const calls = path.join(dir, 'recordings');
    await mkdir(calls);
    await writeFile(path.join(calls, 'call.wav'), 'RIFF');
    await writeFile(path.join(calls, 'call.wav.json'), JSON.stringify({ callId: 'meta-only', agentId: 'a1' }));
    await copyFile(path.join(FIXTURES, 'consent-ask-answered.json'), path.join(calls, 'call.wav.transcript.json'));
    await copyFile(path.join(FIXTURES, 'banned-closing-time.json'), path.join(calls, 'call.wav.script.json'));
    const r = await callqa(['analyze', calls, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ids = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { callId: string }).callId);
    expect(ids).toEqual(['fx-banned-closing-time', 'fx-consent-ask-answered']);
  });

  it('exits 0 when every file is a valid transcript, and names a missing path', async () => {
    const ok = await callqa(['analyze', path.join(FIXTURES, 'consent-ask-answered.json'), '--json']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    const missing = await callqa(['analyze', path.join(dir, 'nope.json')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope.json: no such file or folder');
  });

  it('scores every transcript of the shared dev set when it is present', async (ctx) => {
    const devDir = path.resolve(import.meta.dirname, '../../../shared/eval/dev');
    const files = await readdir(devDir).catch(() => undefined);
    if (!files) {
      ctx.skip('../shared/eval/dev is absent (fresh clone without the shared material)');
      return;
    }
    const r = await callqa(['analyze', devDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(files.filter((f) => f.endsWith('.json')).length);
  });
});
