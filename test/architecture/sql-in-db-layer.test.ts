/**
 * One database layer: outside infra/db/ no source file (every layer and the scripts) queries PostgreSQL or
 * holds SQL. Tests may (fixtures). The benchmarks' generated calls are in infra/db/synthetic-calls.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../support/source-files.js';
import { projectRoot } from '../../infra/paths.js';

/** Folders of project source (every layer, and the scripts). */
const SOURCE_DIRS = ['domain', 'text', 'rules', 'infra', 'pipeline', 'workers', 'web', 'cli', 'scripts'];

/** The layer itself. */
const DB_LAYER = path.join('infra', 'db') + path.sep;

/** A query call, or an SQL statement in a string (`SELECT 1`, `INSERT INTO t`, `UPDATE t SET`, `DELETE FROM`, transactions). */
const SQL = [
  /\.query(?:<[^>]*>)?\(/,
  /['"`]\s*(?:SELECT|WITH)\s+[\w*($]/,
  /\b(?:SELECT\s+[\w*(][^'"`\n]*\s+FROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|ON\s+CONFLICT|CREATE\s+(?:TABLE|DATABASE|INDEX)|DROP\s+(?:TABLE|DATABASE))\b/,
  /['"`](?:BEGIN|COMMIT|ROLLBACK)['"`]/,
];

/** The lines of a file that look like SQL or a query call; doc comments and line comments are left out. */
function sqlLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => !/^\s*(?:\*|\/\/|\/\*)/.test(line) && SQL.some((re) => re.test(line)))
    .map(({ line, n }) => `${n}: ${line.trim()}`);
}

describe('SQL lives in infra/db only', () => {
  it('no module outside infra/db/ runs a query or holds SQL', () => {
    const found: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(path.join(projectRoot, dir))) {
        const rel = path.relative(projectRoot, file);
        if (rel.startsWith(DB_LAYER)) continue;
        found.push(...sqlLines(file).map((l) => `${rel}:${l}`));
      }
    }
    expect(found).toEqual([]);
  });

  it('finds SQL the way it is written here (a check that finds nothing would pass anything)', () => {
    const repository = sqlLines(path.join(projectRoot, 'infra', 'db', 'reviews-repository.ts'));
    expect(repository.some((l) => l.includes('.query('))).toBe(true);
    expect(repository.some((l) => /INSERT INTO review_decisions/.test(l))).toBe(true);
    expect(sqlLines(path.join(projectRoot, 'infra', 'db', 'transaction.ts')).some((l) => l.includes("'BEGIN'"))).toBe(true);
    // The call page's script compares an HTML tag name with 'SELECT': not SQL.
    expect(sqlLines(path.join(projectRoot, 'web', 'assets.ts'))).toEqual([]);
  });
});
