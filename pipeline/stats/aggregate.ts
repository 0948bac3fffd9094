/**
 * The monthly compliance statistics: the counts of a calendar month of scored calls, findings and review
 * decisions (queried by infra/db/stats-repository.ts), and the pure functions that turn those counts into the figures the
 * centre's management reads (issue 5). Outputs (workbook, HTML, CSV) are made from {@link MonthlyStats}
 * by the other modules of this folder.
 *
 * Definitions (each figure is the same for the centre, a line, an agent, a day and an hour of day):
 * - A call belongs to the month of its `started_at` in the statistics' time zone (STATS_TZ, default
 *   Asia/Shanghai); calls without a start time are in no month. Day and hour are local too.
 * - Only the findings of the ruleset version that scored the call count (a re-scored call keeps the old
 *   version's rows for their review history).
 * - A finding's decision is its latest `confirmed`/`dismissed` row in `review_decisions` (comments do not
 *   count); a finding without one is undecided.
 * - calls checked = scored calls; flagged = calls the pipeline flagged for review; flagged share =
 *   flagged ÷ calls; review coverage = flagged calls whose review is finished (`review_status` confirmed or
 *   dismissed) ÷ flagged calls.
 * - findings confirmed = findings whose decision is `confirmed`.
 * - Two bases (issue 12), each figure labelled with its own:
 *   - **as detected** (检出口径): every call of the month with the pipeline's automatic result: every
 *     finding counts, reviewed or not, dismissed or not.
 *   - **after review** (复核后口径): only the calls whose review is finished — calls the pipeline did not
 *     flag (nothing to review) and flagged calls whose `review_status` is confirmed or dismissed; calls
 *     still pending are left out. Dismissed findings are removed: a rule that failed only through findings
 *     that were all dismissed counts as passed, and the score is the score after review.
 *   - reviewed share = calls on the after-review basis ÷ calls checked: how much of the month the
 *     after-review figures speak for.
 * - average score: as detected, the mean automatic score of all calls; after review, the mean of the score
 *   after review (`reviewed_score`, else the automatic score) of the calls on that basis. The score
 *   distribution (bands <60, 60–69, 70–79, 80–89, 90–100) is on the after-review basis.
 * - compliance rate of a rule (greeting: `opening_greeting`, consent before hang-up:
 *   `consent_before_hangup`, and every other rule in the reports) = calls where it passed ÷ calls where it
 *   passed or failed (`na` calls, e.g. the caller cut the line, are left out), on either basis.
 * - banned phrases per 100 calls = `banned_phrase` findings (one per utterance and phrase id, as in the
 *   report) × 100 ÷ calls; after review: the findings not dismissed of the calls on that basis × 100 ÷
 *   those calls.
 * - review precision of a rule = its confirmed findings ÷ its decided findings (confirmed + dismissed):
 *   how often a finding of that rule holds up when a reviewer looks at it; undecided findings are left out.
 *   The denominator is shown beside it, and the rate is empty below {@link PRECISION_MIN_DECIDED} decided
 *   findings (one or two decisions say nothing about a rule).
 * - trend: the centre's figures on both bases for the 12 months ending with the month.
 * - sample miss rate per rule (抽检漏检率): pipeline/stats/sampling.ts.
 * - A rate or mean whose denominator is 0 is `null` (shown as "—"); counts are 0.
 * - Change against the previous month: current − previous, for rates in fractions (×100 = percentage
 *   points); `null` when either value is `null`.
 */
import type { Pool } from '../../infra/db/pool.js';
import { agentDirectoryNames } from '../../infra/agent-directory.js';
import { displayNamesByUsername } from '../../infra/db/accounts-repository.js';
import {
  confirmedFindings,
  monthCallCounts,
  monthFindingCounts,
  type CallCountsRow,
  type ConfirmedFindingRow,
  type GroupKey,
  type ScopeKind,
} from '../../infra/db/stats-repository.js';
import { querySampleMissRates, type SampleMissRow } from './sampling.js';
import { daysInMonth, formatMonth, monthBounds, previousMonth, type Month } from './month.js';

/** Rule id of the greeting compliance figure (norms: 您好 + the centre's name). */
export const GREETING_RULE = 'opening_greeting';
/** Rule id of the consent-before-hang-up compliance figure (norms: 中断或挂止电话，应先征得对方同意). */
export const CONSENT_RULE = 'consent_before_hangup';
/** Rule id whose findings are the banned phrases (B01–B15), one per utterance and phrase id. */
export const BANNED_RULE = 'banned_phrase';

/** Fewest decided findings of a rule for its review precision to be shown (else empty). */
export const PRECISION_MIN_DECIDED = 5;

/** Score bands of the distribution, inclusive bounds (scores are integers 0–100). */
export const SCORE_BANDS: readonly { label: string; from: number; to: number }[] = [
  { label: '<60', from: 0, to: 59 },
  { label: '60–69', from: 60, to: 69 },
  { label: '70–79', from: 70, to: 79 },
  { label: '80–89', from: 80, to: 89 },
  { label: '90–100', from: 90, to: 100 },
];

/**
 * Raw counts of one group of calls (a scope kind and key): the call counts the stats repository returns
 * ({@link CallCountsRow}: calls, flagged, reviewed, settled, score sums, score bands per {@link SCORE_BANDS},
 * rule statuses as detected and after review) and the finding counts folded in per rule and phrase id.
 */
export interface Counts extends Omit<CallCountsRow, keyof GroupKey> {
  /** Per rule id: findings raised and decided; `kept`: findings of settled calls not dismissed. */
  findings: Record<string, { raised: number; confirmed: number; dismissed: number; kept: number }>;
  /** Per banned-phrase id (B01…): findings raised, confirmed, and kept (settled calls, not dismissed). */
  phrases: Record<string, { raised: number; confirmed: number; kept: number }>;
}

/** The figures of one group of calls. Rates are fractions 0–1, `null` without a denominator. */
export interface Figures {
  calls: number;
  flagged: number;
  flaggedShare: number | null;
  reviewed: number;
  reviewCoverage: number | null;
  /** Calls on the after-review basis, and their share of the calls checked (reviewed share). */
  settled: number;
  settledShare: number | null;
  findings: number;
  confirmedFindings: number;
  /** As detected (all calls, automatic scores and statuses). */
  avgScore: number | null;
  greetingRate: number | null;
  consentRate: number | null;
  bannedPhrases: number;
  bannedPer100: number | null;
  /** After review (settled calls, dismissed findings removed). */
  avgScoreAfter: number | null;
  greetingRateAfter: number | null;
  consentRateAfter: number | null;
  bannedPhrasesAfter: number;
  bannedPer100After: number | null;
}

/** The headline figures, in the order reports show them, with their Chinese labels and kinds. */
export const HEADLINE: readonly { id: keyof Figures; label: string; kind: 'count' | 'rate' | 'score' | 'per100' }[] = [
  { id: 'calls', label: '质检通话数', kind: 'count' },
  { id: 'flagged', label: '标记待复核通话数', kind: 'count' },
  { id: 'flaggedShare', label: '标记率', kind: 'rate' },
  { id: 'confirmedFindings', label: '复核确认违规数', kind: 'count' },
  { id: 'reviewCoverage', label: '复核覆盖率（已复核的标记通话占比）', kind: 'rate' },
  { id: 'settledShare', label: '复核后口径覆盖的通话占比', kind: 'rate' },
  { id: 'avgScore', label: '平均分（检出口径）', kind: 'score' },
  { id: 'avgScoreAfter', label: '平均分（复核后口径）', kind: 'score' },
  { id: 'greetingRate', label: '开场问候合规率（检出口径）', kind: 'rate' },
  { id: 'greetingRateAfter', label: '开场问候合规率（复核后口径）', kind: 'rate' },
  { id: 'consentRate', label: '挂机前征得同意合规率（检出口径）', kind: 'rate' },
  { id: 'consentRateAfter', label: '挂机前征得同意合规率（复核后口径）', kind: 'rate' },
  { id: 'bannedPer100', label: '每百通禁用语次数（检出口径）', kind: 'per100' },
  { id: 'bannedPer100After', label: '每百通禁用语次数（复核后口径）', kind: 'per100' },
];

/** One headline figure with the previous month's value and the change. */
export interface HeadlineFigure {
  id: keyof Figures;
  label: string;
  kind: 'count' | 'rate' | 'score' | 'per100';
  value: number | null;
  previous: number | null;
  change: number | null;
}

/** A row of a per-line / per-agent / per-day / per-hour table. `key`: line name, agent id, day 1–31, hour 0–23. */
export interface ScopeRow {
  key: string;
  figures: Figures;
}

/** Per-rule figures for the month. */
export interface RuleRow {
  ruleId: string;
  /** As detected: calls per status, compliance rate. */
  pass: number;
  fail: number;
  na: number;
  complianceRate: number | null;
  /** After review: settled calls per status, compliance rate. */
  passAfter: number;
  failAfter: number;
  complianceRateAfter: number | null;
  findings: number;
  confirmed: number;
  dismissed: number;
  undecided: number;
  /** The precision's denominator: confirmed + dismissed. */
  decided: number;
  /** confirmed ÷ decided; null below {@link PRECISION_MIN_DECIDED} decided findings. */
  precision: number | null;
}

/** A banned phrase's use in the month. */
export interface PhraseRow {
  phraseId: string;
  /** As detected: findings, per 100 calls checked. */
  count: number;
  per100: number | null;
  confirmed: number;
  /** After review: findings not dismissed in settled calls, per 100 settled calls. */
  countAfter: number;
  per100After: number | null;
}

/** One month of the 12-month trend (the centre's figures). */
export interface TrendRow {
  month: string;
  figures: Figures;
}

/**
 * A finding confirmed by review, as the repository reads it ({@link ConfirmedFindingRow}), with `text` masked
 * (see domain/privacy.ts) and an unknown agent or line written {@link UNKNOWN_KEY}; times are local.
 */
export type ConfirmedViolation = ConfirmedFindingRow;

/** Everything the outputs show for one month. Deterministic: same data, same object (keys sorted). */
export interface MonthlyStats {
  month: string;
  previousMonth: string;
  timeZone: string;
  centre: Figures;
  headline: HeadlineFigure[];
  byLine: ScopeRow[];
  byAgent: ScopeRow[];
  /** Every day of the month, zero rows included. */
  byDay: ScopeRow[];
  /** Hours 0–23, zero rows included. */
  byHour: ScopeRow[];
  rules: RuleRow[];
  /** Most frequent first (ties by id). */
  phrases: PhraseRow[];
  scoreDistribution: { label: string; from: number; to: number; calls: number }[];
  confirmedViolations: ConfirmedViolation[];
  /** The 12 months ending with this one, oldest first. */
  trend: TrendRow[];
  /** Agent id → name and team/line from the agent directory (agents without an entry are not listed). */
  agentNames: Record<string, { name: string; team: string }>;
  /** Reviewer user name → display name (accounts of the review workspace). */
  reviewerNames: Record<string, string>;
  /** The sample's miss rate per rule with its 95 % Wilson interval (pipeline/stats/sampling.ts). */
  sampleMisses: SampleMissRow[];
}

/** Label used for calls without a line or agent id. */
export const UNKNOWN_KEY = '(未知)';

/** Empty counts. */
export function emptyCounts(): Counts {
  return {
    calls: 0,
    flagged: 0,
    reviewed: 0,
    settled: 0,
    scoreSum: 0,
    settledScoreSum: 0,
    scoreBands: SCORE_BANDS.map(() => 0),
    rules: {},
    rulesAfter: {},
    findings: {},
    phrases: {},
  };
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** Compliance rate of `ruleId` in `c`: pass ÷ (pass + fail), as detected or (`after`) after review. */
export function complianceRate(c: Counts, ruleId: string, after = false): number | null {
  const r = (after ? c.rulesAfter : c.rules)[ruleId];
  return r ? ratio(r.pass, r.pass + r.fail) : null;
}

/** The figures of a group from its counts (see the module comment for each definition). */
export function figuresOf(c: Counts): Figures {
  const findings = Object.values(c.findings).reduce((n, f) => n + f.raised, 0);
  const confirmed = Object.values(c.findings).reduce((n, f) => n + f.confirmed, 0);
  const banned = c.findings[BANNED_RULE]?.raised ?? 0;
  const bannedAfter = c.findings[BANNED_RULE]?.kept ?? 0;
  return {
    calls: c.calls,
    flagged: c.flagged,
    flaggedShare: ratio(c.flagged, c.calls),
    reviewed: c.reviewed,
    reviewCoverage: ratio(c.reviewed, c.flagged),
    settled: c.settled,
    settledShare: ratio(c.settled, c.calls),
    findings,
    confirmedFindings: confirmed,
    avgScore: ratio(c.scoreSum, c.calls),
    greetingRate: complianceRate(c, GREETING_RULE),
    consentRate: complianceRate(c, CONSENT_RULE),
    bannedPhrases: banned,
    bannedPer100: c.calls > 0 ? (banned * 100) / c.calls : null,
    avgScoreAfter: ratio(c.settledScoreSum, c.settled),
    greetingRateAfter: complianceRate(c, GREETING_RULE, true),
    consentRateAfter: complianceRate(c, CONSENT_RULE, true),
    bannedPhrasesAfter: bannedAfter,
    bannedPer100After: c.settled > 0 ? (bannedAfter * 100) / c.settled : null,
  };
}

/** The headline figures of `current` against `previous`. */
export function headlineOf(current: Figures, previous: Figures): HeadlineFigure[] {
  return HEADLINE.map(({ id, label, kind }) => {
    const value = current[id];
    const prev = previous[id];
    return { id, label, kind, value, previous: prev, change: value === null || prev === null ? null : value - prev };
  });
}

/**
 * Per-rule rows of the centre's counts, sorted by rule id.
 *
 * @param minDecided fewest decided findings for a precision (default {@link PRECISION_MIN_DECIDED})
 */
export function ruleRowsOf(c: Counts, minDecided = PRECISION_MIN_DECIDED): RuleRow[] {
  const ids = [...new Set([...Object.keys(c.rules), ...Object.keys(c.findings)])].sort();
  return ids.map((ruleId) => {
    const r = c.rules[ruleId] ?? { pass: 0, fail: 0, na: 0 };
    const a = c.rulesAfter[ruleId] ?? { pass: 0, fail: 0, na: 0 };
    const f = c.findings[ruleId] ?? { raised: 0, confirmed: 0, dismissed: 0, kept: 0 };
    const decided = f.confirmed + f.dismissed;
    return {
      ruleId,
      pass: r.pass,
      fail: r.fail,
      na: r.na,
      complianceRate: ratio(r.pass, r.pass + r.fail),
      passAfter: a.pass,
      failAfter: a.fail,
      complianceRateAfter: ratio(a.pass, a.pass + a.fail),
      findings: f.raised,
      confirmed: f.confirmed,
      dismissed: f.dismissed,
      undecided: f.raised - decided,
      decided,
      precision: decided >= minDecided ? f.confirmed / decided : null,
    };
  });
}

/** Banned-phrase rows, most frequent first, ties by phrase id. */
export function phraseRowsOf(c: Counts): PhraseRow[] {
  return Object.entries(c.phrases)
    .map(([phraseId, p]) => ({
      phraseId,
      count: p.raised,
      per100: c.calls > 0 ? (p.raised * 100) / c.calls : null,
      confirmed: p.confirmed,
      countAfter: p.kept,
      per100After: c.settled > 0 ? (p.kept * 100) / c.settled : null,
    }))
    .sort((a, b) => b.count - a.count || a.phraseId.localeCompare(b.phraseId));
}

/** Counts of every group of a month, keyed `kind` → key → counts. */
export type GroupedCounts = Record<ScopeKind, Map<string, Counts>>;

/**
 * Assembles the month's statistics from the grouped counts of the month and of the month before.
 * Pure: no database, no clock.
 */
export function buildStats(input: {
  month: Month;
  timeZone: string;
  current: GroupedCounts;
  previous: GroupedCounts;
  confirmedViolations: ConfirmedViolation[];
  /** The centre's counts of the 11 months before `month`, oldest first (empty counts for months without calls). */
  trend?: { month: Month; counts: Counts }[];
  agentNames?: Record<string, { name: string; team: string }>;
  reviewerNames?: Record<string, string>;
  sampleMisses?: SampleMissRow[];
  /** Fewest decided findings for a review precision (default {@link PRECISION_MIN_DECIDED}). */
  precisionMinDecided?: number;
}): MonthlyStats {
  const { month, current } = input;
  const centreCounts = current.centre.get('') ?? emptyCounts();
  const centre = figuresOf(centreCounts);
  const rowsOf = (kind: ScopeKind, keys?: string[]): ScopeRow[] => {
    const map = current[kind];
    const all = keys ?? [...map.keys()].sort((a, b) => a.localeCompare(b, 'en'));
    return all.map((key) => ({ key: key === '' ? UNKNOWN_KEY : key, figures: figuresOf(map.get(key) ?? emptyCounts()) }));
  };
  const days = Array.from({ length: daysInMonth(month) }, (_, i) => String(i + 1));
  const hours = Array.from({ length: 24 }, (_, i) => String(i));
  return {
    month: formatMonth(month),
    previousMonth: formatMonth(previousMonth(month)),
    timeZone: input.timeZone,
    centre,
    headline: headlineOf(centre, figuresOf(input.previous.centre.get('') ?? emptyCounts())),
    byLine: rowsOf('line'),
    byAgent: rowsOf('agent'),
    byDay: rowsOf('day', days),
    byHour: rowsOf('hour', hours),
    rules: ruleRowsOf(centreCounts, input.precisionMinDecided),
    phrases: phraseRowsOf(centreCounts),
    scoreDistribution: SCORE_BANDS.map((b, i) => ({ ...b, calls: centreCounts.scoreBands[i] ?? 0 })),
    confirmedViolations: input.confirmedViolations,
    trend: [...(input.trend ?? []), { month, counts: centreCounts }].map((t) => ({
      month: formatMonth(t.month),
      figures: figuresOf(t.counts),
    })),
    agentNames: input.agentNames ?? {},
    reviewerNames: input.reviewerNames ?? {},
    sampleMisses: input.sampleMisses ?? [],
  };
}

/**
 * Counts a month's calls, rule statuses and findings in PostgreSQL (infra/db/stats-repository.ts), grouped for
 * the centre and per line, agent, local day and local hour.
 *
 * @param timeZone IANA zone the month is read in (STATS_TZ)
 */
export async function queryMonthCounts(db: Pool, month: Month, timeZone: string, centreOnly = false): Promise<GroupedCounts> {
  const window = { ...monthBounds(month), timeZone };
  const grouped: GroupedCounts = { centre: new Map(), line: new Map(), agent: new Map(), day: new Map(), hour: new Map() };
  const groupOf = (g: GroupKey): Counts => {
    let counts = grouped[g.kind].get(g.key);
    if (!counts) grouped[g.kind].set(g.key, (counts = emptyCounts()));
    return counts;
  };
  const [calls, findings] = await Promise.all([
    monthCallCounts(db, window, SCORE_BANDS, centreOnly),
    monthFindingCounts(db, window, centreOnly),
  ]);
  for (const row of calls) {
    const { kind: _kind, key: _key, ...counts } = row;
    Object.assign(groupOf(row), counts);
  }
  for (const row of findings) {
    const c = groupOf(row);
    const f = (c.findings[row.ruleId] ??= { raised: 0, confirmed: 0, dismissed: 0, kept: 0 });
    f.raised += row.raised;
    f.confirmed += row.confirmed;
    f.dismissed += row.dismissed;
    f.kept += row.kept;
    if (row.ruleId === BANNED_RULE && row.phraseId) {
      const p = (c.phrases[row.phraseId] ??= { raised: 0, confirmed: 0, kept: 0 });
      p.raised += row.raised;
      p.confirmed += row.confirmed;
      p.kept += row.kept;
    }
  }
  return grouped;
}

/**
 * The month's confirmed findings, in call start order, with the transcript text passed through `mask`.
 */
export async function queryConfirmedViolations(
  db: Pool,
  month: Month,
  timeZone: string,
  mask: (text: string) => string,
): Promise<ConfirmedViolation[]> {
  const rows = await confirmedFindings(db, { ...monthBounds(month), timeZone });
  return rows.map((r) => ({ ...r, agentId: r.agentId || UNKNOWN_KEY, line: r.line || UNKNOWN_KEY, text: mask(r.text) }));
}

/**
 * Reads a month (and the month before, for the changes) from the database and assembles its statistics.
 *
 * @param mask privacy masking of transcript text (domain/privacy.ts maskText)
 */
export async function computeMonthlyStats(
  db: Pool,
  month: Month,
  timeZone: string,
  mask: (text: string) => string,
  options: { precisionMinDecided?: number } = {},
): Promise<MonthlyStats> {
  const earlier: Month[] = [];
  for (let m = previousMonth(month), i = 0; i < 11; i++, m = previousMonth(m)) earlier.unshift(m);
  // The 11 months before, centre only (the trend); the last of them is the previous month the changes compare with.
  const [current, earlierCounts, confirmedViolations, agentNames, reviewerNames, sampleMisses] = await Promise.all([
    queryMonthCounts(db, month, timeZone),
    Promise.all(earlier.map((m) => queryMonthCounts(db, m, timeZone, true))),
    queryConfirmedViolations(db, month, timeZone, mask),
    agentDirectoryNames(db),
    displayNamesByUsername(db),
    querySampleMissRates(db, month, timeZone),
  ]);
  const previous = earlierCounts.at(-1)!;
  const trendCounts = earlier.map((m, i) => ({ month: m, counts: earlierCounts[i]!.centre.get('') ?? emptyCounts() }));
  return buildStats({
    month,
    timeZone,
    current,
    previous,
    confirmedViolations,
    trend: trendCounts,
    agentNames,
    reviewerNames,
    sampleMisses,
    precisionMinDecided: options.precisionMinDecided,
  });
}
