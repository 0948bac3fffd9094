/**
 * The monthly statistics as one self-contained HTML page for the centre's management: the headline
 * figures against the previous month, charts rendered on the server as inline SVG (ECharts' server-side
 * rendering: no canvas, no scripts in the page), and every table of tables.ts. All text is escaped.
 *
 * Deterministic: ECharts numbers its SVG ids and CSS classes with process-wide counters (`zr0-c0`,
 * `zr1-cls-19`); each chart's are renamed after the chart and renumbered from 0 in order of appearance,
 * so the same month gives the same page in any process.
 */
import * as echarts from 'echarts';
import { escapeHtml } from '../report/render-html.js';
import type { MonthlyStats } from './aggregate.js';
import { ruleName } from '../../domain/labels.js';
import { cellKind, FIGURE_DEFINITIONS, formatValue, phraseLabel, type Table } from './tables.js';

/** Rows of the confirmed-violations list shown in the page (all of them are in the workbook and CSV). */
export const HTML_VIOLATIONS_LIMIT = 500;

const WIDTH = 760;
const HEIGHT = 300;
const FONT = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';

/** Renames ECharts' counter-numbered ids and classes in `svg` to `<id>-<family><n>`, n from 0 per family. */
function stableIds(svg: string, id: string): string {
  const renamed = new Map<string, string>();
  const next = new Map<string, number>();
  return svg.replace(/\bzr\d+-([a-z]+-?)(\d+)\b/g, (token: string, family: string) => {
    let name = renamed.get(token);
    if (!name) {
      const n = next.get(family) ?? 0;
      next.set(family, n + 1);
      name = `${id}-${family}${n}`;
      renamed.set(token, name);
    }
    return name;
  });
}

/** Renders one chart to an SVG string with ids prefixed by `id`. */
function chartSvg(id: string, option: echarts.EChartsCoreOption, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT }, ...option });
    return stableIds(chart.renderToSVGString(), id);
  } finally {
    chart.dispose();
  }
}

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function charts(s: MonthlyStats): { id: string; title: string; svg: string }[] {
  const days = s.byDay.map((r) => r.key);
  const hours = s.byHour.map((r) => r.key.padStart(2, '0'));
  const grid = { left: 56, right: 56, top: 40, bottom: 36 };
  return [
    {
      id: 'chart-trend',
      title: '近12个月趋势：平均分与每百通禁用语（检出口径 / 复核后口径）',
      svg: chartSvg('chart-trend', {
        legend: { top: 4 },
        grid,
        xAxis: { type: 'category', data: s.trend.map((t) => t.month) },
        yAxis: [
          { type: 'value', name: '平均分', min: 0, max: 100 },
          { type: 'value', name: '每百通' },
        ],
        series: [
          { name: '平均分（检出）', type: 'line', data: s.trend.map((t) => round1(t.figures.avgScore)) },
          { name: '平均分（复核后）', type: 'line', data: s.trend.map((t) => round1(t.figures.avgScoreAfter)) },
          { name: '每百通禁用语（检出）', type: 'bar', yAxisIndex: 1, data: s.trend.map((t) => round1(t.figures.bannedPer100)) },
          { name: '每百通禁用语（复核后）', type: 'bar', yAxisIndex: 1, data: s.trend.map((t) => round1(t.figures.bannedPer100After)) },
        ],
      }),
    },
    {
      id: 'chart-daily',
      title: '每日质检通话、标记与确认违规',
      svg: chartSvg('chart-daily', {
        legend: { top: 4 },
        grid,
        xAxis: { type: 'category', data: days },
        yAxis: [
          { type: 'value', name: '通话' },
          { type: 'value', name: '平均分', min: 0, max: 100 },
        ],
        series: [
          { name: '质检通话', type: 'bar', data: s.byDay.map((r) => r.figures.calls) },
          { name: '标记', type: 'bar', data: s.byDay.map((r) => r.figures.flagged) },
          { name: '确认违规', type: 'bar', data: s.byDay.map((r) => r.figures.confirmedFindings) },
          { name: '平均分（检出）', type: 'line', yAxisIndex: 1, data: s.byDay.map((r) => round1(r.figures.avgScore)) },
        ],
      }),
    },
    {
      id: 'chart-hourly',
      title: '按时段：发现问题与确认违规（每百通）',
      svg: chartSvg('chart-hourly', {
        legend: { top: 4 },
        grid,
        xAxis: { type: 'category', data: hours, name: '时' },
        yAxis: [
          { type: 'value', name: '每百通' },
          { type: 'value', name: '通话' },
        ],
        series: [
          {
            name: '发现问题/百通',
            type: 'bar',
            data: s.byHour.map((r) => (r.figures.calls ? Math.round((r.figures.findings * 1000) / r.figures.calls) / 10 : 0)),
          },
          {
            name: '确认违规/百通',
            type: 'bar',
            data: s.byHour.map((r) => (r.figures.calls ? Math.round((r.figures.confirmedFindings * 1000) / r.figures.calls) / 10 : 0)),
          },
          { name: '质检通话', type: 'line', yAxisIndex: 1, data: s.byHour.map((r) => r.figures.calls) },
        ],
      }),
    },
    {
      id: 'chart-rules',
      title: '各规则合规率（%）与复核准确率（%）',
      svg: chartSvg(
        'chart-rules',
        {
          legend: { top: 4 },
          grid: { left: 200, right: 40, top: 40, bottom: 30 },
          xAxis: { type: 'value', min: 0, max: 100 },
          yAxis: { type: 'category', data: s.rules.map((r) => ruleName(r.ruleId)), inverse: true },
          series: [
            { name: '合规率（检出）', type: 'bar', data: s.rules.map((r) => pct(r.complianceRate)) },
            { name: '合规率（复核后）', type: 'bar', data: s.rules.map((r) => pct(r.complianceRateAfter)) },
            { name: '复核准确率', type: 'bar', data: s.rules.map((r) => pct(r.precision)) },
          ],
        },
        Math.max(HEIGHT, 60 + s.rules.length * 60),
      ),
    },
    {
      id: 'chart-phrases',
      title: '禁用语（次数）',
      svg: chartSvg(
        'chart-phrases',
        {
          grid: { left: 200, right: 40, top: 20, bottom: 30 },
          xAxis: { type: 'value', minInterval: 1 },
          yAxis: { type: 'category', data: s.phrases.map((p) => `${p.phraseId} ${phraseLabel(p.phraseId)}`), inverse: true },
          series: [{ name: '次数', type: 'bar', data: s.phrases.map((p) => p.count), label: { show: true, position: 'right' } }],
        },
        Math.max(160, 50 + s.phrases.length * 28),
      ),
    },
    {
      id: 'chart-scores',
      title: '得分分布',
      svg: chartSvg('chart-scores', {
        grid,
        xAxis: { type: 'category', data: s.scoreDistribution.map((b) => b.label) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ name: '通话', type: 'bar', data: s.scoreDistribution.map((b) => b.calls), label: { show: true, position: 'top' } }],
      }),
    },
  ];
}

function tableHtml(table: Table, limit?: number): string {
  const rows = limit === undefined ? table.rows : table.rows.slice(0, limit);
  const head = table.columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join('');
  const body = rows
    .map((row, r) => {
      const cells = row.map((cell, c) => {
        const kind = cellKind(table, r, c);
        const text = typeof cell === 'string' ? cell : formatValue(cell, kind, table.columns[c]!.signed);
        return `<td${kind === 'text' ? '' : ' class="num"'}>${escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const more =
    limit !== undefined && table.rows.length > limit
      ? `<p class="note">仅显示前 ${limit} 条，共 ${table.rows.length} 条；完整清单见工作簿和 CSV。</p>`
      : '';
  return `<section id="${table.id}"><h2>${escapeHtml(table.title)}</h2>
<table data-table="${table.id}"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>${rows.length === 0 ? '<p class="note">无数据</p>' : ''}${more}</section>`;
}

/**
 * Renders the page.
 *
 * @param tables statsTables(s), so the page shows exactly the workbook's figures
 * @returns a complete HTML document (UTF-8)
 */
export function renderStatsHtml(s: MonthlyStats, tables: Table[]): string {
  const cards = s.headline
    .map(
      (h) =>
        `<div class="card" data-figure="${h.id}"><div class="label">${escapeHtml(h.label)}</div>` +
        `<div class="value">${escapeHtml(formatValue(h.value, h.kind))}</div>` +
        `<div class="change">上月 ${escapeHtml(formatValue(h.previous, h.kind))}，变化 ${escapeHtml(formatValue(h.change, h.kind, true))}</div></div>`,
    )
    .join('\n');
  const chartBlocks = charts(s)
    .map((c) => `<figure id="${c.id}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}</figure>`)
    .join('\n');
  const sections = tables.map((t) => tableHtml(t, t.id === 'confirmed-violations' ? HTML_VIOLATIONS_LIMIT : undefined)).join('\n');
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>服务规范质检月报 ${escapeHtml(s.month)}</title>
<style>
body { font-family: ${FONT}; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.meta, .note { color: #666; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 170px; }
.card .label { font-size: 13px; color: #555; } .card .value { font-size: 24px; font-weight: bold; margin: 4px 0; }
.card .change { font-size: 12px; color: #666; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; } figcaption { font-weight: bold; margin: 8px 0; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f3f4f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
</style></head>
<body>
<h1>服务规范质检月报 ${escapeHtml(s.month)}</h1>
<p class="meta">统计月份 ${escapeHtml(s.month)}（${escapeHtml(s.timeZone)}），对比上月 ${escapeHtml(s.previousMonth)}。${FIGURE_DEFINITIONS.map(([f, d]) => `${escapeHtml(f)}：${escapeHtml(d)}`).join('；')}。</p>
<section id="headline"><h2>本月概览</h2><div class="cards">
${cards}
</div></section>
<section id="charts"><h2>图表</h2><div class="charts">
${chartBlocks}
</div></section>
${sections}
</body></html>
`;
}
