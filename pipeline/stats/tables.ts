/**
 * The monthly statistics as tables: one definition of every table's columns (Chinese headers, kinds),
 * shared by the workbook, the CSV files and the HTML report so the three always show the same figures.
 * Rule names come from the report page (`ruleName` in domain/labels.ts), banned-phrase wordings from the shipped ruleset.
 */
import { ruleName } from '../../domain/labels.js';
import { defaultRuleset } from '../../rules/ruleset.js';
import { agentLabel } from '../../infra/agent-directory.js';
import { ANY_RULE } from './sampling.js';
import { PRECISION_MIN_DECIDED, type Figures, type MonthlyStats, type ScopeRow } from './aggregate.js';

/** How a column's numbers are shown: rates as %, per-100 and scores with one decimal. */
export type ColumnKind = 'text' | 'count' | 'rate' | 'score' | 'per100' | 'seconds';

/** A cell value: text, a number, or `null` for "no value" (a rate without denominator). */
export type Cell = string | number | null;

/** A table: name (sheet / file / section), headers with kinds, rows of cells in the header order. */
export interface Table {
  /** File-safe id, e.g. `by-agent` (CSV file name, HTML anchor). */
  id: string;
  /** Sheet and section title. */
  title: string;
  /** `signed`: a change against the previous month, shown with its sign (+1.2, +0.5 pp). */
  columns: { header: string; kind: ColumnKind; signed?: boolean }[];
  rows: Cell[][];
  /** When set, the kind of every number in row i (tables whose rows mix counts and rates: the summary). */
  rowKinds?: ColumnKind[];
}

/** The kind of the number in row `row`, column `col` of `table`. */
export function cellKind(table: Table, row: number, col: number): ColumnKind {
  const column = table.columns[col]!.kind;
  return column !== 'text' && table.rowKinds ? table.rowKinds[row]! : column;
}

/** Ids of the tables of {@link statsTables}, in order (CSV file names, HTML anchors). */
export const TABLE_IDS = [
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
] as const;

/**
 * Names of a month's output files inside `stats/<month>/`, as pipeline/stats/build.ts writes them: the
 * workbook, the HTML report, `stats.json` and `csv/<table>.csv`.
 */
export function statsFileNames(month: string): string[] {
  return [`callqa-stats-${month}.xlsx`, `report-${month}.html`, 'stats.json', ...TABLE_IDS.map((id) => `csv/${id}.csv`)];
}

let phraseLabels: Map<string, string> | undefined;

/** The wording of a banned phrase id in the norms (e.g. B06 → 下班了，明天再来), from the shipped ruleset. */
export function phraseLabel(phraseId: string): string {
  if (!phraseLabels) {
    phraseLabels = new Map();
    for (const rule of defaultRuleset().rules) {
      if (rule.check === 'forbid') for (const p of rule.phrases) if (p.label) phraseLabels.set(p.id, p.label);
    }
  }
  return phraseLabels.get(phraseId) ?? '';
}

/**
 * A value as text: rates `12.5%`, changes of rates in percentage points `+1.2 pp`, scores and per-100
 * figures with one decimal, counts as integers, `—` for null.
 */
export function formatValue(value: number | null, kind: ColumnKind, signed = false): string {
  if (value === null) return '—';
  const sign = signed && value > 0 ? '+' : '';
  switch (kind) {
    case 'rate':
      return signed ? `${sign}${(value * 100).toFixed(1)} pp` : `${(value * 100).toFixed(1)}%`;
    case 'score':
    case 'per100':
      return `${sign}${value.toFixed(1)}`;
    case 'seconds':
      return value.toFixed(1);
    default:
      return `${sign}${value}`;
  }
}

const FIGURE_COLUMNS: { id: keyof Figures; header: string; kind: ColumnKind }[] = [
  { id: 'calls', header: '质检通话数', kind: 'count' },
  { id: 'flagged', header: '标记通话数', kind: 'count' },
  { id: 'flaggedShare', header: '标记率', kind: 'rate' },
  { id: 'reviewed', header: '已复核通话数', kind: 'count' },
  { id: 'reviewCoverage', header: '复核覆盖率', kind: 'rate' },
  { id: 'settled', header: '复核后口径通话数', kind: 'count' },
  { id: 'settledShare', header: '复核后口径占比', kind: 'rate' },
  { id: 'findings', header: '发现问题数', kind: 'count' },
  { id: 'confirmedFindings', header: '确认违规数', kind: 'count' },
  { id: 'avgScore', header: '平均分（检出）', kind: 'score' },
  { id: 'avgScoreAfter', header: '平均分（复核后）', kind: 'score' },
  { id: 'greetingRate', header: '开场问候合规率（检出）', kind: 'rate' },
  { id: 'greetingRateAfter', header: '开场问候合规率（复核后）', kind: 'rate' },
  { id: 'consentRate', header: '挂机前征得同意合规率（检出）', kind: 'rate' },
  { id: 'consentRateAfter', header: '挂机前征得同意合规率（复核后）', kind: 'rate' },
  { id: 'bannedPhrases', header: '禁用语次数（检出）', kind: 'count' },
  { id: 'bannedPer100', header: '每百通禁用语（检出）', kind: 'per100' },
  { id: 'bannedPhrasesAfter', header: '禁用语次数（复核后）', kind: 'count' },
  { id: 'bannedPer100After', header: '每百通禁用语（复核后）', kind: 'per100' },
];

function scopeTable(
  id: string,
  title: string,
  keyHeader: string,
  rows: ScopeRow[],
  extra?: { headers: string[]; cells: (key: string) => string[] },
): Table {
  return {
    id,
    title,
    columns: [
      { header: keyHeader, kind: 'text' },
      ...(extra?.headers ?? []).map((header) => ({ header, kind: 'text' as const })),
      ...FIGURE_COLUMNS.map(({ header, kind }) => ({ header, kind })),
    ],
    rows: rows.map((r) => [r.key, ...(extra?.cells(r.key) ?? []), ...FIGURE_COLUMNS.map((c) => r.figures[c.id])]),
  };
}

/**
 * Every table of the month, in workbook order: summary (headline with previous month and change),
 * (the column of the change in rates holds fractions; shown as percentage points), by line, by agent, by rule, banned phrases, score distribution, by day, by hour, confirmed violations.
 */
export function statsTables(s: MonthlyStats): Table[] {
  return [
    {
      id: 'summary',
      title: '汇总',
      columns: [
        { header: '指标', kind: 'text' },
        { header: s.month, kind: 'count' },
        { header: s.previousMonth, kind: 'count' },
        { header: '变化', kind: 'count', signed: true },
      ],
      rowKinds: s.headline.map((h) => h.kind),
      rows: s.headline.map((h) => [h.label, h.value, h.previous, h.change]),
    },
    scopeTable(
      'trend',
      '近12个月趋势',
      '月份',
      s.trend.map((t) => ({ key: t.month, figures: t.figures })),
    ),
    scopeTable('by-line', '按线路', '线路/部门', s.byLine),
    scopeTable('by-agent', '按坐席', '坐席工号', s.byAgent, {
      headers: ['姓名', '班组/线路'],
      cells: (id) => [s.agentNames[id]?.name ?? '', s.agentNames[id]?.team ?? ''],
    }),
    {
      id: 'by-rule',
      title: '按规则',
      columns: [
        { header: '规则', kind: 'text' },
        { header: '规则编号', kind: 'text' },
        { header: '通过', kind: 'count' },
        { header: '不通过', kind: 'count' },
        { header: '不适用', kind: 'count' },
        { header: '合规率（检出）', kind: 'rate' },
        { header: '通过（复核后）', kind: 'count' },
        { header: '不通过（复核后）', kind: 'count' },
        { header: '合规率（复核后）', kind: 'rate' },
        { header: '发现问题数', kind: 'count' },
        { header: '确认', kind: 'count' },
        { header: '驳回', kind: 'count' },
        { header: '未复核', kind: 'count' },
        { header: '已复核发现数（准确率分母）', kind: 'count' },
        { header: `复核准确率（分母不足 ${PRECISION_MIN_DECIDED} 不计）`, kind: 'rate' },
      ],
      rows: s.rules.map((r) => [
        ruleName(r.ruleId),
        r.ruleId,
        r.pass,
        r.fail,
        r.na,
        r.complianceRate,
        r.passAfter,
        r.failAfter,
        r.complianceRateAfter,
        r.findings,
        r.confirmed,
        r.dismissed,
        r.undecided,
        r.decided,
        r.precision,
      ]),
    },
    {
      id: 'banned-phrases',
      title: '禁用语',
      columns: [
        { header: '编号', kind: 'text' },
        { header: '禁用语', kind: 'text' },
        { header: '次数（检出）', kind: 'count' },
        { header: '每百通（检出）', kind: 'per100' },
        { header: '确认', kind: 'count' },
        { header: '次数（复核后）', kind: 'count' },
        { header: '每百通（复核后）', kind: 'per100' },
      ],
      rows: s.phrases.map((p) => [p.phraseId, phraseLabel(p.phraseId), p.count, p.per100, p.confirmed, p.countAfter, p.per100After]),
    },
    {
      id: 'score-distribution',
      title: '得分分布',
      columns: [
        { header: '分数段（复核后口径）', kind: 'text' },
        { header: '通话数', kind: 'count' },
      ],
      rows: s.scoreDistribution.map((b) => [b.label, b.calls]),
    },
    scopeTable(
      'by-day',
      '按日',
      '日期',
      s.byDay.map((r) => ({ ...r, key: `${s.month}-${r.key.padStart(2, '0')}` })),
    ),
    scopeTable(
      'by-hour',
      '按时段',
      '时段',
      s.byHour.map((r) => ({ ...r, key: `${r.key.padStart(2, '0')}:00–${r.key.padStart(2, '0')}:59` })),
    ),
    {
      id: 'sample-misses',
      title: '抽检漏检率',
      columns: [
        { header: '规则', kind: 'text' },
        { header: '规则编号', kind: 'text' },
        { header: '抽检已复核通话数', kind: 'count' },
        { header: '有漏检的通话数', kind: 'count' },
        { header: '漏检率', kind: 'rate' },
        { header: '95% 置信区间下限', kind: 'rate' },
        { header: '95% 置信区间上限', kind: 'rate' },
      ],
      rows: s.sampleMisses.map((m) => [
        m.ruleId === ANY_RULE ? '（任一规则）' : ruleName(m.ruleId),
        m.ruleId,
        m.reviewedSampled,
        m.callsWithMiss,
        m.missRate,
        m.low,
        m.high,
      ]),
    },
    {
      id: 'confirmed-violations',
      title: '确认违规清单',
      columns: [
        { header: '通话编号', kind: 'text' },
        { header: '开始时间', kind: 'text' },
        { header: '线路/部门', kind: 'text' },
        { header: '坐席', kind: 'text' },
        { header: '规则', kind: 'text' },
        { header: '禁用语编号', kind: 'text' },
        { header: '通话内位置（秒）', kind: 'seconds' },
        { header: '原话（已脱敏）', kind: 'text' },
        { header: '复核人', kind: 'text' },
        { header: '复核时间', kind: 'text' },
      ],
      rows: s.confirmedViolations.map((v) => [
        v.callId,
        v.startedAt,
        v.line,
        agentLabel(v.agentId, s.agentNames),
        ruleName(v.ruleId),
        v.phraseId,
        v.startSec,
        v.text,
        s.reviewerNames[v.reviewer] ? `${s.reviewerNames[v.reviewer]}（${v.reviewer}）` : v.reviewer,
        v.decidedAt,
      ]),
    },
  ];
}

/**
 * How the figures are defined, in the words management reads (shown in the HTML report and as the workbook's
 * 说明 sheet). Sources: pipeline/stats/aggregate.ts computes each exactly so.
 */
export const FIGURE_DEFINITIONS: readonly (readonly [figure: string, definition: string])[] = [
  ['检出口径', '本月全部质检通话，按系统自动结果统计：所有发现都计入，无论是否复核、是否被驳回'],
  [
    '复核后口径',
    '只统计复核已完成的通话（未被标记的通话，以及复核已结束的标记通话；待复核的不计入），去掉被驳回的发现：某规则的发现全部被驳回则该规则按通过计，得分用复核后得分',
  ],
  ['复核后口径占比', '复核后口径的通话数 ÷ 质检通话数：复核后口径的数字代表了本月多少通话'],
  ['合规率', '通过 ÷（通过 + 不通过）；不适用的通话（如来电人先挂断）不计入；两种口径分别计算'],
  ['标记率', '需复核（被标记）的通话 ÷ 质检通话数'],
  ['复核覆盖率', '已复核的标记通话 ÷ 标记通话'],
  [
    '复核准确率',
    `确认 ÷（确认 + 驳回）：规则发现经复核员确认的比例；数值低说明该规则误报多，应调整规则。分母（已复核发现数）列在旁边，不足 ${PRECISION_MIN_DECIDED} 条时不计算`,
  ],
  [
    '每百通禁用语',
    '检出口径：坐席使用禁用语的次数 ÷ 质检通话数 × 100；复核后口径：复核后口径通话中未被驳回的禁用语次数 ÷ 这些通话数 × 100',
  ],
  ['平均分', '检出口径：全部通话的系统评分的平均值；复核后口径：复核后口径通话的复核后得分的平均值；满分 100'],
  ['近12个月趋势', '截至本月的 12 个月，每月全中心的两种口径数字'],
  [
    '抽检漏检率',
    '按比例从规则未标记的通话中抽检，复核完毕的抽检通话中登记了某规则漏检的通话所占比例；95% 置信区间按 Wilson 方法计算，样本越少区间越宽',
  ],
  ['坐席姓名', '来自坐席名册（callqa agents import 导入的 CSV）；名册中没有的坐席只显示工号'],
  ['较上月', '本月数值减去上月数值；比率以百分点计'],
  ['—（空白）', '没有可计算的数据（分母为 0）'],
  ['脱敏', '原话中的身份证号、手机号、银行卡号已按隐私规则遮盖'],
];
