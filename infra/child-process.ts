/**
 * The one runner of outside programs (ffmpeg, ffprobe, whisper.cpp's whisper-cli; the long-lived VAD process
 * spawns through {@link spawnOwnedChild}, which gives it the same process group and death signal):
 *
 * - an argument array, never a shell command line;
 * - its own process group (`detached`: a new session), so a kill reaches the program and anything it
 *   started, and a terminal's Ctrl-C reaches only the worker, which then stops its children itself;
 * - killed when the worker dies, also by `kill -9`: on Linux the program is started through util-linux's
 *   `setpriv --pdeathsig SIGKILL`, which asks the kernel to send SIGKILL to it when its parent process dies
 *   (prctl PR_SET_PDEATHSIG) and then executes the program itself (same pid, same command line);
 * - a wall-clock limit after which the whole group gets SIGKILL (or first SIGTERM and, after a grace period,
 *   SIGKILL) and the runner waits until the program is gone; an AbortSignal that does the same (worker shutdown);
 * - bounded output: the first and last {@link STDERR_KEEP_BYTES} of stderr, stdout up to a limit;
 * - one error type, {@link ChildProcessError}, for a program that could not start, ran past its limit,
 *   was cancelled or wrote too much.
 */
import { spawn, type ChildProcess, type ChildProcessByStdio, type SpawnOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { accessSync, constants } from 'node:fs';

/** Bytes kept of the start and of the end of stderr. */
export const STDERR_KEEP_BYTES = 32 * 1024;

/** Where util-linux's setpriv is looked for (Debian and most distributions). */
const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

/** The setpriv binary, or undefined where there is none (then only the start-up sweeps and kills on exit apply). */
const setpriv: string | undefined =
  process.platform === 'linux'
    ? SETPRIV_PATHS.find((p) => {
        try {
          accessSync(p, constants.X_OK);
          return true;
        } catch {
          return false;
        }
      })
    : undefined;

/** Why a run did not give a result. */
export type ChildFailure = 'not_started' | 'time_limit' | 'aborted' | 'output_limit';

/** The one error of {@link runChild}. */
export class ChildProcessError extends Error {
  override readonly name = 'ChildProcessError';
  /**
   * @param kind what went wrong
   * @param program the program's name as given, e.g. `ffprobe`
   * @param limitMs the wall-clock limit (milliseconds) for `time_limit`
   */
  constructor(
    readonly kind: ChildFailure,
    readonly program: string,
    message: string,
    readonly limitMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link runChild}. Times in milliseconds, sizes in bytes. */
export interface ChildRunOptions {
  /** Wall-clock limit; then the process group is killed (see `killGraceMs`). */
  timeLimitMs: number;
  /** Aborting kills the process group (e.g. worker shutdown). */
  signal?: AbortSignal;
  /** Most stdout kept; more ends the run with `output_limit` (default 16 MiB). */
  stdoutLimitBytes?: number;
  /**
   * When set, a kill (time limit, abort, output limit) sends SIGTERM to the process group first and SIGKILL
   * only if the program is still there this many milliseconds later, so that it can stop its own threads and
   * files; unset, SIGKILL at once.
   */
  killGraceMs?: number;
  /** Working folder of the program (default: this process's). */
  cwd?: string;
  /** Environment of the program (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A finished run: exit code or signal, stdout, and stderr's head and tail. `elapsedMs` wall-clock. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/**
 * Options of {@link spawnOwnedChild}: working folder, environment, whether stdin is a pipe (default: ignored),
 * and `ipc`: a Node program gets a message channel (`process.send`, JSON serialisation) besides the pipes.
 */
export type OwnedChildOptions = Pick<SpawnOptions, 'cwd' | 'env'> & { stdin?: 'ignore' | 'pipe'; ipc?: boolean };

/**
 * Spawns `file args` in its own process group with the parent-death signal set (see the module comment),
 * stdout and stderr piped, stdin ignored unless `stdin: 'pipe'` (a long-lived child that takes requests on
 * stdin, e.g. pipeline/audio/vad.ts), with a message channel when `ipc` (a Node program that answers messages,
 * e.g. the sherpa-onnx recognizer process). For callers that read the streams themselves; stop it with
 * {@link killChildGroup}.
 */
export function spawnOwnedChild(
  file: string,
  args: readonly string[],
  options: OwnedChildOptions & { stdin: 'pipe' },
): ChildProcessByStdio<Writable, Readable, Readable>;
export function spawnOwnedChild(
  file: string,
  args: readonly string[],
  options?: OwnedChildOptions,
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnOwnedChild(
  file: string,
  args: readonly string[],
  options: OwnedChildOptions = {},
): ChildProcessByStdio<Writable | null, Readable, Readable> {
  const { stdin = 'ignore', ipc = false, ...spawnOptions } = options;
  const [command, argv] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', file, ...args]] : [file, [...args]];
  return spawn(command, argv, {
    ...spawnOptions,
    stdio: ipc ? [stdin, 'pipe', 'pipe', 'ipc'] : [stdin, 'pipe', 'pipe'],
    serialization: 'json',
    detached: true,
    shell: false,
    windowsHide: true,
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
}

/**
 * Keeps the first and the last {@link STDERR_KEEP_BYTES} of what `stream` writes (the middle is elided, so
 * a chatty program cannot fill memory) and returns a function that gives the kept text so far.
 */
export function collectBoundedStderr(stream: Readable): () => string {
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let elided = false;
  stream.on('data', (chunk: Buffer) => {
    if (head.length < STDERR_KEEP_BYTES) {
      const take = chunk.subarray(0, STDERR_KEEP_BYTES - head.length);
      head = Buffer.concat([head, take]);
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length) {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > STDERR_KEEP_BYTES) {
        tail = tail.subarray(tail.length - STDERR_KEEP_BYTES);
        elided = true;
      }
    }
  });
  return () => head.toString('utf8') + (elided ? '\n[… stderr elided …]\n' : '') + tail.toString('utf8');
}

/** Sends `signal` to the process group of `child` (falls back to the process alone when the group is gone). */
export function killChildGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Runs a program to its end and returns its exit status and output (a non-zero exit is a result, not an
 * error: the caller knows what the program's codes mean).
 *
 * @param program name used in errors, e.g. `ffprobe`
 * @throws {ChildProcessError} `not_started` (e.g. ENOENT), `time_limit`, `aborted` or `output_limit`; in the
 *   last three the process group was killed and the program is gone when this is thrown
 */
export function runChild(program: string, file: string, args: readonly string[], o: ChildRunOptions): Promise<ChildResult> {
  const started = Date.now();
  const stdoutLimit = o.stdoutLimitBytes ?? 16 * 1024 * 1024;
  return new Promise<ChildResult>((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new ChildProcessError('aborted', program, `${program} was cancelled before it started`));
      return;
    }
    const child = spawnOwnedChild(file, args, { cwd: o.cwd, env: o.env });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stopping: ChildProcessError | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (why: ChildProcessError) => {
      if (stopping) return;
      stopping = why;
      if (o.killGraceMs === undefined) {
        killChildGroup(child, 'SIGKILL');
        return;
      }
      killChildGroup(child, 'SIGTERM');
      // Still not closed after the grace period: the program, or something it started that keeps its
      // output open, is still there (the program itself may have gone): the whole group gets SIGKILL.
      graceTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone.
        }
      }, o.killGraceMs);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > stdoutLimit)
        stop(new ChildProcessError('output_limit', program, `${program} wrote more than ${stdoutLimit} bytes to stdout and was killed`));
      else stdout.push(chunk);
    });
    const stderrText = collectBoundedStderr(child.stderr);
    const timer = setTimeout(
      () =>
        stop(
          new ChildProcessError(
            'time_limit',
            program,
            `${program} ran longer than its limit of ${o.timeLimitMs} ms and was killed`,
            o.timeLimitMs,
          ),
        ),
      o.timeLimitMs,
    );
    const onAbort = () => {
      const reason = o.signal?.reason instanceof Error ? `: ${o.signal.reason.message}` : '';
      stop(new ChildProcessError('aborted', program, `${program} was cancelled${reason}`));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      done();
      // Not started (ENOENT, EACCES): no process to wait for.
      if (child.pid === undefined)
        reject(
          new ChildProcessError('not_started', program, `could not start ${program} (${file}): ${error.message}`, undefined, {
            cause: error,
          }),
        );
      else stop(new ChildProcessError('not_started', program, `${program} failed: ${error.message}`, undefined, { cause: error }));
    });
    child.once('close', (code, signal) => {
      done();
      if (stopping) {
        reject(stopping);
        return;
      }
      const stderr = stderrText();
      if (setpriv && code === 127 && stderr.startsWith('setpriv: failed to execute')) {
        reject(new ChildProcessError('not_started', program, `could not start ${program} (${file}): ${stderr.trim()}`));
        return;
      }
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr, elapsedMs: Date.now() - started });
    });
  });
}
