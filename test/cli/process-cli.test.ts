/** `callqa process DIR --out OUTDIR` (contract §3), run as a user runs it, on real services. */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../../cli/demo-command.js';
import { openDatabase } from '../../infra/db/pool.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import { assertBuilt, CALLQA_BIN, pgrep, runCallqa as callqa, startTestEnv, waitFor, type TestEnv } from '../support/integration.js';
import { ffmpeg } from '../support/media.js';

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
      'demo-03.report.html',
      'demo-03.report.json',
      'demo-03.transcript.json',
      'summary.json',
      '通话05.report.html',
      '通话05.report.json',
      '通话05.transcript.json',
    ]);
    const report = JSON.parse(await readFile(path.join(out, 'demo-03.report.json'), 'utf8'));
    expect(report.transcriptSource.kind).toBe('sidecar');
    expect(report.rules.find((x: { id: string }) => x.id === 'banned_phrase').status).toBe('fail');
    const asr = JSON.parse(await readFile(path.join(out, '通话05.report.json'), 'utf8'));
    expect(asr.transcriptSource).toMatchObject({ kind: 'asr', model: path.basename(t.modelPath) });
    expect(r.stderr).toMatch(/\[4\/4\]/);
    expect(r.stderr).toContain('2 of 4 files not reported: failed, or no recording');
  }, 180_000);

  it('--strict exits 3 when a recording failed; running the folder again reuses its reports', async () => {
    const db = await openDatabase(t.config.databaseUrl);
    const count = async () =>
      Number(
        (
          await db.query('SELECT count(*) AS n FROM reports r JOIN recordings c ON c.id = r.recording_id WHERE c.bucket = $1', [
            t.config.s3.processBucket,
          ])
        ).rows[0].n,
      );
    const before = await count();
    // Rows written before recordings had a file name (an upgrade) learn it when the folder is run again.
    await db.query('UPDATE recordings SET original_name = NULL WHERE bucket = $1', [t.config.s3.processBucket]);
    const out = path.join(t.dir, 'out-strict');
    const r = await callqa(['process', input, '--out', out, '--strict'], t.env);
    expect(r.code).toBe(3);
    // The same files again: no new report rows (no duplicate calls for the reviewers), the same report files.
    expect(await count()).toBe(before);
    expect(await readFile(path.join(out, 'demo-03.report.json'), 'utf8')).toBe(
      await readFile(path.join(t.dir, 'out', 'demo-03.report.json'), 'utf8'),
    );
    await db.end();
    // `status` covers every bucket the pipeline processed, so the run's failures are visible, with their
    // Chinese explanation; --bucket narrows it to one.
    const status = JSON.parse((await callqa(['status', '--json'], t.env)).stdout) as {
      bucket: string | null;
      failed: { bucket: string; key: string; file: string | null; code: string; codeZh: string }[];
    };
    expect(status.bucket).toBeNull();
    const processFailures = status.failed.filter((f) => f.bucket === t.config.s3.processBucket);
    expect(processFailures.map((f) => f.code)).toEqual(expect.arrayContaining(['empty_file', 'not_audio']));
    expect(processFailures.find((f) => f.code === 'not_audio')).toMatchObject({
      codeZh: '不是音频文件（如网页、文本或损坏的数据）',
      file: 'page.wav', // the operator's own file name beside the content key it was stored under
    });
    const table = await callqa(['status'], t.env);
    expect(table.stdout).toMatch(
      new RegExp(`${t.config.s3.processBucket}/local/\\S+ \\(empty\\.wav\\) +\\[prepare\\] empty_file（文件为空（0 字节））: `),
    );
    // --limit says how many failures it left out.
    const limited = await callqa(['status', '--limit', '1'], t.env);
    expect(limited.stdout).toMatch(/… and \d+ more \(--limit 1 shows the newest 1\)/);
    // Failures of `process` are retried by running it again (retryHint: test/cli/status-hint.test.ts).
    expect(table.stdout).toContain('run it on the same folder again');
    const narrowed = await callqa(['status', '--json', '--bucket', t.config.s3.recordingsBucket], t.env);
    expect(JSON.parse(narrowed.stdout)).toMatchObject({ bucket: t.config.s3.recordingsBucket, failed: [] });
  }, 180_000);

  it('accounts for odd names, links, folders, stray sidecars and repeated call ids', async () => {
    const odd = path.join(t.dir, 'odd');
    await mkdir(odd);
    const wav = path.join(SAMPLES_DIR, 'call-05-compliant.mp3');
    const long = `${'长'.repeat(80)}.mp3`; // 242 bytes: longer than some S3 servers take in a key
    for (const name of ['plus+sign.mp3', 'pct%20x.mp3', "quote'single.mp3", long]) await copyFile(wav, path.join(odd, name));
    await copyFile(wav, path.join(odd, 'a.mp3'));
    await copyFile(wav, path.join(odd, 'b.mp3'));
    await writeFile(path.join(odd, 'a.mp3.json'), JSON.stringify({ callId: 'same' }));
    await writeFile(path.join(odd, 'b.mp3.json'), JSON.stringify({ callId: 'same' }));
    await writeFile(path.join(odd, 'ghost.wav.transcript.json'), '{}');
    await writeFile(path.join(odd, 'a.mp3.script.json'), '{}'); // a JSON file beside a recording, but no sidecar of it
    await mkdir(path.join(odd, 'sub.wav'));
    await symlink(wav, path.join(odd, 'link.mp3')); // out of the folder: not followed
    await symlink('/etc/passwd', path.join(odd, 'passwd.wav')); // out of the folder: never read, never uploaded
    await symlink('plus+sign.mp3', path.join(odd, 'inner-link.mp3')); // inside the folder: followed
    await copyFile(wav, Buffer.concat([Buffer.from(odd + path.sep), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from('.mp3')])); // GBK 张三.mp3
    await symlink(path.join(t.dir, 'nowhere.wav'), path.join(odd, 'dangling.wav'));
    await writeFile(
      path.join(odd, 'gbk.mp3.json'),
      Buffer.from([0x7b, 0x22, 0x63, 0x61, 0x6c, 0x6c, 0x49, 0x64, 0x22, 0x3a, 0x22, 0xc4, 0xfa, 0xba, 0xc3, 0x22, 0x7d]),
    );
    await copyFile(wav, path.join(odd, 'gbk.mp3'));

    const out = path.join(t.dir, 'out-odd');
    const r = await callqa(['process', odd, '--out', out, '--json'], t.env);
    expect(r.code, r.stderr).toBe(0);
    const { recordings } = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const byFile = Object.fromEntries(recordings.map((e: { file: string }) => [e.file, e]));
    expect(Object.keys(byFile).sort()).toEqual(
      [
        'a.mp3',
        'a.mp3.script.json',
        'b.mp3',
        'dangling.wav',
        'ghost.wav.transcript.json',
        'gbk.mp3',
        'link.mp3',
        'passwd.wav',
        'inner-link.mp3',
        '\\xd5\\xc5\\xc8\\xfd.mp3',
        'plus+sign.mp3',
        'pct%20x.mp3',
        "quote'single.mp3",
        'sub.wav',
        long,
      ].sort(),
    );
    for (const name of ['plus+sign.mp3', 'pct%20x.mp3', "quote'single.mp3", long, 'inner-link.mp3', '\\xd5\\xc5\\xc8\\xfd.mp3']) {
      expect(byFile[name], name).toMatchObject({ status: 'reported', callId: name.replace(/\.mp3$/, '') });
    }
    expect(byFile['link.mp3'].reason).toBe('not_a_file: link.mp3 is a link out of the folder (not followed)');
    expect(byFile['passwd.wav'].reason).toBe('not_a_file: passwd.wav is a link out of the folder (not followed)');
    // Nothing of /etc/passwd reached the process bucket.
    const storage = new ObjectStorage(t.s3.connection);
    const passwd = await readFile('/etc/passwd');
    for await (const o of storage.list(t.config.s3.processBucket, '')) {
      expect((await storage.getBytes(t.config.s3.processBucket, o.key))!.equals(passwd), o.key).toBe(false);
    }
    expect(byFile['sub.wav'].reason).toMatch(/^not_a_file: sub\.wav is a folder/);
    expect(byFile['dangling.wav'].reason).toMatch(/^unreadable: dangling\.wav: a link to nothing/);
    expect(byFile['ghost.wav.transcript.json'].reason).toMatch(
      /^not_a_recording: ghost\.wav\.transcript\.json is a transcript sidecar, but ghost\.wav is not in the folder/,
    );
    expect(byFile['a.mp3.script.json'].reason).toBe(
      'not_a_recording: a.mp3.script.json is a JSON file, not a recording, and a.mp3.script is not in the folder for it to describe (sidecars are named <recording>.json or <recording>.transcript.json)',
    );
    expect(byFile['gbk.mp3'].reason).toMatch(/^invalid_metadata: gbk\.mp3\.json: not UTF-8 text/);
    // Two calls with the same call id keep two sets of files.
    expect(byFile['a.mp3'].callId).toBe('same');
    expect(byFile['b.mp3'].callId).toBe('same');
    const files = await readdir(out);
    expect(files.filter((f) => f.startsWith('same')).sort()).toEqual([
      'same-2.report.html',
      'same-2.report.json',
      'same-2.transcript.json',
      'same.report.html',
      'same.report.json',
      'same.transcript.json',
    ]);
  }, 240_000);

  it('SIGINT stops the run, kills its children and still accounts for every file', async () => {
    const slow = path.join(t.dir, 'slow');
    await mkdir(slow);
    // 15 minutes of speech (a sample call over and over): transcription only runs where VAD finds speech.
    await ffmpeg(
      '-stream_loop',
      '-1',
      '-i',
      path.join(SAMPLES_DIR, 'call-01-compliant.wav'),
      '-t',
      '900',
      '-c:a',
      'pcm_s16le',
      path.join(slow, 'long-call.wav'),
    );
    await copyFile(path.join(SAMPLES_DIR, 'broken-page.wav'), path.join(slow, 'page.wav'));
    const out = path.join(t.dir, 'out-slow');
    const child = spawn(process.execPath, [CALLQA_BIN, 'process', slow, '--out', out], {
      env: { ...process.env, ...t.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('whisper.cpp to run', async () => (pgrep(t.modelPath).length ? true : undefined), 120_000, 100);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(pgrep(t.modelPath)).toEqual([]);
    const { recordings } = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(recordings).toEqual([
      expect.objectContaining({ file: 'long-call.wav', status: 'failed', reason: expect.stringMatching(/^interrupted: /) }),
      expect.objectContaining({ file: 'page.wav', status: 'failed', reason: expect.stringMatching(/^not_audio: /) }),
    ]);
    expect(stderr).toContain('interrupted');
  }, 240_000);

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
