/**
 * Locations inside the project folder, resolved the same from the TypeScript sources (vitest) and from
 * the compiled `dist/` tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`callqa: no package.json above ${start}`);
    dir = parent;
  }
}

/** Absolute path of the project folder (the one holding package.json). */
export const projectRoot: string = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
