/**
 * The command line the tests start (bin/callqa.js, which loads dist/) runs the current sources: the
 * integration project's global set-up (test/support/build.ts) compiled them at the start of this run, so
 * every source file of tsconfig.json has its compiled module in dist/, written after the source was last
 * changed. Editing a source and running a CLI test therefore needs no manual build.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/paths.js';

/** The TypeScript sources that tsconfig.json compiles (its `include`: folders, and `scripts/*.ts`). */
function compiledSources(): string[] {
  const { include } = JSON.parse(readFileSync(path.join(projectRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };
  return include.flatMap((entry) => {
    const dir = path.join(projectRoot, entry.endsWith('/*.ts') ? entry.slice(0, -'/*.ts'.length) : entry);
    const files = readdirSync(dir, { recursive: !entry.endsWith('/*.ts'), encoding: 'utf8' });
    return files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.relative(projectRoot, path.join(dir, f)));
  });
}

describe('the build the tests run', () => {
  it('has every source compiled after its last change', () => {
    const sources = compiledSources();
    expect(sources).toContain(path.join('cli', 'callqa.ts'));
    const stale = sources.filter((source) => {
      const compiled = path.join(projectRoot, 'dist', source.replace(/\.ts$/, '.js'));
      let compiledAt: number;
      try {
        compiledAt = statSync(compiled).mtimeMs;
      } catch {
        return true; // not compiled at all
      }
      return compiledAt < statSync(path.join(projectRoot, source)).mtimeMs;
    });
    expect(stale).toEqual([]);
  });
});
