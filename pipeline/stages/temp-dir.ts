/**
 * Private per-job temp folders, always removed when the work is done, and a start-up sweep of the ones a
 * killed worker left behind (issue 10: a worker killed with `kill -9` cannot clean up after itself).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Folder names: `callqa-job-<pid of the worker>-<random>`. */
const PREFIX = 'callqa-job-';
const NAME = /^callqa-job-(\d+)-/;

/**
 * Runs `work` with a fresh private folder (mode 0700) under `parent` and removes the folder afterwards,
 * whether `work` succeeded or threw. The folder's name carries this process's id, for
 * {@link sweepStaleTempDirs}.
 */
export async function withTempDir<T>(parent: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(parent, `${PREFIX}${process.pid}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** True when a process with this id exists. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the per-job folders under `parent` whose worker process is gone (or that carry this process's own
 * id, which at start-up can only be a dead predecessor's). Run when workers start; folders of workers still
 * running on the same machine are left alone.
 *
 * @returns the folders removed
 */
export async function sweepStaleTempDirs(parent: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(NAME.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || (pid !== process.pid && processAlive(pid))) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
