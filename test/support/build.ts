/**
 * Global set-up of the `integration` test project (vitest.config.ts): compiles the sources into dist/ once per
 * run with `tsc -p tsconfig.json`, as `npm run build` does, so that the command line the tests start
 * (`node bin/callqa.js`, which loads dist/) and the scripts they run from dist/ are the current sources, never an
 * older build. A failed build fails the run with the compiler's output.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs `tsc -p tsconfig.json` in the project folder; throws with the compiler's output when it fails. */
export default async function buildDist(): Promise<void> {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `the TypeScript build (tsc -p tsconfig.json) failed, so the tests would run an outdated dist/:\n${e.stdout || e.stderr || e.message}`,
    );
  }
}
