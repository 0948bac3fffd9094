#!/usr/bin/env node
// Entry point of the `callqa` command: runs the compiled command line (see cli/callqa.ts).
// `npm run build` (run by scripts/setup.sh) writes dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/callqa.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('callqa: not built yet: run `npm run setup` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
await import(compiled);
