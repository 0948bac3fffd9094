/**
 * `callqa rules activate FILE` and `callqa rules list`, run as an operator runs them (the compiled CLI in a
 * child process) on a PostgreSQL database of their own.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase, openDatabase, type Pool } from '../../infra/db/pool.js';
import { DEFAULT_RULESET_PATH, defaultRuleset } from '../../rules/ruleset.js';
import { activeRuleset } from '../../infra/ruleset-store.js';
import { assertBuilt, runCallqa, TEST_DATABASE_URL } from '../support/integration.js';

describe('callqa rules activate / list', () => {
  let dir: string;
  let db: Pool;
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/callqa_rules_cli_${randomBytes(3).toString('hex')}`;
  const env = { DATABASE_URL: url.toString() };
  const shipped = readFileSync(DEFAULT_RULESET_PATH, 'utf8');
  const withVersion = (v: string) => shipped.replace(/^version: .*$/m, `version: ${v}`);

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-rules-activate-'));
    db = await openDatabase(url.toString());
  });
  afterAll(async () => {
    await db?.end();
    await rm(dir, { recursive: true, force: true });
    await dropDatabase(url.toString());
  });

  it('lists the shipped file as active when nothing was activated', async () => {
    const r = await runCallqa(['rules', 'list'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`* ${defaultRuleset().version}\tshipped file`);
  });

  it('refuses an invalid file with file:line: reason and saves nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'version: cli-test@bad\nrules: [\n');
    const r = await runCallqa(['rules', 'activate', bad], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}:\\d+: YAML syntax error`));
    expect((await db.query('SELECT count(*)::int AS n FROM rulesets')).rows[0].n).toBe(0);
  });

  it('saves and activates a file; list marks it; a changed text under the same version is refused', async () => {
    const file = path.join(dir, 'v1.yaml');
    await writeFile(file, withVersion('cli-test@1'));
    const r = await runCallqa(['rules', 'activate', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('saved and activated version cli-test@1');
    expect((await activeRuleset(db)).version).toBe('cli-test@1');

    const list = await runCallqa(['rules', 'list'], env);
    expect(list.stdout).toMatch(/^\* cli-test@1\tsaved by cli:/m);
    expect(list.stdout).toContain(`  ${defaultRuleset().version}\tshipped file`);
    const json = JSON.parse((await runCallqa(['rules', 'list', '--json'], env)).stdout);
    expect(json).toMatchObject({
      active: 'cli-test@1',
      versions: [{ version: 'cli-test@1', active: true }],
      activations: [{ version: 'cli-test@1' }],
    });

    await writeFile(file, `${withVersion('cli-test@1')}\n# changed\n`);
    const changed = await runCallqa(['rules', 'activate', file], env);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('saved already with a different text');

    const shippedCopy = path.join(dir, 'shipped.yaml');
    await writeFile(shippedCopy, shipped);
    const same = await runCallqa(['rules', 'activate', shippedCopy], env);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("is the shipped ruleset's");
    expect((await activeRuleset(db)).version).toBe('cli-test@1');
  });
});
