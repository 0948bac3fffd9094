/** Private per-job temp folders, always removed when the work is done. */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Runs `work` with a fresh private folder (mode 0700) under `parent` and removes the folder afterwards,
 * whether `work` succeeded or threw.
 */
export async function withTempDir<T>(parent: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(parent, 'callqa-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
