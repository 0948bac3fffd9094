/**
 * `callqa eval DIR --asr-noise RATE [--seed N]` and `scripts/eval-noise.ts`, run as a user runs them, on a
 * small copy of the service-calls set (eval/service-calls/tune).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCallqa as callqa } from '../support/integration.js';

const TUNE = path.resolve(import.meta.dirname, '../../eval/service-calls/tune');
const NOISE_SCRIPT = path.resolve(import.meta.dirname, '../../dist/scripts/eval-noise.js');

describe('callqa eval --asr-noise', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-eval-noise-'));
    // 30 calls of the set, with their labels.
    const files = (await readdir(TUNE))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .slice(0, 30);
    for (const f of files) await copyFile(path.join(TUNE, f), path.join(dir, f));
    const ids = new Set(files.map((f) => f.replace(/\.json$/, '')));
    const labels = (await readFile(path.join(TUNE, 'labels.jsonl'), 'utf8')).split('\n').filter((l) => l && ids.has(JSON.parse(l).callId));
    await writeFile(path.join(dir, 'labels.jsonl'), `${labels.join('\n')}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('corrupts the transcripts at the given character rate, the same way for the same seed', async () => {
    const clean = await callqa(['eval', dir, '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).not.toHaveProperty('asrNoise');

    const a = await callqa(['eval', dir, '--json', '--asr-noise', '0.2']);
    expect(a.code).toBe(0);
    const ra = JSON.parse(a.stdout);
    expect(ra).toMatchObject({ asrNoise: 0.2, seed: 1 });
    expect(ra.measuredCer).toBeGreaterThan(0.15);
    expect(ra.measuredCer).toBeLessThan(0.25);
    expect(ra.calls).toBe(30);

    const again = await callqa(['eval', dir, '--json', '--asr-noise', '0.2', '--seed', '1']);
    expect(JSON.parse(again.stdout)).toEqual(ra);
    const other = await callqa(['eval', dir, '--json', '--asr-noise', '0.2', '--seed', '2']);
    expect(JSON.parse(other.stdout).measuredCer).not.toBe(ra.measuredCer);

    const table = await callqa(['eval', dir, '--asr-noise', '0.1', '--seed', '3']);
    expect(table.stdout).toMatch(/simulated ASR errors: 10\.0 % of Han characters hit, seed 3, measured CER \d+\.\d %/);
  });

  it('refuses a rate outside 0..1 and a seed that is not an integer', async () => {
    const r = await callqa(['eval', dir, '--asr-noise', '1.5']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--asr-noise must be a number 0..1');
    const s = await callqa(['eval', dir, '--asr-noise', '0.1', '--seed', 'abc']);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toContain('--seed must be an integer');
  });

  it('scripts/eval-noise prints F1 per rule and false banned-phrase calls per noise level', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [NOISE_SCRIPT, dir, '--rates', '0,0.1', '--seeds', '1,2', '--json'], {
      encoding: 'utf8',
    });
    const r = JSON.parse(stdout);
    expect(r.calls).toBe(30);
    expect(r.rows.map((row: { rate: number; seeds: number[] }) => [row.rate, row.seeds])).toEqual([
      [0, [1]],
      [0.1, [1, 2]],
    ]);
    for (const row of r.rows) {
      expect(Object.keys(row.f1).sort()).toEqual(['banned_phrase', 'consent_before_hangup', 'opening_greeting']);
      expect(row.falseBannedPer100).toBeGreaterThanOrEqual(0);
    }
    expect(r.rows[0].measuredCer).toBe(0);
    expect(r.rows[1].measuredCer).toBeGreaterThan(0.07);
    expect(r.rows[1].measuredCer).toBeLessThan(0.13);
    // Clean figures equal those of `callqa eval` on the same set.
    const clean = JSON.parse((await callqa(['eval', dir, '--json'])).stdout);
    for (const [rule, m] of Object.entries(clean.perRule as Record<string, { f1: number }>))
      expect(r.rows[0].f1[rule]).toBeCloseTo(m.f1, 10);
  });
});
