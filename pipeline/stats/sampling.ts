/**
 * The sample's miss rate per rule (抽检漏检率, issue 12): of the sampled calls of a month whose review is
 * finished (drawn from the calls the rules did not flag, infra/db/sampling-repository.ts), the share in which a reviewer
 * recorded a problem of that rule that the rules missed; with its 95 % Wilson score interval (Wilson 1927,
 * "Probable inference, the law of succession, and statistical inference", JASA 22:209–212), which stays inside
 * 0–1 and is usable for the small counts a sample gives. It estimates how often the rules miss a problem
 * among the calls they pass.
 */
import type { Pool } from '../../infra/db/pool.js';
import { sampleMissCounts } from '../../infra/db/stats-repository.js';
import { monthBounds, type Month } from './month.js';

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959964;

/**
 * Wilson score interval of `k` successes in `n` trials.
 *
 * @returns [low, high] as fractions 0–1, or null when n is 0
 */
export function wilsonInterval(k: number, n: number, z = Z_95): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** One row of the miss-rate table: a rule, or `*` for "any rule". Rates are fractions, null when n is 0. */
export interface SampleMissRow {
  ruleId: string;
  /** Sampled calls of the month whose review is finished. */
  reviewedSampled: number;
  /** Of those, calls with at least one missed finding of the rule. */
  callsWithMiss: number;
  missRate: number | null;
  low: number | null;
  high: number | null;
}

/** Rule id of the "any rule" row. */
export const ANY_RULE = '*';

/**
 * The month's sample miss rates: the "any rule" row first, then each rule with a missed finding, by id.
 *
 * @param timeZone the zone the month is read in (STATS_TZ); a call's month is its start time's (else analysis time's)
 */
export async function querySampleMissRates(db: Pool, month: Month, timeZone: string): Promise<SampleMissRow[]> {
  const rows = await sampleMissCounts(db, { ...monthBounds(month), timeZone });
  return rows
    .map((r) => {
      const ci = wilsonInterval(r.k, r.n);
      return {
        ruleId: r.ruleId ?? ANY_RULE,
        reviewedSampled: r.n,
        callsWithMiss: r.k,
        missRate: r.n > 0 ? r.k / r.n : null,
        low: ci?.[0] ?? null,
        high: ci?.[1] ?? null,
      };
    })
    .sort((a, b) => (a.ruleId === ANY_RULE ? -1 : b.ruleId === ANY_RULE ? 1 : a.ruleId.localeCompare(b.ruleId)));
}
