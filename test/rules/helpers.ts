/** Test helpers: load a fixture transcript and run the default ruleset on it. */
import { readFileSync } from 'node:fs';
import { parseTranscriptText, type Transcript } from '../../domain/transcript.js';
import { analyzeTranscript, type AnalyzeOptions } from '../../rules/analyze.js';
import type { Report, RuleResult } from '../../domain/report.js';

/** Reads `test/fixtures/transcripts/<name>.json` as a validated transcript. */
export function fixture(name: string): Transcript {
  const url = new URL(`../fixtures/transcripts/${name}.json`, import.meta.url);
  return parseTranscriptText(readFileSync(url, 'utf8'), `${name}.json`);
}

/** Analyses a fixture with the default ruleset and a fixed clock. */
export function analyzeFixture(name: string, options: AnalyzeOptions = {}): Report {
  return analyzeTranscript(fixture(name), { now: new Date('2026-11-30T12:00:00Z'), ...options });
}

/** The result of one rule in a report (throws when absent). */
export function rule(report: Report, id: string): RuleResult {
  const r = report.rules.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id} in report of ${report.callId}`);
  return r;
}

/** Sorted banned-phrase ids found in a report. */
export function bannedIds(report: Report): string[] {
  return rule(report, 'banned_phrase')
    .findings.map((f) => f.phraseId ?? '?')
    .sort();
}

/**
 * A short call (20 s, four utterances) in which the agent says `agentLine` in the middle: the agent's
 * greeting, the caller's question `callerLine`, the line, the caller's goodbye.
 */
export function callWithAgentLine(agentLine: string, callerLine = '我这个材料交上去了能办吗'): Transcript {
  return {
    callId: 'agent-line',
    durationSec: 20,
    segments: [
      { start: 0, end: 3, speaker: 'agent', text: '您好，县行政服务中心，请讲。' },
      { start: 4, end: 7, speaker: 'customer', text: callerLine },
      { start: 8, end: 11, speaker: 'agent', text: agentLine },
      { start: 12, end: 14, speaker: 'customer', text: '好的，再见' },
    ],
  };
}

/** One utterance of a test call: who speaks and what. */
export type Turn = ['agent' | 'customer', string];

/**
 * The consent_before_hangup result of the default ruleset on a call built from `[speaker, text]` turns, 3 s
 * each with 0.5 s gaps (confidence 0.9), analysed at a fixed time.
 *
 * @param callId the transcript's call id (and file name in errors)
 */
export function consentOf(turns: Turn[], callId = 'consent-kinds'): RuleResult {
  const segments = turns.map(([speaker, text], i) => ({ start: i * 3.5, end: i * 3.5 + 3, speaker, text, confidence: 0.9 }));
  const transcript = parseTranscriptText(
    JSON.stringify({ callId, durationSec: turns.length * 3.5, language: 'zh', segments }),
    `${callId}.json`,
  );
  return rule(analyzeTranscript(transcript, { now: new Date('2026-11-30T12:00:00Z') }), 'consent_before_hangup');
}

/** Sorted banned-phrase ids the default ruleset finds in {@link callWithAgentLine}. */
export function bannedIdsOfAgentLine(agentLine: string, callerLine?: string): string[] {
  return bannedIds(analyzeTranscript(callWithAgentLine(agentLine, callerLine), { now: new Date(0) }));
}

/**
 * YAML of a small custom ruleset for language tests: the four required rules, the banned_phrase rule given
 * by `phrases` / `scope`, `extra` rules and `conditions` (YAML lines); named conditions closing_question and
 * hold are defined.
 */
export const customRuleset = (phrases: string, scope = '{ speaker: agent }', extra = '', conditions = ''): string => `version: lang@1
conditions:
  closing_question: { regex: '还有[^，]{0,6}(吗|么)' }
  hold: { any: [稍等] }
${conditions}
rules:
  - id: opening_greeting
    check: require
    deduct: { points: 1 }
    requirements: [{ name: g, when: { any: [您好] }, missing: m }]
  - id: consent_before_hangup
    check: consent
    deduct: { points: 1 }
    ask: { ref: closing_question }
    callerClose: { any: [再见] }
    hangUp: { any: [就这样] }
    lineCheck: { any: [喂] }
  - id: polite_language
    check: require
    deduct: { points: 1 }
    requirements: [{ name: f, when: { any: [再见] }, missing: m }]
  - id: banned_phrase
    check: forbid
    deduct: { points: 10, per: hit }
    scope: ${scope}
    phrases:
${phrases}
${extra}`;
