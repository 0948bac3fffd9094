/**
 * Robustness of the rules under simulated ASR errors (issue 9): the labelled dev set in ../shared/eval/dev,
 * corrupted by the project's ASR noise model (rules/asr-noise.ts: same-sound and near-sound substitutions,
 * drops and doublings, seeded) at 5, 10 and 20 % of characters, five seeds per rate. Targets: mean F1 per rule ≥ 0.90 at 10 %, ≥ 0.85 at 20 %, and at
 * most 1 call in 100 flagged for a banned phrase the agent did not say. Skips, saying why, without the set.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTranscriptText } from '../../domain/transcript.js';
import { evaluateRules, readLabels } from '../../rules/evaluate.js';
import { corruptTranscript } from '../../rules/asr-noise.js';

const devDir = fileURLToPath(new URL('../../../shared/eval/dev/', import.meta.url));
const present = existsSync(`${devDir}labels.jsonl`);
if (!present)
  console.log(`dev-set-noise.test: skipped, no labelled dev set at ${devDir} (expected ../shared/eval/dev beside the project root)`);

const RULES = ['opening_greeting', 'consent_before_hangup', 'banned_phrase'];
const TARGET: Record<number, number> = { 0.05: 0.9, 0.1: 0.9, 0.2: 0.85 };

describe.skipIf(!present)('rules on the dev set under simulated ASR errors', () => {
  const transcripts = present
    ? readdirSync(devDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => parseTranscriptText(readFileSync(`${devDir}${f}`, 'utf8'), f))
    : [];
  const labels = present ? readLabels(`${devDir}labels.jsonl`) : [];
  it.each([0.05, 0.1, 0.2])(
    'at %s character error rate',
    (rate) => {
      const f1: Record<string, number[]> = {};
      let falseAlarms = 0;
      let calls = 0;
      for (const seed of [1, 2, 3, 4, 5]) {
        const r = evaluateRules(
          transcripts.map((t) => corruptTranscript(t, rate, seed)),
          labels,
          { now: new Date(0) },
        );
        for (const rule of RULES) (f1[rule] ??= []).push(r.perRule[rule]!.f1);
        falseAlarms += r.bannedFalseAlarmCalls.length;
        calls += r.calls;
      }
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      console.log(
        `dev set at ${rate * 100} % CER (5 seeds): ${RULES.map((r) => `${r} F1 ${mean(f1[r]!).toFixed(3)}`).join(', ')}; false banned-phrase calls ${falseAlarms}/${calls}`,
      );
      for (const rule of RULES) expect(mean(f1[rule]!), rule).toBeGreaterThanOrEqual(TARGET[rate]!);
      expect(falseAlarms / calls).toBeLessThanOrEqual(0.01);
    },
    60_000,
  );
});
