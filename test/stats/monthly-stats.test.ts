/**
 * Monthly compliance statistics against a generated month with hand-counted figures (month-fixture.ts), in
 * a dedicated database (callqa_stats_test) so other test files sharing callqa_test never see these rows:
 * the figures, the Asia/Shanghai month boundary, an empty month, the workbook read back with exceljs, the
 * HTML report in Chromium (screenshot in test-artifacts/), byte-identical rebuilds, the `callqa stats`
 * command, and the monthly job scheduler and `stats` stage on real Redis.
 */
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { openDatabase, type Pool } from '../../infra/db/pool.js';
import { ObjectStorage } from '../../infra/object-storage.js';
import type { Services } from '../../infra/services.js';
import { computeMonthlyStats, type Figures, type MonthlyStats } from '../../pipeline/stats/aggregate.js';
import { buildMonthlyStats, renderStatsFiles, statsPrefix } from '../../pipeline/stats/build.js';
import { parseMonth } from '../../pipeline/stats/month.js';
import { maskText } from '../../domain/privacy.js';
import { handlers } from '../../workers/handlers.js';
import { installStatsSchedule, statsTargetMonth } from '../../workers/monthly-stats.js';
import { dateInZone } from '../../workers/nightly.js';
import { closeQueues, openQueues, type Queues } from '../../workers/queues.js';
import { assertBuilt, runCallqa, startTestEnv, testDatabaseUrl, type TestEnv } from '../support/integration.js';
import { dropDatabase } from '../../infra/db/pool.js';
import { AGENT_CSV, EXPECTED, insertFixtureMonth, LINE_1, LINE_2, PHONE, REVIEWER } from './month-fixture.js';
import { importAgentCsv } from '../../infra/agent-directory.js';
import { wilsonInterval } from '../../pipeline/stats/sampling.js';
import { createUser } from '../../web/accounts.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

const STATS_DATABASE_URL = testDatabaseUrl('stats');
const TZ = 'Asia/Shanghai';

function expectFigures(actual: Figures, expected: Partial<Record<keyof Figures, number | null>>): void {
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key as keyof Figures];
    if (value === null) expect(got, key).toBeNull();
    else expect(got, key).toBeCloseTo(value, 9);
  }
}

let db: Pool;
let env: TestEnv;
let storage: ObjectStorage;
let stats: MonthlyStats;

beforeAll(async () => {
  db = await openDatabase(STATS_DATABASE_URL);
  await insertFixtureMonth(db);
  env = await startTestEnv({ DATABASE_URL: STATS_DATABASE_URL, STATS_TZ: TZ });
  const csv = path.join(env.dir, 'agents.csv');
  await writeFile(csv, `\uFEFF${AGENT_CSV}`);
  expect(await importAgentCsv(db, csv)).toBe(2);
  await createUser(db, { ...REVIEWER, role: 'supervisor', password: 'correct horse battery' });
  storage = new ObjectStorage(env.s3.connection);
  await storage.ensureBuckets([env.config.s3.resultsBucket]);
  stats = await computeMonthlyStats(db, parseMonth('2026-11'), TZ, maskText);
});

afterAll(async () => {
  await db?.end();
  await env?.cleanup();
  await dropDatabase(STATS_DATABASE_URL);
});

describe('figures of a generated month', () => {
  it('centre: calls, flags, review coverage, confirmed findings, score, compliance, banned phrases, on both bases', () => {
    expectFigures(stats.centre, EXPECTED.centre);
    expect(stats.scoreDistribution.map((b) => b.calls)).toEqual(EXPECTED.scoreBands);
    console.log(`2026-11 fixture, as detected / after review: ${JSON.stringify(stats.centre)}`);
  });

  it('12-month trend: the 11 months before and this one, on both bases', () => {
    expect(stats.trend.map((t) => t.month)).toEqual([
      '2025-12',
      ...Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    ]);
    expect(stats.trend[11]!.figures).toEqual(stats.centre);
    expectFigures(stats.trend[10]!.figures, EXPECTED.previous);
    expectFigures(stats.trend[0]!.figures, { calls: 0, avgScore: null, avgScoreAfter: null, settledShare: null, bannedPer100: null });
  });

  it('change against the previous month for every headline figure', () => {
    const byId = Object.fromEntries(stats.headline.map((h) => [h.id, h]));
    expect(Object.keys(byId)).toEqual([
      'calls',
      'flagged',
      'flaggedShare',
      'confirmedFindings',
      'reviewCoverage',
      'settledShare',
      'avgScore',
      'avgScoreAfter',
      'greetingRate',
      'greetingRateAfter',
      'consentRate',
      'consentRateAfter',
      'bannedPer100',
      'bannedPer100After',
    ]);
    for (const [id, previous] of Object.entries(EXPECTED.previous)) {
      const current = EXPECTED.centre[id as keyof typeof EXPECTED.centre];
      expect(byId[id]!.value, id).toBeCloseTo(current, 9);
      expect(byId[id]!.previous, id).toBeCloseTo(previous, 9);
      expect(byId[id]!.change, id).toBeCloseTo(current - previous, 9);
    }
  });

  it('per rule: compliance and review precision; banned phrases most frequent first', () => {
    expect(stats.rules.map((r) => r.ruleId)).toEqual(['banned_phrase', 'consent_before_hangup', 'opening_greeting', 'polite_language']);
    for (const r of stats.rules) {
      const expected = EXPECTED.rules[r.ruleId as keyof typeof EXPECTED.rules];
      for (const [key, value] of Object.entries(expected)) {
        const got = r[key as keyof typeof r];
        if (value === null) expect(got, `${r.ruleId}.${key}`).toBeNull();
        else expect(got, `${r.ruleId}.${key}`).toBeCloseTo(value, 9);
      }
    }
    expect(stats.phrases).toEqual(EXPECTED.phrases);
  });

  it('review precision with a lower minimum of decided findings', async () => {
    const s3 = await computeMonthlyStats(db, parseMonth('2026-11'), TZ, maskText, { precisionMinDecided: 3 });
    expect(Object.fromEntries(s3.rules.map((r) => [r.ruleId, r.precision]))).toEqual(EXPECTED.precisionAtLeast3);
  });

  it("the sample's miss rate per rule with its 95 % Wilson interval", () => {
    expect(stats.sampleMisses).toHaveLength(EXPECTED.sampleMisses.length);
    stats.sampleMisses.forEach((row, i) => {
      const want = EXPECTED.sampleMisses[i]!;
      expect([row.ruleId, row.reviewedSampled, row.callsWithMiss, row.missRate]).toEqual([
        want.ruleId,
        want.reviewedSampled,
        want.callsWithMiss,
        want.missRate,
      ]);
      expect(row.low).toBeCloseTo(want.low, 4);
      expect(row.high).toBeCloseTo(want.high, 4);
    });
    // Wilson 1927, checked against published values: 1 of 4 → [0.0456, 0.6994]; 0 of 10 → [0, 0.2775].
    expect(wilsonInterval(1, 4)![0]).toBeCloseTo(0.0456, 4);
    expect(wilsonInterval(1, 4)![1]).toBeCloseTo(0.6994, 4);
    expect(wilsonInterval(0, 10)![1]).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('agents and reviewers by name from the agent directory and the accounts, ids kept', () => {
    expect(stats.agentNames).toEqual({ A1: { name: '王芳', team: LINE_1 }, A3: { name: '李强', team: LINE_2 } });
    expect(stats.reviewerNames[REVIEWER.username]).toBe(REVIEWER.displayName);
  });

  it('per line and per agent (calls without line or agent under (未知))', () => {
    expect(stats.byLine.map((r) => r.key).sort()).toEqual(Object.keys(EXPECTED.lines).sort());
    for (const row of stats.byLine) expectFigures(row.figures, EXPECTED.lines[row.key]!);
    expect(stats.byAgent.map((r) => r.key)).toEqual(['(未知)', 'A1', 'A2', 'A3']);
    for (const [agent, expected] of Object.entries(EXPECTED.agents))
      expectFigures(stats.byAgent.find((r) => r.key === agent)!.figures, expected);
  });

  it('by local day (every day of the month) and by local hour of day', () => {
    expect(stats.byDay).toHaveLength(30);
    for (const row of stats.byDay) expect(row.figures.calls, `day ${row.key}`).toBe(EXPECTED.days[Number(row.key)] ?? 0);
    expect(stats.byHour.map((r) => r.key)).toEqual(Array.from({ length: 24 }, (_, i) => String(i)));
    for (const row of stats.byHour) {
      const [calls, findings, confirmed] = EXPECTED.hours[Number(row.key)] ?? [0, 0, 0];
      expect([row.figures.calls, row.figures.findings, row.figures.confirmedFindings], `hour ${row.key}`).toEqual([
        calls,
        findings,
        confirmed,
      ]);
    }
  });

  it('confirmed violations: latest decision counts, old ruleset versions do not, numbers masked', () => {
    expect(stats.confirmedViolations.map((v) => [v.callId, v.ruleId, v.phraseId])).toEqual(EXPECTED.violations);
    const c7 = stats.confirmedViolations.find((v) => v.callId === 'c7')!;
    expect(c7).toMatchObject({
      agentId: 'A3',
      line: LINE_2,
      startedAt: '2026-11-20 08:45:00',
      reviewer: 'supervisor1',
      decidedAt: '2026-11-22 09:00:00',
      startSec: 30,
    });
    expect(c7.text).toBe('不知道，你打138****5678问');
    expect(JSON.stringify(stats)).not.toContain(PHONE);
  });

  it('the month boundary is read in Asia/Shanghai', async () => {
    // c8 (30 Nov 23:30 +08:00) is in November above; x1 (1 Dec 00:10 +08:00, still 30 Nov in UTC) is not.
    expect(stats.byDay.find((d) => d.key === '30')!.figures.calls).toBe(1);
    const december = await computeMonthlyStats(db, parseMonth('2026-12'), TZ, maskText);
    expect(december.centre.calls).toBe(1);
    expect(december.confirmedViolations.map((v) => v.callId)).toEqual(['x1']);
    expect(december.headline.find((h) => h.id === 'calls')).toMatchObject({ value: 1, previous: 10, change: -9 });
    const october = await computeMonthlyStats(db, parseMonth('2026-10'), TZ, maskText);
    expect(october.centre.calls).toBe(3); // x2 at 31 Oct 23:50 +08:00, o1, o2
    // In UTC the same rows fall differently: x1 is November, c9 (1 Nov 00:10 +08:00) is October.
    const novemberUtc = await computeMonthlyStats(db, parseMonth('2026-11'), 'UTC', maskText);
    expect(novemberUtc.centre.calls).toBe(10);
    expect(novemberUtc.byAgent.map((r) => r.key)).toEqual(['A1', 'A2', 'A3']);
  });

  it('a month with no calls gives zeros and empty tables, not an error', async () => {
    const empty = await computeMonthlyStats(db, parseMonth('2027-03'), TZ, maskText);
    expectFigures(empty.centre, {
      calls: 0,
      flagged: 0,
      findings: 0,
      confirmedFindings: 0,
      bannedPhrases: 0,
      avgScore: null,
      greetingRate: null,
      reviewCoverage: null,
    });
    expect(empty.byLine).toEqual([]);
    expect(empty.byAgent).toEqual([]);
    expect(empty.rules).toEqual([]);
    expect(empty.confirmedViolations).toEqual([]);
    expect(empty.byDay).toHaveLength(31);
    expect(empty.byDay.every((d) => d.figures.calls === 0)).toBe(true);
    expect(empty.scoreDistribution.map((b) => b.calls)).toEqual([0, 0, 0, 0, 0]);
    const files = await renderStatsFiles(empty, parseMonth('2027-03'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(files[0]!.body as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('汇总')!.getRow(2).values).toEqual([undefined, '质检通话数', 0, 0, 0]);
    expect(files[1]!.body.toString('utf8')).toContain('无数据');
  });
});

describe('outputs in object storage', () => {
  let localDir: string;
  let keys: string[];

  beforeAll(async () => {
    localDir = path.join(env.dir, 'stats-out');
    const result = await buildMonthlyStats(
      { db, storage, resultsBucket: env.config.s3.resultsBucket, timeZone: TZ },
      parseMonth('2026-11'),
      localDir,
    );
    keys = result.keys;
    await mkdir(ARTIFACTS, { recursive: true });
    await copyFile(path.join(localDir, 'callqa-stats-2026-11.xlsx'), path.join(ARTIFACTS, 'stats-2026-11.xlsx'));
    await copyFile(path.join(localDir, 'report-2026-11.html'), path.join(ARTIFACTS, 'stats-report-2026-11.html'));
  });

  it('writes the workbook, the HTML report, the JSON and one CSV per table under stats/<month>/', async () => {
    const csv = [
      'summary',
      'trend',
      'by-line',
      'by-agent',
      'by-rule',
      'banned-phrases',
      'score-distribution',
      'by-day',
      'by-hour',
      'sample-misses',
      'confirmed-violations',
    ];
    expect(keys).toEqual([
      'stats/2026-11/callqa-stats-2026-11.xlsx',
      'stats/2026-11/report-2026-11.html',
      'stats/2026-11/stats.json',
      ...csv.map((t) => `stats/2026-11/csv/${t}.csv`),
    ]);
    const listed = [];
    for await (const o of storage.list(env.config.s3.resultsBucket, statsPrefix(parseMonth('2026-11')))) listed.push(o.key);
    expect(listed.sort()).toEqual([...keys].sort());
    const summaryCsv = await storage.getText(env.config.s3.resultsBucket, 'stats/2026-11/csv/summary.csv');
    expect(summaryCsv!.startsWith('\uFEFF指标,2026-11,2026-10,变化\r\n质检通话数,10,3,7\r\n')).toBe(true);
    const violationsCsv = await storage.getText(env.config.s3.resultsBucket, 'stats/2026-11/csv/confirmed-violations.csv');
    expect(violationsCsv).toContain(
      'c7,2026-11-20 08:45:00,社保热线,李强（A3）,禁用语,B01,30,不知道，你打138****5678问,张主管（supervisor1）,2026-11-22 09:00:00\r\n',
    );
    expect(violationsCsv!.split('\r\n').filter(Boolean)).toHaveLength(1 + 4);
  });

  it('the workbook opens and every sheet holds the figures', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path.join(localDir, 'callqa-stats-2026-11.xlsx'));
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      '汇总',
      '近12个月趋势',
      '按线路',
      '按坐席',
      '按规则',
      '禁用语',
      '得分分布',
      '按日',
      '按时段',
      '抽检漏检率',
      '确认违规清单',
      '说明',
    ]);
    expect(workbook.getWorksheet('说明')!.getColumn(1).values).toContain('复核准确率');
    const rows = (name: string) => {
      const sheet = workbook.getWorksheet(name)!;
      const out: unknown[][] = [];
      sheet.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
      return out;
    };
    const close = (got: unknown, want: number | null, what: string) =>
      want === null ? expect(got ?? null, what).toBeNull() : expect(got as number, what).toBeCloseTo(want, 9);

    const summary = rows('汇总');
    expect(summary[0]).toEqual(['指标', '2026-11', '2026-10', '变化']);
    const previous = EXPECTED.previous as Record<string, number>;
    const labels: Record<string, keyof typeof EXPECTED.centre> = {
      质检通话数: 'calls',
      标记待复核通话数: 'flagged',
      标记率: 'flaggedShare',
      复核确认违规数: 'confirmedFindings',
      '复核覆盖率（已复核的标记通话占比）': 'reviewCoverage',
      复核后口径覆盖的通话占比: 'settledShare',
      '平均分（检出口径）': 'avgScore',
      '平均分（复核后口径）': 'avgScoreAfter',
      '开场问候合规率（检出口径）': 'greetingRate',
      '开场问候合规率（复核后口径）': 'greetingRateAfter',
      '挂机前征得同意合规率（检出口径）': 'consentRate',
      '挂机前征得同意合规率（复核后口径）': 'consentRateAfter',
      '每百通禁用语次数（检出口径）': 'bannedPer100',
      '每百通禁用语次数（复核后口径）': 'bannedPer100After',
    };
    expect(summary.slice(1).map((r) => r[0])).toEqual(Object.keys(labels));
    for (const [label, id] of Object.entries(labels)) {
      const row = summary.find((r) => r[0] === label)!;
      close(row[1], EXPECTED.centre[id], `${label} current`);
      close(row[2], previous[id]!, `${label} previous`);
      close(row[3], EXPECTED.centre[id] - previous[id]!, `${label} change`);
    }
    expect(workbook.getWorksheet('汇总')!.getCell('B4').numFmt).toBe('0.0%');

    const figureHeaders = [
      '质检通话数',
      '标记通话数',
      '标记率',
      '已复核通话数',
      '复核覆盖率',
      '复核后口径通话数',
      '复核后口径占比',
      '发现问题数',
      '确认违规数',
      '平均分（检出）',
      '平均分（复核后）',
      '开场问候合规率（检出）',
      '开场问候合规率（复核后）',
      '挂机前征得同意合规率（检出）',
      '挂机前征得同意合规率（复核后）',
      '禁用语次数（检出）',
      '每百通禁用语（检出）',
      '禁用语次数（复核后）',
      '每百通禁用语（复核后）',
    ];
    const figureIds: (keyof Figures)[] = [
      'calls',
      'flagged',
      'flaggedShare',
      'reviewed',
      'reviewCoverage',
      'settled',
      'settledShare',
      'findings',
      'confirmedFindings',
      'avgScore',
      'avgScoreAfter',
      'greetingRate',
      'greetingRateAfter',
      'consentRate',
      'consentRateAfter',
      'bannedPhrases',
      'bannedPer100',
      'bannedPhrasesAfter',
      'bannedPer100After',
    ];
    const checkScope = (sheet: string, keyHeaders: string[], expected: Record<string, Partial<Record<keyof Figures, number | null>>>) => {
      const table = rows(sheet);
      expect(table[0]).toEqual([...keyHeaders, ...figureHeaders]);
      for (const [key, figures] of Object.entries(expected)) {
        const row = table.find((r) => r[0] === key)!;
        expect(row, `${sheet} ${key}`).toBeDefined();
        for (const [id, value] of Object.entries(figures))
          close(row[keyHeaders.length + figureIds.indexOf(id as keyof Figures)], value, `${sheet} ${key} ${id}`);
      }
    };
    checkScope('按线路', ['线路/部门'], EXPECTED.lines);
    checkScope('按坐席', ['坐席工号', '姓名', '班组/线路'], EXPECTED.agents);
    expect(
      rows('按坐席')
        .find((r) => r[0] === 'A1')!
        .slice(0, 3),
    ).toEqual(['A1', '王芳', LINE_1]);
    expect(
      rows('按坐席')
        .find((r) => r[0] === 'A2')!
        .slice(0, 3),
    ).toEqual(['A2', '', '']);
    checkScope('近12个月趋势', ['月份'], { '2026-11': EXPECTED.centre, '2026-10': EXPECTED.previous });

    const rules = rows('按规则');
    for (const [ruleId, r] of Object.entries(EXPECTED.rules)) {
      const row = rules.find((x) => x[1] === ruleId)!;
      expect(row.slice(2, 5), ruleId).toEqual([r.pass, r.fail, r.na]);
      close(row[5], r.complianceRate, `${ruleId} compliance`);
      expect(row.slice(6, 8), ruleId).toEqual([r.passAfter, r.failAfter]);
      close(row[8], r.complianceRateAfter, `${ruleId} compliance after review`);
      expect(row.slice(9, 14), ruleId).toEqual([r.findings, r.confirmed, r.dismissed, r.undecided, r.decided]);
      close(row[14], r.precision, `${ruleId} precision`);
    }
    expect(rules.find((x) => x[1] === 'opening_greeting')![0]).toBe('开场问候（您好＋中心名称）');

    expect(rows('禁用语').slice(1)).toEqual([
      ['B06', '下班了，明天再来', 3, 30, 1, 1, 12.5],
      ['B01', '不知道', 1, 10, 1, 1, 12.5],
      ['B07', '快点，要下班了', 1, 10, 0, 0, 0],
    ]);
    expect(rows('得分分布').slice(1)).toEqual([
      ['<60', 1],
      ['60–69', 1],
      ['70–79', 0],
      ['80–89', 1],
      ['90–100', 5],
    ]);

    const days = rows('按日').slice(1);
    expect(days).toHaveLength(30);
    for (const row of days) expect(row[1], String(row[0])).toBe(EXPECTED.days[Number(String(row[0]).slice(8))] ?? 0);
    const hours = rows('按时段').slice(1);
    expect(hours).toHaveLength(24);
    for (const row of hours) {
      const [calls, findings, confirmed] = EXPECTED.hours[Number(String(row[0]).slice(0, 2))] ?? [0, 0, 0];
      expect([row[1], row[8], row[9]], String(row[0])).toEqual([calls, findings, confirmed]);
    }

    const violations = rows('确认违规清单');
    expect(violations.slice(1).map((r) => [r[0], r[4], r[5] ?? ''])).toEqual([
      ['c3', '禁用语', 'B06'],
      ['c3', '挂机前征得对方同意', ''],
      ['c10', '挂机前征得对方同意', ''],
      ['c7', '禁用语', 'B01'],
    ]);
    expect(violations[4]).toEqual([
      'c7',
      '2026-11-20 08:45:00',
      LINE_2,
      '李强（A3）',
      '禁用语',
      'B01',
      30,
      '不知道，你打138****5678问',
      '张主管（supervisor1）',
      '2026-11-22 09:00:00',
    ]);
  });

  it('building the month again writes the same bytes (no clock in any file)', async () => {
    const before = new Map<string, Buffer>();
    for (const key of keys) before.set(key, await readObject(key));
    await new Promise((r) => setTimeout(r, 1100)); // a later second, so a timestamp would show
    await buildMonthlyStats({ db, storage, resultsBucket: env.config.s3.resultsBucket, timeZone: TZ }, parseMonth('2026-11'));
    for (const key of keys) expect((await readObject(key)).equals(before.get(key)!), key).toBe(true);
  });

  it('the HTML report shows the same figures and renders in Chromium (screenshot in test-artifacts/)', async () => {
    const html = await readFile(path.join(localDir, 'report-2026-11.html'), 'utf8');
    expect(html).not.toContain(PHONE);
    expect(html).not.toContain('<script');
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${path.join(localDir, 'report-2026-11.html')}`);
      const card = async (id: string) => ({
        value: await page.locator(`[data-figure="${id}"] .value`).innerText(),
        change: await page.locator(`[data-figure="${id}"] .change`).innerText(),
      });
      expect(await card('calls')).toEqual({ value: '10', change: '上月 3，变化 +7' });
      expect(await card('flagged')).toEqual({ value: '6', change: '上月 1，变化 +5' });
      expect(await card('flaggedShare')).toEqual({ value: '60.0%', change: '上月 33.3%，变化 +26.7 pp' });
      expect(await card('confirmedFindings')).toEqual({ value: '4', change: '上月 1，变化 +3' });
      expect(await card('reviewCoverage')).toEqual({ value: '66.7%', change: '上月 100.0%，变化 -33.3 pp' });
      expect(await card('settledShare')).toEqual({ value: '80.0%', change: '上月 100.0%，变化 -20.0 pp' });
      expect(await card('avgScore')).toEqual({ value: '77.0', change: '上月 80.0，变化 -3.0' });
      expect(await card('avgScoreAfter')).toEqual({ value: '83.1', change: '上月 80.0，变化 +3.1' });
      expect(await card('greetingRate')).toEqual({ value: '90.0%', change: '上月 66.7%，变化 +23.3 pp' });
      expect(await card('greetingRateAfter')).toEqual({ value: '100.0%', change: '上月 66.7%，变化 +33.3 pp' });
      expect(await card('consentRate')).toEqual({ value: '62.5%', change: '上月 100.0%，变化 -37.5 pp' });
      expect(await card('consentRateAfter')).toEqual({ value: '66.7%', change: '上月 100.0%，变化 -33.3 pp' });
      expect(await card('bannedPer100')).toEqual({ value: '50.0', change: '上月 0.0，变化 +50.0' });
      expect(await card('bannedPer100After')).toEqual({ value: '25.0', change: '上月 0.0，变化 +25.0' });

      const tableRows = (id: string) =>
        page
          .locator(`table[data-table="${id}"] tbody tr`)
          .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      const agents = await tableRows('by-agent');
      expect(agents.find((r) => r[0] === 'A1')).toEqual([
        'A1',
        '王芳',
        LINE_1,
        '4',
        '2',
        '50.0%',
        '2',
        '100.0%',
        '4',
        '100.0%',
        '3',
        '3',
        '75.0',
        '72.5',
        '100.0%',
        '100.0%',
        '50.0%',
        '50.0%',
        '1',
        '25.0',
        '1',
        '25.0',
      ]);
      expect(agents.find((r) => r[0] === 'A2')).toEqual([
        'A2',
        '',
        '',
        '2',
        '2',
        '100.0%',
        '1',
        '50.0%',
        '1',
        '50.0%',
        '4',
        '0',
        '65.0',
        '100.0',
        '50.0%',
        '100.0%',
        '0.0%',
        '—',
        '2',
        '100.0',
        '0',
        '0.0',
      ]);
      const lines = await tableRows('by-line');
      expect(lines.find((r) => r[0] === LINE_1)).toEqual([
        LINE_1,
        '6',
        '4',
        '66.7%',
        '3',
        '75.0%',
        '5',
        '83.3%',
        '7',
        '3',
        '71.7',
        '78.0',
        '83.3%',
        '100.0%',
        '40.0%',
        '50.0%',
        '3',
        '50.0',
        '1',
        '20.0',
      ]);
      expect(lines.find((r) => r[0] === '(未知)')![14]).toBe('—');
      const rules = await tableRows('by-rule');
      expect(rules.find((r) => r[1] === 'banned_phrase')).toEqual([
        '禁用语',
        'banned_phrase',
        '6',
        '4',
        '0',
        '60.0%',
        '6',
        '2',
        '75.0%',
        '5',
        '2',
        '1',
        '2',
        '3',
        '—',
      ]);
      expect(rules.find((r) => r[1] === 'polite_language')![14]).toBe('—');
      expect(await tableRows('banned-phrases')).toEqual([
        ['B06', '下班了，明天再来', '3', '30.0', '1', '1', '12.5'],
        ['B01', '不知道', '1', '10.0', '1', '1', '12.5'],
        ['B07', '快点，要下班了', '1', '10.0', '0', '0', '0.0'],
      ]);
      expect((await tableRows('score-distribution')).map((r) => r[1])).toEqual(['1', '1', '0', '1', '5']);
      const trend = await tableRows('trend');
      expect(trend.map((r) => r[0])).toHaveLength(12);
      expect(trend[11]!.slice(0, 2)).toEqual(['2026-11', '10']);
      const hours = await tableRows('by-hour');
      expect(hours[16]!.slice(0, 2)).toEqual(['16:00–16:59', '1']);
      expect(hours[16]![9]).toBe('2');
      expect((await tableRows('by-day')).map((r) => Number(r[1]))).toEqual(Array.from({ length: 30 }, (_, i) => EXPECTED.days[i + 1] ?? 0));
      const violations = await tableRows('confirmed-violations');
      expect(violations.map((r) => r[0])).toEqual(['c3', 'c3', 'c10', 'c7']);
      expect(violations[3]![7]).toBe('不知道，你打138****5678问');

      // Six charts (the 12-month trend first), each an inline SVG.
      const charts = await page.locator('figure svg').count();
      expect(charts).toBe(6);
      expect(await page.locator('#chart-trend svg text', { hasText: '平均分（复核后）' }).count()).toBeGreaterThan(0);
      const box = await page.locator('#chart-daily svg').boundingBox();
      expect(box!.width).toBeGreaterThan(700);
      expect(await page.locator('#chart-phrases svg text', { hasText: 'B06' }).count()).toBeGreaterThan(0);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'stats-report-2026-11.png'), fullPage: true });
    } finally {
      await browser?.close();
    }
  });
});

async function readObject(key: string): Promise<Buffer> {
  const body = await storage.client.getObject(env.config.s3.resultsBucket, key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('callqa stats', () => {
  beforeAll(() => assertBuilt());

  it('builds a month on demand into the results bucket and --out', async () => {
    const out = path.join(env.dir, 'cli-out');
    const run = await runCallqa(['stats', '--month', '2026-11', '--out', out], env.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('质检通话数: 10（上月 3，变化 +7）');
    expect(run.stdout).toContain(`written to ${env.config.s3.resultsBucket}/stats/2026-11/: 14 files`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path.join(out, 'callqa-stats-2026-11.xlsx'));
    expect(workbook.getWorksheet('汇总')!.getCell('B2').value).toBe(10);
  });

  it('refuses a malformed month', async () => {
    const run = await runCallqa(['stats', '--month', '2026-13'], env.env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('a month is yyyy-mm');
  });

  it('says the allowed range for a month before 2000-01 or after the current one, and trims nothing', async () => {
    const early = await runCallqa(['stats', '--month', '1999-01'], env.env);
    expect(early.code).not.toBe(0);
    expect(early.stderr).toContain('month 1999-01 is outside the allowed range 2000-01 to');
    const late = await runCallqa(['stats', '--month', '2999-12'], env.env);
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/month 2999-12 is outside the allowed range 2000-01 to \d{4}-\d{2}/);
    const spaced = await runCallqa(['stats', '--month', ' 2026-11'], env.env);
    expect(spaced.code).not.toBe(0);
    expect(spaced.stderr).toContain('a month is yyyy-mm');
    expect(spaced.stderr).toContain('" 2026-11"');
  });

  it('parses months exactly, within 2000-01 and the last month allowed', () => {
    expect(parseMonth('2000-01')).toEqual({ year: 2000, month: 1 });
    expect(() => parseMonth('1999-12')).toThrow('month 1999-12 is outside the allowed range 2000-01 to 2099-12');
    expect(() => parseMonth('2026-12', { year: 2026, month: 11 })).toThrow('outside the allowed range 2000-01 to 2026-11');
    expect(parseMonth('2026-11', { year: 2026, month: 11 })).toEqual({ year: 2026, month: 11 });
    for (const bad of [' 2026-11', '2026-11 ', '2026-1', '2026-00', '2026/11', '２０２６-11'])
      expect(() => parseMonth(bad), bad).toThrow(/a month is yyyy-mm/);
  });
});

describe('monthly schedule and stats stage', () => {
  let redis: Redis;
  let queues: Queues;

  beforeAll(() => {
    redis = new Redis(env.config.redisUrl, { maxRetriesPerRequest: null });
    queues = openQueues(redis, env.config);
  });
  afterAll(async () => {
    await closeQueues(queues);
    redis.disconnect();
  });

  it('STATS_CRON and STATS_TZ: defaults, and an unknown zone is refused', () => {
    expect(loadConfig({}).stats).toEqual({ cron: '0 3 1 * *', timeZone: 'Asia/Shanghai' });
    expect(loadConfig({ STATS_CRON: '30 2 1 * *', STATS_TZ: 'Europe/Berlin' }).stats).toEqual({
      cron: '30 2 1 * *',
      timeZone: 'Europe/Berlin',
    });
    expect(() => loadConfig({ STATS_TZ: 'Mars/Olympus' })).toThrow(/STATS_TZ: unknown time zone/);
  });

  it('builds the previous month in STATS_TZ', () => {
    // 03:00 on 1 December in Shanghai is still 30 November in UTC.
    expect(statsTargetMonth(new Date('2026-12-01T03:00:00+08:00'), env.config)).toBe('2026-11');
    expect(statsTargetMonth(new Date('2027-01-01T03:00:00+08:00'), env.config)).toBe('2026-12');
  });

  it('several workers install one scheduler, due at 03:00 on the 1st in Asia/Shanghai', async () => {
    await Promise.all([1, 2, 3].map(() => installStatsSchedule(queues, env.config)));
    const schedulers = await queues.stats.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'monthly-stats', pattern: '0 3 1 * *', tz: TZ });
    const [next] = await queues.stats.getDelayed();
    const fireAt = new Date(next!.timestamp + (next!.opts.delay ?? 0));
    expect(dateInZone(fireAt, TZ).day).toBe(1);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' }).format(fireAt)).toBe('03:00');
  });

  it('a monthly firing handled twice queues one build of the month, which writes its files', async () => {
    const services = { config: env.config, storage, db } as unknown as Services;
    const deps = { services, queues };
    const firedAt = new Date('2026-12-01T03:00:00+08:00');
    await handlers.stats(deps, { monthly: true }, { firedAt });
    await handlers.stats(deps, { monthly: true }, { firedAt });
    const builds = (await queues.stats.getWaiting()).filter((j) => j.name === 'stats');
    expect(builds.map((j) => [j.id, j.data])).toEqual([['stats-month-2026-11', { month: '2026-11' }]]);
    await storage.remove(env.config.s3.resultsBucket, ['stats/2026-11/stats.json']);
    const result = await handlers.stats(deps, builds[0]!.data, { firedAt });
    expect(result).toEqual({ status: 'done', detail: { month: '2026-11', calls: 10, files: 14 } });
    const json = JSON.parse((await storage.getText(env.config.s3.resultsBucket, 'stats/2026-11/stats.json'))!) as MonthlyStats;
    expect(json.centre.calls).toBe(10);
  });
});
