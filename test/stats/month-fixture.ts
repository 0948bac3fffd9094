/**
 * A generated month of scored calls, findings and review decisions with counts worked out by hand (in
 * the comments and in EXPECTED), for the monthly statistics tests. Rows go straight into PostgreSQL, as
 * the analyze stage and the review workspace would have left them.
 */
import type { Pool } from '../../infra/db/pool.js';
import type { Figures } from '../../pipeline/stats/aggregate.js';

type FigureValues = Record<string, Partial<Record<keyof Figures, number | null>>>;

/** A finding of a fixture call, with its review history (oldest first). */
interface FixtureFinding {
  ruleId: string;
  phraseId?: string;
  start: number;
  text: string;
  rulesetVersion?: string;
  decisions?: { decision: 'confirmed' | 'dismissed' | 'comment'; at: string; reviewer?: string }[];
}

/** A fixture call. `startedAt` with its offset; statuses of the four rules. */
interface FixtureCall {
  callId: string;
  agentId: string | null;
  line: string | null;
  startedAt: string | null;
  score: number;
  flagged: boolean;
  reviewStatus: 'none' | 'pending' | 'confirmed' | 'dismissed';
  reviewedScore?: number;
  greeting: string;
  consent: string;
  banned: string;
  findings?: FixtureFinding[];
  /** Drawn for sampling, with the problems the reviewer recorded that the rules missed. */
  sampled?: boolean;
  missed?: { ruleId: string; start: number; note: string }[];
}

export const LINE_1 = '婚姻登记热线';
export const LINE_2 = '社保热线';
export const PHONE = '13812345678';

/** November 2026 (Asia/Shanghai): ten calls c1–c10. */
const NOVEMBER: FixtureCall[] = [
  // Sampled (not flagged by the rules), reviewed: nothing missed.
  {
    callId: 'c1',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-11-02T09:10:00+08:00',
    score: 100,
    flagged: false,
    reviewStatus: 'dismissed',
    greeting: 'pass',
    consent: 'pass',
    banned: 'pass',
    sampled: true,
  },
  {
    callId: 'c2',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-11-02T10:20:00+08:00',
    score: 90,
    flagged: false,
    reviewStatus: 'none',
    greeting: 'pass',
    consent: 'pass',
    banned: 'pass',
  },
  {
    callId: 'c3',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-11-05T16:50:00+08:00',
    score: 70,
    flagged: true,
    reviewStatus: 'confirmed',
    reviewedScore: 60,
    greeting: 'pass',
    consent: 'fail',
    banned: 'fail',
    findings: [
      {
        ruleId: 'consent_before_hangup',
        start: 88,
        text: '就这样吧',
        decisions: [{ decision: 'confirmed', at: '2026-11-06T10:00:00+08:00' }],
      },
      {
        ruleId: 'banned_phrase',
        phraseId: 'B06',
        start: 40,
        text: '下班了，明天再来吧',
        decisions: [{ decision: 'confirmed', at: '2026-11-06T10:01:00+08:00' }],
      },
    ],
  },
  {
    callId: 'c4',
    agentId: 'A2',
    line: LINE_1,
    startedAt: '2026-11-05T17:20:00+08:00',
    score: 80,
    flagged: true,
    reviewStatus: 'dismissed',
    reviewedScore: 100,
    greeting: 'fail',
    consent: 'na',
    banned: 'pass',
    findings: [
      { ruleId: 'opening_greeting', start: 0.5, text: '喂', decisions: [{ decision: 'dismissed', at: '2026-11-06T11:00:00+08:00' }] },
    ],
  },
  {
    callId: 'c5',
    agentId: 'A2',
    line: LINE_1,
    startedAt: '2026-11-12T11:00:00+08:00',
    score: 50,
    flagged: true,
    reviewStatus: 'pending',
    greeting: 'pass',
    consent: 'fail',
    banned: 'fail',
    findings: [
      { ruleId: 'consent_before_hangup', start: 120, text: '我挂了' },
      { ruleId: 'banned_phrase', phraseId: 'B06', start: 60, text: '下班了' },
      {
        ruleId: 'banned_phrase',
        phraseId: 'B07',
        start: 70,
        text: '快点，要下班了',
        decisions: [{ decision: 'comment', at: '2026-11-13T09:00:00+08:00' }],
      },
    ],
  },
  // Sampled, reviewed: the agent hung up without a farewell, which the rules missed.
  {
    callId: 'c6',
    agentId: 'A3',
    line: LINE_2,
    startedAt: '2026-11-20T08:30:00+08:00',
    score: 100,
    flagged: false,
    reviewStatus: 'confirmed',
    greeting: 'pass',
    consent: 'pass',
    banned: 'pass',
    sampled: true,
    missed: [{ ruleId: 'polite_language', start: 95, note: '没有说再见' }],
  },
  {
    callId: 'c7',
    agentId: 'A3',
    line: LINE_2,
    startedAt: '2026-11-20T08:45:00+08:00',
    score: 85,
    flagged: true,
    reviewStatus: 'confirmed',
    reviewedScore: 80,
    greeting: 'pass',
    consent: 'pass',
    banned: 'fail',
    findings: [
      {
        ruleId: 'banned_phrase',
        phraseId: 'B01',
        start: 30,
        text: `不知道，你打${PHONE}问`,
        // Dismissed first, then confirmed: the latest decision counts; a later comment changes nothing.
        decisions: [
          { decision: 'dismissed', at: '2026-11-21T09:00:00+08:00' },
          { decision: 'confirmed', at: '2026-11-22T09:00:00+08:00', reviewer: 'supervisor1' },
          { decision: 'comment', at: '2026-11-23T09:00:00+08:00' },
        ],
      },
    ],
  },
  {
    // 23:30 on the last evening of November in Shanghai (15:30 UTC): November.
    callId: 'c8',
    agentId: 'A3',
    line: LINE_2,
    startedAt: '2026-11-30T23:30:00+08:00',
    score: 60,
    flagged: true,
    reviewStatus: 'pending',
    greeting: 'pass',
    consent: 'pass',
    banned: 'fail',
    findings: [
      {
        ruleId: 'banned_phrase',
        phraseId: 'B06',
        start: 10,
        text: '明天再说',
        decisions: [
          { decision: 'confirmed', at: '2026-12-01T09:00:00+08:00' },
          { decision: 'dismissed', at: '2026-12-02T09:00:00+08:00' },
        ],
      },
    ],
  },
  // 00:10 on 1 November in Shanghai is still 31 October in UTC: November. No agent id, no line.
  {
    callId: 'c9',
    agentId: null,
    line: null,
    startedAt: '2026-11-01T00:10:00+08:00',
    score: 95,
    flagged: false,
    reviewStatus: 'none',
    greeting: 'pass',
    consent: 'na',
    banned: 'pass',
  },
  {
    callId: 'c10',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-11-15T13:00:00+08:00',
    score: 40,
    flagged: true,
    reviewStatus: 'confirmed',
    greeting: 'pass',
    consent: 'fail',
    banned: 'pass',
    findings: [
      {
        ruleId: 'consent_before_hangup',
        start: 200,
        text: '好了就这样',
        decisions: [{ decision: 'confirmed', at: '2026-11-16T09:00:00+08:00' }],
      },
      // A finding of an older ruleset version (the call was scored again since): never counted.
      {
        ruleId: 'banned_phrase',
        phraseId: 'B11',
        start: 5,
        text: '神经病',
        rulesetVersion: 'old',
        decisions: [{ decision: 'confirmed', at: '2026-11-16T09:05:00+08:00' }],
      },
    ],
  },
];

/** Calls outside November: the first minutes of December, October (the previous month), no start time. */
const OTHERS: FixtureCall[] = [
  // 00:10 on 1 December in Shanghai is 30 November 16:10 UTC: December, not November.
  {
    callId: 'x1',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-12-01T00:10:00+08:00',
    score: 0,
    flagged: true,
    reviewStatus: 'pending',
    greeting: 'fail',
    consent: 'fail',
    banned: 'fail',
    findings: [
      {
        ruleId: 'banned_phrase',
        phraseId: 'B11',
        start: 3,
        text: '神经病',
        decisions: [{ decision: 'confirmed', at: '2026-12-01T09:00:00+08:00' }],
      },
    ],
  },
  // 23:50 on 31 October in Shanghai: October.
  {
    callId: 'x2',
    agentId: 'A2',
    line: LINE_1,
    startedAt: '2026-10-31T23:50:00+08:00',
    score: 80,
    flagged: false,
    reviewStatus: 'none',
    greeting: 'pass',
    consent: 'pass',
    banned: 'pass',
  },
  {
    callId: 'o1',
    agentId: 'A1',
    line: LINE_1,
    startedAt: '2026-10-10T10:00:00+08:00',
    score: 60,
    flagged: true,
    reviewStatus: 'confirmed',
    reviewedScore: 60,
    greeting: 'fail',
    consent: 'pass',
    banned: 'pass',
    findings: [
      { ruleId: 'opening_greeting', start: 0.2, text: '喂，说', decisions: [{ decision: 'confirmed', at: '2026-10-11T09:00:00+08:00' }] },
    ],
  },
  {
    callId: 'o2',
    agentId: 'A3',
    line: LINE_2,
    startedAt: '2026-10-11T14:00:00+08:00',
    score: 100,
    flagged: false,
    reviewStatus: 'none',
    greeting: 'pass',
    consent: 'pass',
    banned: 'pass',
  },
  {
    callId: 'n1',
    agentId: 'A1',
    line: LINE_1,
    startedAt: null,
    score: 10,
    flagged: true,
    reviewStatus: 'pending',
    greeting: 'fail',
    consent: 'fail',
    banned: 'pass',
  },
];

/** The agent directory of the fixture (A2 is not in it) as a staff-list CSV, and the reviewer's account. */
export const AGENT_CSV = `工号,姓名,班组/线路\nA1,王芳,${LINE_1}\nA3,李强,${LINE_2}\n`;
export const REVIEWER = { username: 'supervisor1', displayName: '张主管' };

/**
 * Inserts the fixture month into an empty, migrated database.
 */
export async function insertFixtureMonth(db: Pool): Promise<void> {
  for (const c of [...NOVEMBER, ...OTHERS]) {
    const recordingId = `stats-fixture-${c.callId}`;
    await db.query(
      `INSERT INTO recordings (id, bucket, object_key, etag, size_bytes, call_id, status) VALUES ($1, 'rec', $2, 'etag', 1, $3, 'reported')`,
      [recordingId, `fixture/${c.callId}.wav`, c.callId],
    );
    await db.query(
      `INSERT INTO reports (recording_id, call_id, agent_id, started_at, duration_sec, score, flagged, ruleset_version, rule_statuses,
                            banned_phrases, transcript_kind, report_key, analyzed_at, line, review_status, reviewed_score)
       VALUES ($1, $2, $3, $4, 180, $5, $6, 'v1', $7, $8, 'sidecar', $9, '2026-12-01T00:00:00Z', $10, $11, $12)`,
      [
        recordingId,
        c.callId,
        c.agentId,
        c.startedAt,
        c.score,
        c.flagged,
        JSON.stringify({
          opening_greeting: c.greeting,
          consent_before_hangup: c.consent,
          banned_phrase: c.banned,
          polite_language: 'pass',
        }),
        [...new Set((c.findings ?? []).filter((f) => f.phraseId && !f.rulesetVersion).map((f) => f.phraseId!))],
        `reports/${c.callId}.report.json`,
        c.line,
        c.reviewStatus,
        c.reviewedScore ?? null,
      ],
    );
    if (c.sampled) await db.query('UPDATE reports SET sampled = true WHERE recording_id = $1', [recordingId]);
    for (const m of c.missed ?? []) {
      await db.query('INSERT INTO missed_findings (recording_id, rule_id, start_sec, note, reviewer) VALUES ($1, $2, $3, $4, $5)', [
        recordingId,
        m.ruleId,
        m.start,
        m.note,
        'officer1',
      ]);
    }
    let ordinal = 0;
    for (const f of c.findings ?? []) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO findings (recording_id, ruleset_version, rule_id, ordinal, phrase_id, start_sec, end_sec, speaker, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'agent', $8) RETURNING id`,
        [recordingId, f.rulesetVersion ?? 'v1', f.ruleId, ordinal++, f.phraseId ?? null, f.start, f.start + 2, f.text],
      );
      for (const d of f.decisions ?? []) {
        await db.query(`INSERT INTO review_decisions (finding_id, decision, reason, reviewer, decided_at) VALUES ($1, $2, $3, $4, $5)`, [
          rows[0]!.id,
          d.decision,
          d.decision === 'dismissed' ? 'ASR error' : null,
          d.reviewer ?? 'officer1',
          d.at,
        ]);
      }
    }
  }
}

/**
 * The November figures of the fixture, worked out by hand from the calls above. As detected: all ten calls,
 * automatic scores and statuses. After review: the eight calls whose review is finished (c5 and c8 are
 * pending): c1 c2 c6 c9 (not flagged), c3 c7 c10 (confirmed), c4 (dismissed), with c4's dismissed greeting
 * finding removed (its greeting counts as passed) and scores after review.
 */
export const EXPECTED = {
  centre: {
    calls: 10,
    flagged: 6, // c3 c4 c5 c7 c8 c10
    flaggedShare: 0.6,
    reviewed: 4, // c3 c4 c7 c10
    reviewCoverage: 4 / 6,
    settled: 8, // all but c5 c8
    settledShare: 0.8,
    findings: 9, // c3×2 c4 c5×3 c7 c8 c10 (not c10's old-ruleset finding)
    confirmedFindings: 4, // c3×2 c7 c10
    avgScore: 77, // automatic: 100+90+70+80+50+100+85+60+95+40 = 770
    greetingRate: 0.9, // 9 pass, 1 fail (c4)
    consentRate: 0.625, // 5 pass, 3 fail, 2 na
    bannedPhrases: 5, // c3 B06, c5 B06 B07, c7 B01, c8 B06
    bannedPer100: 50,
    avgScoreAfter: 83.125, // c1 100 + c2 90 + c3 60 + c4 100 + c6 100 + c7 80 + c9 95 + c10 40 = 665, ÷ 8
    greetingRateAfter: 1, // c4's only greeting finding was dismissed: 8 pass
    consentRateAfter: 4 / 6, // pass c1 c2 c6 c7, fail c3 c10, na c4 c9
    bannedPhrasesAfter: 2, // c3 B06, c7 B01 (both confirmed)
    bannedPer100After: 25, // 2 × 100 ÷ 8
  },
  previous: {
    calls: 3,
    flagged: 1,
    flaggedShare: 1 / 3,
    confirmedFindings: 1,
    reviewCoverage: 1,
    settledShare: 1,
    avgScore: 80,
    avgScoreAfter: 80,
    greetingRate: 2 / 3,
    greetingRateAfter: 2 / 3,
    consentRate: 1,
    consentRateAfter: 1,
    bannedPer100: 0,
    bannedPer100After: 0,
  },
  /** Settled calls by score after review: c10 40 | c3 60 | — | c7 80 | c1 c2 c4 c6 c9. */
  scoreBands: [1, 1, 0, 1, 5],
  /** Review precision is empty below 5 decided findings: none of the rules has 5. */
  rules: {
    opening_greeting: {
      pass: 9,
      fail: 1,
      na: 0,
      complianceRate: 0.9,
      passAfter: 8,
      failAfter: 0,
      complianceRateAfter: 1,
      findings: 1,
      confirmed: 0,
      dismissed: 1,
      undecided: 0,
      decided: 1,
      precision: null,
    },
    consent_before_hangup: {
      pass: 5,
      fail: 3,
      na: 2,
      complianceRate: 0.625,
      passAfter: 4,
      failAfter: 2,
      complianceRateAfter: 4 / 6,
      findings: 3,
      confirmed: 2,
      dismissed: 0,
      undecided: 1,
      decided: 2,
      precision: null,
    },
    banned_phrase: {
      pass: 6,
      fail: 4,
      na: 0,
      complianceRate: 0.6,
      passAfter: 6,
      failAfter: 2,
      complianceRateAfter: 0.75,
      findings: 5,
      confirmed: 2,
      dismissed: 1,
      undecided: 2,
      decided: 3,
      precision: null,
    },
    polite_language: {
      pass: 10,
      fail: 0,
      na: 0,
      complianceRate: 1,
      passAfter: 8,
      failAfter: 0,
      complianceRateAfter: 1,
      findings: 0,
      confirmed: 0,
      dismissed: 0,
      undecided: 0,
      decided: 0,
      precision: null,
    },
  },
  /** With a minimum of 3 decided findings: banned phrases 2 confirmed of 3 decided; the others still too few. */
  precisionAtLeast3: { opening_greeting: null, consent_before_hangup: null, banned_phrase: 2 / 3, polite_language: null } as Record<
    string,
    number | null
  >,
  phrases: [
    { phraseId: 'B06', count: 3, per100: 30, confirmed: 1, countAfter: 1, per100After: 12.5 }, // after review: c3 only (c5, c8 pending)
    { phraseId: 'B01', count: 1, per100: 10, confirmed: 1, countAfter: 1, per100After: 12.5 },
    { phraseId: 'B07', count: 1, per100: 10, confirmed: 0, countAfter: 0, per100After: 0 },
  ],
  lines: {
    // c1 c2 c3 c4 c5 c10; settled c1 c2 c3 c4 c10
    [LINE_1]: {
      calls: 6,
      flagged: 4,
      reviewed: 3,
      settled: 5,
      confirmedFindings: 3,
      avgScore: 430 / 6,
      greetingRate: 5 / 6,
      consentRate: 0.4,
      bannedPhrases: 3,
      bannedPer100: 50,
      avgScoreAfter: 78,
      greetingRateAfter: 1,
      consentRateAfter: 0.5,
      bannedPhrasesAfter: 1,
      bannedPer100After: 20,
    },
    // c6 c7 c8; settled c6 c7
    [LINE_2]: {
      calls: 3,
      flagged: 2,
      reviewed: 1,
      settled: 2,
      confirmedFindings: 1,
      avgScore: 245 / 3,
      greetingRate: 1,
      consentRate: 1,
      bannedPhrases: 2,
      bannedPer100: 200 / 3,
      avgScoreAfter: 90,
      greetingRateAfter: 1,
      consentRateAfter: 1,
      bannedPhrasesAfter: 1,
      bannedPer100After: 50,
    },
    '(未知)': {
      calls: 1,
      flagged: 0,
      reviewed: 0,
      settled: 1,
      confirmedFindings: 0,
      avgScore: 95,
      greetingRate: 1,
      consentRate: null,
      bannedPhrases: 0,
      bannedPer100: 0,
      avgScoreAfter: 95,
      consentRateAfter: null,
      bannedPer100After: 0,
    },
  } as FigureValues,
  agents: {
    // c1 c2 c3 c10, all settled
    A1: {
      calls: 4,
      flagged: 2,
      reviewed: 2,
      settled: 4,
      confirmedFindings: 3,
      avgScore: 75,
      greetingRate: 1,
      consentRate: 0.5,
      bannedPhrases: 1,
      bannedPer100: 25,
      avgScoreAfter: 72.5,
      consentRateAfter: 0.5,
      bannedPer100After: 25,
    },
    // c4 c5; settled c4 (greeting finding dismissed)
    A2: {
      calls: 2,
      flagged: 2,
      reviewed: 1,
      settled: 1,
      confirmedFindings: 0,
      avgScore: 65,
      greetingRate: 0.5,
      consentRate: 0,
      bannedPhrases: 2,
      bannedPer100: 100,
      avgScoreAfter: 100,
      greetingRateAfter: 1,
      consentRateAfter: null,
      bannedPer100After: 0,
    },
    // c6 c7 c8; settled c6 c7
    A3: {
      calls: 3,
      flagged: 2,
      reviewed: 1,
      settled: 2,
      confirmedFindings: 1,
      avgScore: 245 / 3,
      greetingRate: 1,
      consentRate: 1,
      bannedPhrases: 2,
      bannedPer100: 200 / 3,
      avgScoreAfter: 90,
      bannedPer100After: 50,
    },
  } as FigureValues,
  /** Sampled calls c1 and c6 (both reviewed), one with a missed polite-language problem: 1 of 2, Wilson 95 % [0.0945, 0.9055]. */
  sampleMisses: [
    { ruleId: '*', reviewedSampled: 2, callsWithMiss: 1, missRate: 0.5, low: 0.0945, high: 0.9055 },
    { ruleId: 'polite_language', reviewedSampled: 2, callsWithMiss: 1, missRate: 0.5, low: 0.0945, high: 0.9055 },
  ],
  /** Day of month → calls; every other day 0. */
  days: { 1: 1, 2: 2, 5: 2, 12: 1, 15: 1, 20: 2, 30: 1 } as Record<number, number>,
  /** Hour → [calls, findings, confirmed]; every other hour 0. */
  hours: {
    0: [1, 0, 0],
    8: [2, 1, 1],
    9: [1, 0, 0],
    10: [1, 0, 0],
    11: [1, 3, 0],
    13: [1, 1, 1],
    16: [1, 2, 2],
    17: [1, 1, 0],
    23: [1, 1, 0],
  } as Record<number, [number, number, number]>,
  /** Confirmed violations in call start order: call id, rule, phrase. */
  violations: [
    ['c3', 'banned_phrase', 'B06'],
    ['c3', 'consent_before_hangup', ''],
    ['c10', 'consent_before_hangup', ''],
    ['c7', 'banned_phrase', 'B01'],
  ],
};
