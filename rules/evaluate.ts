/**
 * Measures the rules against a labelled evaluation set (`eval/<set>/` in the project, `../shared/eval/dev/`:
 * transcripts in format 1 and a `labels.jsonl`, contracts §5).
 */
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import type { Transcript } from '../domain/transcript.js';
import { analyzeTranscript, type AnalyzeOptions } from './analyze.js';
import type { RuleStatus } from '../domain/report.js';

/**
 * One line of labels.jsonl: the expected outcome for a call. `banned_phrase` lists the phrase ids (`B01`…)
 * the agent used; empty when none. `why` describes the kind of case.
 */
export interface Label {
  callId: string;
  expect: {
    opening_greeting?: RuleStatus;
    consent_before_hangup?: RuleStatus;
    banned_phrase?: string[];
  };
  why?: string;
}

/**
 * Counts and scores of one rule over the set. For status rules the positive class is `fail`; for
 * `banned_phrase` the items are (call, phraseId) pairs (see {@link evaluateRules}).
 * `precision` = tp / (tp + fp), 1 when nothing was predicted positive; `recall` = tp / (tp + fn), 1 when
 * nothing was expected positive; `f1` their harmonic mean (0 when both are 0); `accuracy` = share of
 * labelled calls whose outcome is exactly right (all three statuses for status rules, the exact id set for
 * banned_phrase).
 */
export interface RuleMetrics {
  tp: number;
  fp: number;
  fn: number;
  /** Labelled calls counted for this rule. */
  calls: number;
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

/** A disagreement: for status rules the statuses; for banned_phrase the sorted id lists (`-` for none). */
export interface Confusion {
  callId: string;
  rule: string;
  expected: string;
  got: string;
}

/** Result of {@link evaluateRules}. */
export interface EvaluationResult {
  /** Keyed by rule id: opening_greeting, consent_before_hangup, banned_phrase (those that have labels). */
  perRule: Record<string, RuleMetrics>;
  confusions: Confusion[];
  /** Labelled calls evaluated (labels without a transcript are listed in `missing`). */
  calls: number;
  missing: string[];
  /** Calls with at least one banned phrase found that the label does not list (false alarms). */
  bannedFalseAlarmCalls: string[];
}

const STATUS_RULES = ['opening_greeting', 'consent_before_hangup'] as const;

function metrics(tp: number, fp: number, fn: number, calls: number, correct: number): RuleMetrics {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, calls, precision, recall, f1, accuracy: calls ? correct / calls : 1 };
}

/**
 * Runs {@link analyzeTranscript} on every labelled call and compares.
 *
 * Definitions (the project's evaluation contract):
 * - `opening_greeting`, `consent_before_hangup`: the positive class is `fail` (a violation). Expected `fail`
 *   and got `fail` is a TP; got `fail` otherwise a FP; expected `fail` and got `pass`/`na` a FN.
 *   `accuracy` compares all three statuses (pass / fail / na).
 * - `banned_phrase`: items are (callId, phraseId) pairs: a pair found and labelled is a TP, found and not
 *   labelled a FP, labelled and not found a FN. `accuracy`: share of calls whose id set is exactly right.
 *
 * @param transcripts parsed transcripts; matched to labels by `callId`
 * @param labels from {@link readLabels}
 * @param options passed to `analyzeTranscript` (ruleset, centre names)
 */
export function evaluateRules(transcripts: Transcript[], labels: Label[], options: AnalyzeOptions = {}): EvaluationResult {
  const byId = new Map(transcripts.map((t) => [t.callId, t]));
  const counts: Record<string, { tp: number; fp: number; fn: number; calls: number; correct: number }> = {};
  const count = (rule: string) => (counts[rule] ??= { tp: 0, fp: 0, fn: 0, calls: 0, correct: 0 });
  const confusions: Confusion[] = [];
  const missing: string[] = [];
  const falseAlarms: string[] = [];
  let calls = 0;
  for (const label of labels) {
    const t = byId.get(label.callId);
    if (!t) {
      missing.push(label.callId);
      continue;
    }
    calls++;
    const report = analyzeTranscript(t, options);
    const status = (id: string) => report.rules.find((r) => r.id === id);
    for (const rule of STATUS_RULES) {
      const expected = label.expect[rule];
      if (expected === undefined) continue;
      const got = status(rule)?.status ?? 'na';
      const c = count(rule);
      c.calls++;
      if (got === expected) c.correct++;
      else confusions.push({ callId: label.callId, rule, expected, got });
      if (expected === 'fail' && got === 'fail') c.tp++;
      else if (got === 'fail') c.fp++;
      else if (expected === 'fail') c.fn++;
    }
    const expectedIds = label.expect.banned_phrase;
    if (expectedIds !== undefined) {
      const c = count('banned_phrase');
      c.calls++;
      const got = new Set((status('banned_phrase')?.findings ?? []).map((f) => f.phraseId).filter((p): p is string => !!p));
      const want = new Set(expectedIds);
      let exact = got.size === want.size;
      for (const id of got) {
        if (want.has(id)) c.tp++;
        else {
          c.fp++;
          exact = false;
        }
      }
      for (const id of want) if (!got.has(id)) c.fn++;
      if ([...got].some((id) => !want.has(id))) falseAlarms.push(label.callId);
      if (exact) c.correct++;
      else {
        const show = (s: Set<string>) => [...s].sort().join(',') || '-';
        confusions.push({ callId: label.callId, rule: 'banned_phrase', expected: show(want), got: show(got) });
      }
    }
  }
  const perRule: Record<string, RuleMetrics> = {};
  for (const [rule, c] of Object.entries(counts)) perRule[rule] = metrics(c.tp, c.fp, c.fn, c.calls, c.correct);
  return { perRule, confusions, calls, missing, bannedFalseAlarmCalls: falseAlarms };
}

/** Schema of one labels.jsonl line (format: shared contracts §5). Unknown rule ids are refused, not skipped. */
const labelSchema = z
  .object({
    callId: z.string().min(1),
    expect: z
      .object({
        opening_greeting: z.enum(['pass', 'fail', 'na']).optional(),
        consent_before_hangup: z.enum(['pass', 'fail', 'na']).optional(),
        banned_phrase: z.array(z.string().regex(/^B(0[1-9]|1[0-5])$/, 'a banned-phrase id B01…B15')).optional(),
      })
      .strict(),
    why: z.string().optional(),
  })
  .loose();

/**
 * Reads a labels.jsonl file: one JSON {@link Label} per non-empty line, e.g.
 * `{"callId": "dev-001", "expect": {"opening_greeting": "pass", "consent_before_hangup": "na", "banned_phrase": ["B01"]}}`.
 * `opening_greeting` / `consent_before_hangup` take `pass`, `fail` or `na`; `banned_phrase` is the list of
 * phrase ids the agent used (empty: none). A rule left out of `expect` is not scored for that call.
 *
 * @param path file system path
 * @throws {Error} `"<path>:<line>: <reason>"` when a line is not JSON, lacks `callId` / `expect`, names an
 *   unknown rule or has a value of the wrong kind (e.g. `"banned_phrase": "pass"`)
 */
export function readLabels(path: string): Label[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\n');
  const labels: Label[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not JSON: ${(error as Error).message}`);
    }
    const parsed = labelSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown rule id(s) in "expect": ${issue.keys.join(', ')}`
            : `${issue.path.join('.') || '(line)'}: ${issue.message}`,
        )
        .join('; ');
      throw new Error(`${path}:${i + 1}: not a label: ${problems}`);
    }
    labels.push(parsed.data);
  });
  return labels;
}
