/** `callqa process DIR --out OUTDIR` (contract §3), run as a user runs it, on real services. */
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { assertBuilt, runCallqa as callqa, startTestEnv, type TestEnv } from '../support/integration.js';



describe('callqa process', () => {
  let t: TestEnv;
  let input: string;

  beforeAll(async () => {
    assertBuilt();
    t = await startTestEnv();
    input = path.join(t.dir, 'in');
    await mkdir(input);
    // One call with its transcript beside it, one that needs ASR, one HTML page named .wav, one empty file.
    await copyFile(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav'), path.join(input, 'a call 03.wav'));
    await copyFile(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav.json'), path.join(input, 'a call 03.wav.json'));
    await copyFile(path.join(SAMPLES_DIR, 'call-03-banned-phrases.wav.script.json'), path.join(input, 'a call 03.wav.transcript.json'));
    await copyFile(path.join(SAMPLES_DIR, 'call-05-compliant.mp3'), path.join(input, '通话05.mp3'));
    await copyFile(path.join(SAMPLES_DIR, 'broken-page.wav'), path.join(input, 'page.wav'));
    await writeFile(path.join(input, 'empty.wav'), '');
  });
  afterAll(() => t?.cleanup());

  it('accounts for every input file and writes a report per reported recording', async () => {
    const out = path.join(t.dir, 'out');
    const r = await callqa(['process', input, '--out', out, '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(JSON.parse(r.stdout)).toEqual(summary);
    const byFile = Object.fromEntries(summary.recordings.map((e: { file: string }) => [e.file, e]));
    expect(Object.keys(byFile).sort()).toEqual(['a call 03.wav', 'empty.wav', 'page.wav', '通话05.mp3']);
    expect(byFile['a call 03.wav']).toMatchObject({ status: 'reported', callId: 'demo-03' });
    expect(byFile['通话05.mp3']).toMatchObject({ status: 'reported', callId: '通话05' }); // no metadata: the file name
    expect(byFile['page.wav']).toMatchObject({ status: 'failed' });
    expect(byFile['page.wav'].reason).toMatch(/^not_audio: page\.wav: /); // names the file, not its storage key
    expect(byFile['empty.wav'].reason).toMatch(/^empty_file: /);

    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      'demo-03.report.html', 'demo-03.report.json', 'demo-03.transcript.json', 'summary.json',
      '通话05.report.html', '通话05.report.json', '通话05.transcript.json',
    ]);
    const report = JSON.parse(await readFile(path.join(out, 'demo-03.report.json'), 'utf8'));
    expect(report.transcriptSource.kind).toBe('sidecar');
    expect(report.rules.find((x: { id: string }) => x.id === 'banned_phrase').status).toBe('fail');
    const asr = JSON.parse(await readFile(path.join(out, '通话05.report.json'), 'utf8'));
    expect(asr.transcriptSource).toMatchObject({ kind: 'asr', model: path.basename(t.modelPath) });
    expect(r.stderr).toMatch(/\[4\/4\]/);
    expect(r.stderr).toContain('2 of 4 recordings failed');
  }, 180_000);

  it('--strict exits 3 when a recording failed; the run keeps out of the nightly bucket', async () => {
    const out = path.join(t.dir, 'out-strict');
    const r = await callqa(['process', input, '--out', out, '--strict'], t.env);
    expect(r.code).toBe(3);
    const status = await callqa(['status', '--json'], t.env);
    expect(JSON.parse(status.stdout)).toMatchObject({ bucket: t.config.s3.recordingsBucket, failed: [] });
  }, 180_000);

  it('exits non-zero with the reason when the run itself cannot complete (no Redis)', async () => {
    const r = await callqa(['process', input, '--out', path.join(t.dir, 'out2')], { ...t.env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot reach Redis at 127\.0\.0\.1:1/);
  });

  it('exits non-zero naming a folder that does not exist', async () => {
    const r = await callqa(['process', path.join(t.dir, 'nope'), '--out', path.join(t.dir, 'out3')], t.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('nope');
  });
});
