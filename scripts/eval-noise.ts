/**
 * How the rules hold up under ASR errors: scores a labelled set (transcripts + labels.jsonl) clean and with
 * simulated Mandarin ASR errors (rules/asr-noise.ts) at several character rates, and prints per noise level
 * the F1 of each rule (averaged over the seeds) and the number of calls falsely flagged for a banned phrase
 * per 100 calls whose label lists none (issue 9 targets: F1 ≥ 0.95 clean, ≥ 0.90 at 10 %, ≥ 0.85 at 20 %;
 * at most 1 false banned-phrase call per 100).
 *
 * Run after `npx tsc -p tsconfig.json`:
 *   node dist/scripts/eval-noise.js DIR [--rates 0,0.05,0.1,0.2] [--seeds 1,2,3] [--ruleset FILE] [--json]
 * e.g. `node dist/scripts/eval-noise.js eval/service-calls/holdout`. Rate 0 is scored once (no randomness).
 */
import { parseArgs } from 'node:util';
import { readLabelledSet } from '../cli/eval-command.js';
import { loadConfig } from '../infra/config.js';
import { corruptTranscripts } from '../rules/asr-noise.js';
import { evaluateRules } from '../rules/evaluate.js';
import { defaultRuleset, loadRuleset } from '../rules/ruleset.js';

/** One noise level's figures, averaged over the seeds. */
interface NoiseRow {
  rate: number;
  seeds: number[];
  /** Mean character error rate the corruption actually introduced (0..1). */
  measuredCer: number;
  /** Mean F1 per rule id. */
  f1: Record<string, number>;
  /** Calls flagged for a banned phrase their label does not list, per 100 calls labelled with none. */
  falseBannedPer100: number;
}

function numbers(list: string, name: string): number[] {
  const values = list.split(',').map((s) => Number(s.trim()));
  if (!values.length || values.some((v) => !Number.isFinite(v)))
    throw new Error(`--${name} must be a comma-separated list of numbers, got "${list}"`);
  return values;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rates: { type: 'string', default: '0,0.05,0.1,0.2' },
      seeds: { type: 'string', default: '1,2,3' },
      ruleset: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: eval-noise DIR [--rates 0,0.05,0.1,0.2] [--seeds 1,2,3] [--ruleset FILE] [--json]');
  const rates = numbers(values.rates, 'rates');
  if (rates.some((r) => r < 0 || r > 1)) throw new Error(`--rates must lie in 0..1, got "${values.rates}"`);
  const seeds = numbers(values.seeds, 'seeds');
  const ruleset = values.ruleset ? loadRuleset(values.ruleset) : defaultRuleset();
  const { centreNames } = loadConfig();
  const set = await readLabelledSet(dir);
  const withoutBanned = set.labels.filter((l) => l.expect.banned_phrase !== undefined && l.expect.banned_phrase.length === 0).length;

  const rows: NoiseRow[] = [];
  for (const rate of rates) {
    const runSeeds = rate === 0 ? [seeds[0]!] : seeds;
    const f1: Record<string, number> = {};
    let falseCalls = 0;
    let measuredCer = 0;
    for (const seed of runSeeds) {
      const noisy = rate === 0 ? { transcripts: set.transcripts, measuredCer: 0 } : corruptTranscripts(set.transcripts, rate, seed);
      const transcripts = noisy.transcripts;
      measuredCer += noisy.measuredCer / runSeeds.length;
      const result = evaluateRules(transcripts, set.labels, { ruleset, centreNames });
      if (result.missing.length) throw new Error(`${dir}: labels without a transcript: ${result.missing.join(', ')}`);
      for (const [rule, m] of Object.entries(result.perRule)) f1[rule] = (f1[rule] ?? 0) + m.f1 / runSeeds.length;
      falseCalls += result.bannedFalseAlarmCalls.filter(
        (id) => set.labels.find((l) => l.callId === id)?.expect.banned_phrase?.length === 0,
      ).length;
    }
    rows.push({
      rate,
      seeds: runSeeds,
      measuredCer,
      f1,
      falseBannedPer100: withoutBanned ? (100 * falseCalls) / runSeeds.length / withoutBanned : 0,
    });
  }

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ set: dir, rulesetVersion: ruleset.version, calls: set.labels.length, callsWithoutBanned: withoutBanned, rows })}\n`,
    );
    return;
  }
  const rules = Object.keys(rows[0]?.f1 ?? {});
  process.stdout.write(
    `${dir}: ${set.labels.length} labelled calls (${withoutBanned} without a banned phrase), ruleset ${ruleset.version}, seeds ${seeds.join(',')}\n`,
  );
  process.stdout.write(
    `${'ASR noise'.padEnd(10)}${'CER'.padStart(7)}${rules.map((r) => `F1 ${r}`.padStart(26)).join('')}${'false banned /100'.padStart(20)}\n`,
  );
  for (const row of rows) {
    process.stdout.write(
      `${`${(row.rate * 100).toFixed(0)} %`.padEnd(10)}${`${(row.measuredCer * 100).toFixed(1)} %`.padStart(7)}${rules.map((r) => row.f1[r]!.toFixed(3).padStart(26)).join('')}${row.falseBannedPer100.toFixed(1).padStart(20)}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`eval-noise: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
