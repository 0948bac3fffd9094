/**
 * The layer order of ARCHITECTURE.md, checked on every source file: a module may import only from its own layer
 * and the layers below it. Imports are read from the sources (static `import`/`export … from` and dynamic
 * `import()`), so a new upward import fails here before it is reviewed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/paths.js';

/** Lowest first. A folder's modules may import from folders at or before it in this list. */
const LAYERS = ['domain', 'text', 'rules', 'infra', 'pipeline', 'workers', 'web', 'cli'] as const;

/**
 * Upward imports that exist today and are being moved out; the list may only shrink (an entry that no longer
 * occurs fails the test too, so it is removed when its import is).
 */
const KNOWN_UPWARD: string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|cjs|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project-relative module paths a source file imports (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) => path.relative(projectRoot, path.resolve(path.dirname(file), s)));
}

function layerOf(relativePath: string): number {
  return LAYERS.indexOf(relativePath.split(path.sep)[0] as (typeof LAYERS)[number]);
}

describe('layers', () => {
  it('every module imports only from its own layer or a lower one', () => {
    const upward: string[] = [];
    for (const layer of LAYERS) {
      for (const file of sourceFiles(path.join(projectRoot, layer))) {
        const from = path.relative(projectRoot, file);
        for (const target of importsOf(file)) {
          const to = layerOf(target);
          if (to > layerOf(from)) upward.push(`${from} -> ${LAYERS[to]}`);
        }
      }
    }
    expect([...new Set(upward)].sort()).toEqual([...KNOWN_UPWARD].sort());
  });

  it('reads imports the way the compiler does (a check that finds nothing would pass anything)', () => {
    const imports = importsOf(path.join(projectRoot, 'pipeline', 'stages', 'analyze.ts'));
    expect(imports.some((p) => p.startsWith(`rules${path.sep}`))).toBe(true);
    expect(imports.some((p) => p.startsWith(`domain${path.sep}`))).toBe(true);
  });
});
