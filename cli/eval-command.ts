/**
 * `callqa eval DIR [--ruleset FILE] [--json] [--min-f1 X] [--asr-noise RATE] [--seed N]`: measures a ruleset
 * against a labelled set — a folder of transcripts (format 1) with a `labels.jsonl` (contracts §5) — with
 * `evaluateRules`: per-rule precision / recall / F1 and the list of calls where the rules and the labels
 * disagree. With `--asr-noise` every transcript is first corrupted as Mandarin ASR would (rules/asr-noise.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTranscriptText, type Transcript } from '../domain/transcript.js';
import { DEFAULT_NOISE_SEED, corruptTranscripts } from '../rules/asr-noise.js';
import { evaluateRules, readLabels, type EvaluationResult, type Label } from '../rules/evaluate.js';
import { defaultRuleset, loadRuleset } from '../rules/ruleset.js';
import { expandTranscriptPaths } from './analyze-command.js';

/** Formats an evaluation as a table, the confusion list and the banned-phrase false alarms. */
export function formatEvaluation(result: EvaluationResult, rulesetVersion: string): string {
  const lines = [
    `ruleset ${rulesetVersion}, ${result.calls} labelled calls${result.missing.length ? ` (${result.missing.length} labels without a transcript: ${result.missing.join(', ')})` : ''}`,
    '',
    `${'rule'.padEnd(22)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'F1'.padStart(6)} ${'accuracy'.padStart(8)}   tp   fp   fn  calls`,
  ];
  for (const [rule, m] of Object.entries(result.perRule)) {
    lines.push(
      `${rule.padEnd(22)} ${m.precision.toFixed(3).padStart(9)} ${m.recall.toFixed(3).padStart(7)} ${m.f1.toFixed(3).padStart(6)} ${m.accuracy.toFixed(3).padStart(8)} ${String(m.tp).padStart(4)} ${String(m.fp).padStart(4)} ${String(m.fn).padStart(4)} ${String(m.calls).padStart(6)}`,
    );
  }
  lines.push('', result.confusions.length ? 'confusions (call, rule: expected → got):' : 'confusions: none');
  for (const c of result.confusions) lines.push(`  ${c.callId} ${c.rule}: ${c.expected} → ${c.got}`);
  lines.push(
    `calls flagged for a banned phrase the agent did not say: ${result.bannedFalseAlarmCalls.length ? result.bannedFalseAlarmCalls.join(', ') : 'none'}`,
  );
  return lines.join('\n');
}

/** A labelled set as read from its folder. */
export interface LabelledSet {
  labels: Label[];
  transcripts: Transcript[];
}

/**
 * Reads a labelled set: `DIR/labels.jsonl` and every transcript (`*.json`) in DIR.
 *
 * @param dir the set's folder
 * @throws {Error} naming the file and the reason when labels.jsonl is missing or malformed or a transcript
 *   is not valid JSON / format 1
 */
export async function readLabelledSet(dir: string): Promise<LabelledSet> {
  const labels = readLabels(path.join(dir, 'labels.jsonl'));
  const transcripts: Transcript[] = [];
  for (const { file, error } of await expandTranscriptPaths([dir])) {
    if (error) throw new Error(`${file}: ${error}`);
    transcripts.push(parseTranscriptText(await readFile(file, 'utf8'), file));
  }
  return { labels, transcripts };
}

/**
 * Runs the evaluation.
 *
 * @param dir folder with `*.json` transcripts and `labels.jsonl`
 * @param options `ruleset`: a ruleset file (default the shipped one); `json`: print the result as JSON;
 *   `minF1`: exit 1 when a labelled rule's F1 is below it; `asrNoise`: corrupt the transcripts first with
 *   this character rate (0..1, {@link corruptTranscripts}; the output then carries `asrNoise`, `seed` and the
 *   `measuredCer` of the corruption); `seed`: its seed (default {@link DEFAULT_NOISE_SEED});
 *   `centreNames`: as for `callqa analyze`
 * @returns exit code: 0, or 1 when the set cannot be read, a transcript is invalid, a label has no
 *   transcript, or F1 is below `minF1`
 */
export async function evalCommand(
  dir: string,
  options: { ruleset?: string; json?: boolean; minF1?: number; asrNoise?: number; seed?: number; centreNames: string[] },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let result: EvaluationResult;
  let version: string;
  let noise: { asrNoise: number; seed: number; measuredCer: number } | undefined;
  try {
    const ruleset = options.ruleset ? loadRuleset(options.ruleset) : defaultRuleset();
    version = ruleset.version;
    const set = await readLabelledSet(dir);
    let transcripts = set.transcripts;
    if (options.asrNoise) {
      const seed = options.seed ?? DEFAULT_NOISE_SEED;
      const noisy = corruptTranscripts(transcripts, options.asrNoise, seed);
      transcripts = noisy.transcripts;
      noise = { asrNoise: options.asrNoise, seed, measuredCer: noisy.measuredCer };
    }
    result = evaluateRules(transcripts, set.labels, { ruleset, centreNames: options.centreNames });
  } catch (error) {
    err.write(`callqa eval: ${(error as Error).message}\n`);
    return 1;
  }
  out.write(
    options.json
      ? `${JSON.stringify({ rulesetVersion: version, ...noise, ...result })}\n`
      : `${noise ? `simulated ASR errors: ${(noise.asrNoise * 100).toFixed(1)} % of Han characters hit, seed ${noise.seed}, measured CER ${(noise.measuredCer * 100).toFixed(1)} %\n` : ''}${formatEvaluation(result, version)}\n`,
  );
  if (result.missing.length) {
    // A label whose call has no transcript in DIR means the set is not what the labels describe.
    err.write(`callqa eval: ${result.missing.length} labels have no transcript in ${dir}: ${result.missing.join(', ')}\n`);
    return 1;
  }
  if (options.minF1 !== undefined) {
    const low = Object.entries(result.perRule).filter(([, m]) => m.f1 < options.minF1!);
    if (low.length) {
      err.write(`callqa eval: F1 below ${options.minF1} for ${low.map(([r, m]) => `${r} (${m.f1.toFixed(3)})`).join(', ')}\n`);
      return 1;
    }
  }
  return 0;
}
