/**
 * Measures the rules on the labelled dev set in ../shared/eval/dev (beside the project root). Skips, with a
 * message, when that folder is absent. Targets (issue 3): F1 of at least 0.95 for each of the three labelled
 * rules (banned_phrase counted per call and phrase id), and at most one call flagged for a banned phrase the
 * agent did not say.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTranscriptText } from '../../domain/transcript.js';
import { evaluateRules, readLabels } from '../../rules/evaluate.js';

const devDir = fileURLToPath(new URL('../../../shared/eval/dev/', import.meta.url));
const present = existsSync(`${devDir}labels.jsonl`);
if (!present) console.log(`dev-set.test: skipped, no labelled dev set at ${devDir} (expected ../shared/eval/dev beside the project root)`);

describe.skipIf(!present)('rules on the labelled dev set', () => {
  it('reaches F1 ≥ 0.95 per labelled rule, with at most one banned-phrase false-alarm call', () => {
    const transcripts = readdirSync(devDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => parseTranscriptText(readFileSync(`${devDir}${f}`, 'utf8'), f));
    const labels = readLabels(`${devDir}labels.jsonl`);
    const result = evaluateRules(transcripts, labels, { now: new Date(0) });
    const lines = Object.entries(result.perRule).map(
      ([rule, m]) =>
        `${rule.padEnd(22)} precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  F1 ${m.f1.toFixed(3)}  accuracy ${m.accuracy.toFixed(3)}  (tp ${m.tp}, fp ${m.fp}, fn ${m.fn}, ${m.calls} calls)`,
    );
    console.log(`dev set: ${result.calls} calls\n${lines.join('\n')}`);
    if (result.confusions.length) {
      console.log(
        'confusions:\n' + result.confusions.map((c) => `  ${c.callId} ${c.rule}: expected ${c.expected}, got ${c.got}`).join('\n'),
      );
    }
    console.log(`calls with a banned phrase the agent did not say: ${result.bannedFalseAlarmCalls.join(', ') || 'none'}`);
    expect(result.missing).toEqual([]);
    for (const rule of ['opening_greeting', 'consent_before_hangup', 'banned_phrase']) {
      const m = result.perRule[rule];
      expect(m, rule).toBeDefined();
      expect(m!.precision, `${rule} precision`).toBeGreaterThanOrEqual(0.85);
      expect(m!.recall, `${rule} recall`).toBeGreaterThanOrEqual(0.85);
      expect(m!.f1, `${rule} F1`).toBeGreaterThanOrEqual(0.95);
    }
    expect(result.bannedFalseAlarmCalls.length, `false-alarm calls: ${result.bannedFalseAlarmCalls.join(', ')}`).toBeLessThanOrEqual(1);
  });
});
