/** The project's source files, for the checks that read them as text (test/architecture). */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Every `.ts`, `.cjs` and `.mjs` file below `dir` (declaration files left out), as absolute paths. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
