/**
 * The monthly statistics' queries (definitions: pipeline/stats/aggregate.ts, which turns these counts into
 * figures; pipeline/stats/sampling.ts for the sample's miss rates). A month is given as its local wall-clock
 * bounds and time zone (pipeline/stats/month.ts monthBounds, STATS_TZ); a call belongs to it by its
 * `started_at` (the sample: start, else analysis time).
 */
import { RULE_IDS } from '../../domain/report.js';
import type { Pool } from './pool.js';

/** A month as the queries read it: local `yyyy-mm-dd hh:mm:ss` bounds `[startLocal, endLocal)` in `timeZone`. */
export interface MonthWindow {
  startLocal: string;
  endLocal: string;
  timeZone: string;
}

/** The groupings the statistics are made for. */
export type ScopeKind = 'centre' | 'line' | 'agent' | 'day' | 'hour';

/** A group of calls: the centre (key ''), a line or agent ('' when unknown), a local day 1–31 or hour 0–23. */
export interface GroupKey {
  kind: ScopeKind;
  key: string;
}

/** An inclusive score band (scores are integers 0–100). */
export interface ScoreBand {
  from: number;
  to: number;
}

/** Calls per rule status. */
export interface StatusCounts {
  pass: number;
  fail: number;
  na: number;
}

/** Calls of one group: flags, reviews, scores and rule statuses (see pipeline/stats/aggregate.ts Counts). */
export interface CallCountsRow extends GroupKey {
  calls: number;
  flagged: number;
  reviewed: number;
  settled: number;
  scoreSum: number;
  settledScoreSum: number;
  /** Settled calls per score band (score after review), in the order of the bands asked for. */
  scoreBands: number[];
  /** Per rule id with any call: calls with that status, as detected and (settled calls) after review. */
  rules: Record<string, StatusCounts>;
  rulesAfter: Record<string, StatusCounts>;
}

/** Findings of one group, rule and banned-phrase id ('' for other rules). */
export interface FindingCountsRow extends GroupKey {
  ruleId: string;
  phraseId: string;
  raised: number;
  confirmed: number;
  dismissed: number;
  /** Findings of settled calls not dismissed. */
  kept: number;
}

/**
 * The month's calls: `reports` rows whose local start time falls in the month. $1, $2: local wall-clock
 * bounds (see monthBounds), $3: time zone. Line and agent are '' when unknown; day and hour are local.
 */
const MONTH_CALLS = `
  m AS (
    SELECT r.recording_id, r.ruleset_version, coalesce(r.line, '') AS line, coalesce(r.agent_id, '') AS agent,
           extract(day FROM r.started_at AT TIME ZONE $3::text)::int AS day,
           extract(hour FROM r.started_at AT TIME ZONE $3::text)::int AS hour,
           r.flagged, r.review_status, r.score, coalesce(r.reviewed_score, r.score) AS score_after,
           r.review_status <> 'pending' AS settled, r.rule_statuses, coalesce(x.cleared, '{}') AS cleared
    FROM reports r
    -- Rules of a finished review whose findings were all dismissed: they pass after review.
    LEFT JOIN LATERAL (
      SELECT array_agg(y.rule_id) AS cleared FROM (
        SELECT f.rule_id FROM findings f
        LEFT JOIN LATERAL (
          SELECT rd.decision FROM review_decisions rd
          WHERE rd.finding_id = f.id AND rd.decision IN ('confirmed', 'dismissed')
          ORDER BY rd.decided_at DESC, rd.id DESC LIMIT 1
        ) d ON true
        WHERE f.recording_id = r.recording_id AND f.ruleset_version = r.ruleset_version
        GROUP BY f.rule_id HAVING bool_and(d.decision IS NOT DISTINCT FROM 'dismissed')
      ) y
    ) x ON r.review_status IN ('confirmed', 'dismissed')
    WHERE r.started_at >= ($1::timestamp AT TIME ZONE $3::text) AND r.started_at < ($2::timestamp AT TIME ZONE $3::text)
  )`;

/**
 * One grouping set per scope kind, each also grouped by `extra`; `grouping(line, agent, day, hour)`
 * tells them apart (see GROUPING_KIND).
 */
const GROUPING_SETS = (extra: string) =>
  `GROUPING SETS ((${extra}), (line, ${extra}), (agent, ${extra}), (day, ${extra}), (hour, ${extra}))`;

/** `grouping(line, agent, day, hour)` bit mask (1 = aggregated over) → scope kind. */
const GROUPING_KIND: Record<number, ScopeKind> = { 15: 'centre', 7: 'line', 11: 'agent', 13: 'day', 14: 'hour' };

/** Column alias of the count of calls where `ruleId` had `status`. */
const ruleColumn = (ruleId: string, status: string) => `r_${ruleId}_${status}`;
const STATUSES = ['pass', 'fail', 'na'] as const;

/** The status of rule `id` after review: a failed rule whose findings were all dismissed passes. */
const statusAfter = (id: string) =>
  `(CASE WHEN rule_statuses->>'${id}' = 'fail' AND '${id}' = ANY(cleared) THEN 'pass' ELSE rule_statuses->>'${id}' END)`;

/** The group columns: per scope kind (`grouping`), or the centre's row alone (no grouping sets). */
const groupColumns = (centreOnly: boolean) =>
  centreOnly
    ? '15 AS g, NULL::text AS line, NULL::text AS agent, NULL::int AS day, NULL::int AS hour'
    : 'grouping(line, agent, day, hour) AS g, line, agent, day, hour';

/**
 * Calls, flags, reviews, scores and rule statuses per group. Rule statuses are counted per known rule id
 * (RULE_IDS, the ids a ruleset may use) with FILTER clauses rather than by expanding the JSON, which is
 * about ten times faster on a month of 100,000 calls (scripts/bench-stats.ts).
 */
const callsSql = (centreOnly: boolean, bands: readonly ScoreBand[]) => `
  WITH ${MONTH_CALLS}
  SELECT ${groupColumns(centreOnly)},
         count(*)::int AS calls,
         count(*) FILTER (WHERE flagged)::int AS flagged,
         count(*) FILTER (WHERE flagged AND review_status IN ('confirmed', 'dismissed'))::int AS reviewed,
         count(*) FILTER (WHERE settled)::int AS settled,
         coalesce(sum(score), 0)::int AS score_sum,
         coalesce(sum(score_after) FILTER (WHERE settled), 0)::int AS settled_score_sum,
         ${bands.map((b, i) => `count(*) FILTER (WHERE settled AND score_after BETWEEN ${b.from} AND ${b.to})::int AS band${i}`).join(',\n         ')},
         ${RULE_IDS.flatMap((id) => STATUSES.map((st) => `count(*) FILTER (WHERE rule_statuses->>'${id}' = '${st}')::int AS ${ruleColumn(id, st)}`)).join(',\n         ')},
         ${RULE_IDS.flatMap((id) => STATUSES.map((st) => `count(*) FILTER (WHERE settled AND ${statusAfter(id)} = '${st}')::int AS ${ruleColumn(id, st)}_after`)).join(',\n         ')}
  FROM m
  ${centreOnly ? '' : 'GROUP BY GROUPING SETS ((), (line), (agent), (day), (hour))'}`;

/** A finding's decision: the latest confirmed/dismissed row (index review_decisions_finding_idx). */
const LATEST_DECISION = `
  LEFT JOIN LATERAL (
    SELECT rd.decision, rd.reviewer, rd.decided_at FROM review_decisions rd
    WHERE rd.finding_id = f.id AND rd.decision IN ('confirmed', 'dismissed')
    ORDER BY rd.decided_at DESC, rd.id DESC LIMIT 1
  ) d ON true`;

const findingsSql = (centreOnly: boolean) => `
  WITH ${MONTH_CALLS}
  SELECT ${groupColumns(centreOnly)}, f.rule_id, coalesce(f.phrase_id, '') AS phrase_id,
         count(*)::int AS raised,
         count(*) FILTER (WHERE d.decision = 'confirmed')::int AS confirmed,
         count(*) FILTER (WHERE d.decision = 'dismissed')::int AS dismissed,
         count(*) FILTER (WHERE m.settled AND d.decision IS DISTINCT FROM 'dismissed')::int AS kept
  FROM m JOIN findings f ON f.recording_id = m.recording_id AND f.ruleset_version = m.ruleset_version
  ${LATEST_DECISION}
  GROUP BY ${centreOnly ? "f.rule_id, coalesce(f.phrase_id, '')" : GROUPING_SETS("f.rule_id, coalesce(f.phrase_id, '')")}`;
const FINDINGS_SQL = findingsSql(false);
const CENTRE_FINDINGS_SQL = findingsSql(true);

const VIOLATIONS_SQL = `
  SELECT r.call_id, coalesce(r.agent_id, '') AS agent, coalesce(r.line, '') AS line,
         to_char(r.started_at AT TIME ZONE $3::text, 'YYYY-MM-DD HH24:MI:SS') AS started_local,
         f.rule_id, coalesce(f.phrase_id, '') AS phrase_id, f.start_sec, f.end_sec, f.text, d.reviewer,
         to_char(d.decided_at AT TIME ZONE $3::text, 'YYYY-MM-DD HH24:MI:SS') AS decided_local
  FROM reports r
  JOIN findings f ON f.recording_id = r.recording_id AND f.ruleset_version = r.ruleset_version
  ${LATEST_DECISION}
  WHERE r.started_at >= ($1::timestamp AT TIME ZONE $3::text) AND r.started_at < ($2::timestamp AT TIME ZONE $3::text)
    AND d.decision = 'confirmed'
  ORDER BY r.started_at, r.call_id, f.start_sec, f.rule_id, f.id`;

interface GroupRow {
  g: number;
  line: string | null;
  agent: string | null;
  day: number | null;
  hour: number | null;
}

function groupKey(row: GroupRow): GroupKey {
  const kind = GROUPING_KIND[row.g];
  if (!kind) throw new Error(`unexpected grouping ${row.g}`);
  const key =
    kind === 'centre' ? '' : kind === 'line' ? row.line! : kind === 'agent' ? row.agent! : String(kind === 'day' ? row.day : row.hour);
  return { kind, key };
}

/**
 * Counts a month's calls per group: the centre, and (unless `centreOnly`, the trend's earlier months) every
 * line, agent, local day and local hour. Groups without calls are left out.
 *
 * @param bands the score bands to count settled calls in
 */
export async function monthCallCounts(db: Pool, w: MonthWindow, bands: readonly ScoreBand[], centreOnly = false): Promise<CallCountsRow[]> {
  const { rows } = await db.query<GroupRow & Record<string, number>>(callsSql(centreOnly, bands), [w.startLocal, w.endLocal, w.timeZone]);
  return rows
    .filter((row) => row.calls !== 0) // the grand total of an empty month
    .map((row) => {
      const rules: Record<string, StatusCounts> = {};
      const rulesAfter: Record<string, StatusCounts> = {};
      for (const id of RULE_IDS) {
        const [pass, fail, na] = STATUSES.map((st) => row[ruleColumn(id, st)] ?? 0);
        if (pass! + fail! + na! > 0) rules[id] = { pass: pass!, fail: fail!, na: na! };
        const [passA, failA, naA] = STATUSES.map((st) => row[`${ruleColumn(id, st)}_after`] ?? 0);
        if (passA! + failA! + naA! > 0) rulesAfter[id] = { pass: passA!, fail: failA!, na: naA! };
      }
      return {
        ...groupKey(row),
        calls: row.calls!,
        flagged: row.flagged!,
        reviewed: row.reviewed!,
        settled: row.settled!,
        scoreSum: row.score_sum!,
        settledScoreSum: row.settled_score_sum!,
        scoreBands: bands.map((_, i) => row[`band${i}`] ?? 0),
        rules,
        rulesAfter,
      };
    });
}

/** Counts a month's findings per group (as {@link monthCallCounts}), rule and banned-phrase id, with their decisions. */
export async function monthFindingCounts(db: Pool, w: MonthWindow, centreOnly = false): Promise<FindingCountsRow[]> {
  const { rows } = await db.query<
    GroupRow & { rule_id: string; phrase_id: string; raised: number; confirmed: number; dismissed: number; kept: number }
  >(centreOnly ? CENTRE_FINDINGS_SQL : FINDINGS_SQL, [w.startLocal, w.endLocal, w.timeZone]);
  return rows.map((row) => ({
    ...groupKey(row),
    ruleId: row.rule_id,
    phraseId: row.phrase_id,
    raised: row.raised,
    confirmed: row.confirmed,
    dismissed: row.dismissed,
    kept: row.kept,
  }));
}

/** A confirmed finding of the month, unmasked. Agent and line '' when unknown; times local `yyyy-mm-dd hh:mm:ss`. */
export interface ConfirmedFindingRow {
  callId: string;
  agentId: string;
  line: string;
  /** Call start, local `yyyy-mm-dd hh:mm:ss`. */
  startedAt: string;
  ruleId: string;
  phraseId: string;
  /** Seconds from the start of the recording. */
  startSec: number;
  endSec: number;
  text: string;
  reviewer: string;
  /** Local `yyyy-mm-dd hh:mm:ss`. */
  decidedAt: string;
}

/** The month's confirmed findings (latest decision `confirmed`), in call start order. */
export async function confirmedFindings(db: Pool, w: MonthWindow): Promise<ConfirmedFindingRow[]> {
  const { rows } = await db.query<{
    call_id: string;
    agent: string;
    line: string;
    started_local: string;
    rule_id: string;
    phrase_id: string;
    start_sec: number;
    end_sec: number;
    text: string;
    reviewer: string;
    decided_local: string;
  }>(VIOLATIONS_SQL, [w.startLocal, w.endLocal, w.timeZone]);
  return rows.map((r) => ({
    callId: r.call_id,
    agentId: r.agent,
    line: r.line,
    startedAt: r.started_local,
    ruleId: r.rule_id,
    phraseId: r.phrase_id,
    startSec: r.start_sec,
    endSec: r.end_sec,
    text: r.text,
    reviewer: r.reviewer,
    decidedAt: r.decided_local,
  }));
}

/**
 * The sample's counts (pipeline/stats/sampling.ts): `n` sampled calls of the month (start, else analysis
 * time) whose review is finished, and `k` of them with a missed finding; `ruleId` null for any rule, else
 * one row per rule with a missed finding.
 */
export async function sampleMissCounts(db: Pool, w: MonthWindow): Promise<{ ruleId: string | null; n: number; k: number }[]> {
  const { rows } = await db.query<{ rule_id: string | null; n: number; k: number }>(
    `WITH s AS (
       SELECT recording_id FROM reports
       WHERE sampled AND review_status IN ('confirmed', 'dismissed')
         AND coalesce(started_at, analyzed_at) >= ($1::timestamp AT TIME ZONE $3::text)
         AND coalesce(started_at, analyzed_at) < ($2::timestamp AT TIME ZONE $3::text)
     )
     SELECT NULL AS rule_id, (SELECT count(*) FROM s)::int AS n,
            (SELECT count(DISTINCT m.recording_id) FROM missed_findings m JOIN s USING (recording_id))::int AS k
     UNION ALL
     SELECT m.rule_id, (SELECT count(*) FROM s)::int, count(DISTINCT m.recording_id)::int
     FROM missed_findings m JOIN s USING (recording_id) GROUP BY m.rule_id`,
    [w.startLocal, w.endLocal, w.timeZone],
  );
  return rows.map((r) => ({ ruleId: r.rule_id, n: r.n, k: r.k }));
}
