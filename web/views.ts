/**
 * The pages, rendered on the server as HTML strings (every value escaped). Chinese labels; dates and times
 * in Asia/Shanghai. Usable with the keyboard: real links, buttons and form controls, a skip link, visible
 * focus, labels on every control; the call page adds player shortcuts (see web/assets.ts).
 */
import type { ReviewedScore } from '../rules/analyze/score.js';
import { escapeHtml as esc, formatTime, REPORT_TIME_ZONE } from '../pipeline/report/render-html.js';
import { failureCodeName, phraseName, recordingLocation, RULE_NAMES, ruleName, SPEAKER_NAMES, STATUS_NAMES } from '../domain/labels.js';
import type { RecordingRow } from '../infra/db/recordings-repository.js';
import type { Transcript } from '../domain/transcript.js';
import type { Report } from '../domain/report.js';
import { ROLE_NAMES } from './accounts.js';
import type { User } from '../domain/user.js';
import type { MissedFinding } from '../infra/db/sampling-repository.js';
import { REVIEW_STATUS_NAMES, encodeCursor, type CallView, type FindingView } from './review-data.js';
import type { QueueFilter, QueuePage } from '../infra/db/reviews-repository.js';

export { esc };

const DECISION_NAMES: Record<string, string> = { confirmed: '确认', dismissed: '驳回', comment: '备注' };

/** Why a call was flagged (report `reviewReasons`). */
const REVIEW_REASON_NAMES: Record<string, string> = {
  rule_failed: '有规则不通过',
  finding_needs_review: '有发现需人工确认',
  no_agent_speech: '未识别到坐席语音',
};

const dateTimeFormat = new Intl.DateTimeFormat('zh-CN', {
  timeZone: REPORT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** A date and time in the centre's zone ({@link REPORT_TIME_ZONE}, Asia/Shanghai), e.g. `2026/11/28 09:15:02`. */
export function formatDateTime(d: Date | null | undefined): string {
  return d ? dateTimeFormat.format(d) : '—';
}

/** Page frame: header with navigation, skip link, main content. */
export function layout(opts: { title: string; user?: User; body: string; csrf?: string; scripts?: string[] }): string {
  const u = opts.user;
  const nav = u
    ? `<nav aria-label="主导航">${u.role === 'agent' ? '<a href="/">我的通话</a> <a href="/appeals">我的申诉</a>' : '<a href="/">复核队列</a>'}${u.role === 'officer' || u.role === 'agent' ? '' : ' <a href="/appeals">申诉</a> <a href="/stats">月度统计</a> <a href="/rules">规则管理</a> <a href="/settings/sampling">抽检设置</a> <a href="/settings/dismiss-reasons">驳回理由</a>'}${u.role === 'admin' ? ' <a href="/admin/failed">失败录音</a> <a href="/admin/queues">任务队列</a> <a href="/admin/users">用户</a>' : ''}</nav>
       <form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${esc(opts.csrf ?? '')}">
       <span>${esc(u.displayName)}（${ROLE_NAMES[u.role]}）</span> <button type="submit">退出登录</button></form>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)} · 通话质检复核</title>
<style>${CSS}</style></head><body>
<a class="skip" href="#main">跳到正文</a>
<header><strong>通话质检复核</strong> ${nav}</header>
<main id="main" tabindex="-1">
${opts.body}
</main>
${(opts.scripts ?? []).map((s) => `<script src="${esc(s)}" defer></script>`).join('')}
</body></html>`;
}

const CSS = `
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f1f1f;font-size:15px}
header{display:flex;gap:1.5rem;align-items:center;background:#1d3b6a;color:#fff;padding:.5rem 1rem;flex-wrap:wrap}
header a{color:#fff;margin-right:1rem}header form{margin-left:auto}
main{padding:1rem;max-width:82rem;margin:0 auto}
.skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;color:#000;padding:.3rem;z-index:9}
a:focus,button:focus,input:focus,select:focus,textarea:focus,[tabindex]:focus{outline:3px solid #f5a623;outline-offset:2px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}tr.flagged td:first-child{border-left:4px solid #c0392b}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;background:#f7f7f7;padding:.6rem;margin-bottom:.8rem}
.filters label{display:flex;flex-direction:column;font-size:.85rem}
.status-pending{color:#b35c00;font-weight:bold}.status-confirmed{color:#b00}.status-dismissed{color:#2c7a2c}
.inline{display:inline}.error{color:#b00;font-weight:bold}.note{color:#555;font-size:.9rem}
.call{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem}
@media (max-width:1000px){.call{grid-template-columns:1fr}}
.player{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #ddd;z-index:2}
audio{width:100%}
ol.transcript{list-style:none;padding:0;margin:0}
ol.transcript li{padding:.25rem .4rem;border-left:4px solid #ddd;margin:.15rem 0}
ol.transcript li.agent{border-color:#36c}ol.transcript li.customer{border-color:#999}
ol.transcript li.hit{background:#fff1c2}ol.transcript li.playing{outline:2px solid #1d3b6a}
.seek{background:none;border:1px solid #bbb;border-radius:3px;cursor:pointer;font:inherit;font-size:.85em;color:#333;padding:0 .3rem}
.finding{border:1px solid #ccc;border-radius:4px;padding:.5rem;margin-bottom:.7rem;scroll-margin-top:7rem}
.finding.confirmed{border-color:#b00}.finding.dismissed{border-color:#2c7a2c;background:#f3fbf3}
.finding fieldset{border:0;padding:0;margin:.3rem 0}.finding form p{margin:.3rem 0}.finding h3{margin:.2rem 0}
main[tabindex]:focus{outline:none}
.score{font-size:1.6rem;font-weight:bold}
.history{font-size:.88rem;margin:.3rem 0 0 1rem;padding:0}
.sampled{background:#6a3d9a;color:#fff;border-radius:3px;padding:0 .3rem;font-size:.85em}
.timeline{position:relative;height:1.6rem;background:#f0f0f0;margin:.3rem 0;border-radius:3px}
.timeline .seg{position:absolute;top:.55rem;height:.5rem;background:#9ab}.timeline .seg.agent{background:#36c}
.timeline .mark{position:absolute;top:0;width:.7rem;height:1.6rem;margin-left:-.35rem;background:#c0392b;border:1px solid #fff;border-radius:2px;padding:0;cursor:pointer}
.timeline .mark.dismissed{background:#2c7a2c}.timeline .mark.confirmed{background:#800}
.timeline .playhead{position:absolute;top:0;width:2px;height:1.6rem;background:#000;left:0}
.finding.current{box-shadow:0 0 0 3px #f5a623}.finding fieldset.choice label{margin-right:.6rem}
.review-actions{position:sticky;bottom:0;background:#fff;padding:.5rem 0;border-top:1px solid #ddd}
.shortcuts ul{margin:.2rem 0;padding-left:1.2rem;font-size:.88rem;columns:2}kbd{border:1px solid #999;border-radius:3px;padding:0 .25rem;background:#f7f7f7}
`;

/** The sign-in page. */
export function loginPage(csrf: string, error?: string, next?: string): string {
  return layout({
    title: '登录',
    body: `<h1>登录</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<input type="hidden" name="next" value="${esc(next ?? '/')}">
<p><label>用户名<br><input name="username" autocomplete="username" required autofocus></label></p>
<p><label>密码<br><input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">登录</button></p>
</form>`,
  });
}

/** An error page (403, 404, …) with a link back: the queue, or `back` (e.g. the call a form was on). */
export function errorPage(title: string, message: string, user?: User, csrf?: string, back?: { href: string; label: string }): string {
  const link = back ?? { href: '/', label: '返回复核队列' };
  return layout({
    title,
    user,
    csrf,
    body: `<h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="${esc(link.href)}">${esc(link.label)}</a></p>`,
  });
}

/** A queue filter as a query string, `?…` (empty without values), plus `extra` parameters. */
export function filterQuery(f: QueueFilter, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') q.set(k, String(v));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function option(value: string, label: string, selected: string | undefined): string {
  return `<option value="${esc(value)}"${value === (selected ?? '') ? ' selected' : ''}>${esc(label)}</option>`;
}

/** The review queue. */
export function queuePageHtml(opts: {
  user: User;
  csrf: string;
  filter: QueueFilter;
  page: QueuePage;
  choices: { agents: string[]; lines: string[] };
  reviewers: User[];
  notice?: string;
  elapsedMs: number;
  /** Banned-phrase wording by id (bannedPhraseLabels). */
  phraseLabels: Record<string, string>;
}): string {
  const { user, filter: f, page, phraseLabels } = opts;
  const keep = filterQuery(f);
  const canAssign = user.role === 'supervisor' || user.role === 'admin';
  const rows = page.rows
    .map((r) => {
      const score = r.reviewedScore !== null && r.reviewedScore !== r.score ? `${r.reviewedScore}（原 ${r.score}）` : String(r.score);
      const problems = [
        ...r.failedRules.filter((x) => x !== 'banned_phrase').map((x) => ruleName(x)),
        ...r.bannedPhrases.map((b) => phraseName(b, phraseLabels)),
      ].join('、');
      return `<tr class="${r.reviewStatus !== 'none' ? 'flagged' : ''}">
${canAssign ? `<td><input type="checkbox" name="ids" value="${r.recordingId}" form="assign" aria-label="选择通话 ${esc(r.callId)}"></td>` : ''}
<td><a href="/calls/${r.recordingId}${esc(keep)}">${esc(r.callId)}</a></td><td>${esc(formatDateTime(r.callTime))}</td>
<td>${esc(r.agentId ?? '—')}</td><td>${esc(r.line ?? '—')}</td><td>${formatTime(r.durationSec)}</td><td>${esc(score)}</td>
<td>${esc(problems || '—')}</td><td class="status-${r.reviewStatus}">${REVIEW_STATUS_NAMES[r.reviewStatus] ?? r.reviewStatus}${r.sampled ? ' <span class="sampled">抽检</span>' : ''}</td><td>${esc(r.assignedTo ?? '—')}</td></tr>`;
    })
    .join('\n');
  const ruleOptions = [
    option('', '全部', f.rule),
    ...Object.entries(RULE_NAMES).map(([id, n]) => option(id, `${n}（不通过）`, f.rule)),
    ...Array.from({ length: 15 }, (_, i) => `B${String(i + 1).padStart(2, '0')}`).map((b) =>
      option(b, `禁用语 ${phraseName(b, phraseLabels)}`, f.rule),
    ),
  ].join('');
  const statusOptions = [
    option('', '全部', f.status),
    option('flagged', '需复核（全部）', f.status),
    option('pending', '待复核', f.status),
    option('confirmed', '已确认', f.status),
    option('dismissed', '已驳回', f.status),
    option('none', '无需复核', f.status),
  ].join('');
  const assignedOptions = [
    option('', '全部', f.assigned),
    option('me', '分配给我', f.assigned),
    option('none', '未分配', f.assigned),
    ...(canAssign ? opts.reviewers.map((r) => option(r.username, r.displayName, f.assigned)) : []),
  ].join('');
  const datalist = (id: string, values: string[]) =>
    `<datalist id="${id}">${values.map((v) => `<option value="${esc(v)}">`).join('')}</datalist>`;
  const assignForm = canAssign
    ? `<form id="assign" method="post" action="/assign${esc(filterQuery(f))}" class="filters" aria-label="分配">
<input type="hidden" name="_csrf" value="${esc(opts.csrf)}">
<label>分配给<select name="user">${opts.reviewers.map((r) => option(String(r.id), r.displayName, undefined)).join('')}<option value="">（取消分配）</option></select></label>
<button type="submit" name="mode" value="selected">分配所选通话</button>
<span>或</span>
<label>在以下质检员之间平均分配当前筛选的未分配待复核通话<select name="evenly" multiple size="3">${opts.reviewers.map((r) => option(String(r.id), r.displayName, undefined)).join('')}</select></label>
<button type="submit" name="mode" value="evenly">平均分配</button>
</form>`
    : '';
  return layout({
    title: '复核队列',
    user,
    csrf: opts.csrf,
    body: `<h1>复核队列</h1>
${opts.notice ? `<p role="status">${esc(opts.notice)}</p>` : ''}
<form method="get" action="/" class="filters" aria-label="筛选">
<label>开始日期<input type="date" name="from" value="${esc(f.from ?? '')}"></label>
<label>结束日期<input type="date" name="to" value="${esc(f.to ?? '')}"></label>
<label>坐席<input name="agent" list="agents" value="${esc(f.agent ?? '')}" size="8"></label>${datalist('agents', opts.choices.agents)}
<label>线路/部门<input name="line" list="lines" value="${esc(f.line ?? '')}" size="10"></label>${datalist('lines', opts.choices.lines)}
<label>规则<select name="rule">${ruleOptions}</select></label>
<label>状态<select name="status">${statusOptions}</select></label>
<label>最低分<input type="number" name="minScore" min="0" max="100" value="${f.minScore ?? ''}" size="3"></label>
<label>最高分<input type="number" name="maxScore" min="0" max="100" value="${f.maxScore ?? ''}" size="3"></label>
<label>转写内容包含<input type="search" name="q" value="${esc(f.q ?? '')}"></label>
<label>分配<select name="assigned">${assignedOptions}</select></label>
<button type="submit">筛选</button> <a href="/">清除</a>
</form>
${assignForm}
<p>共 ${page.capped ? `${page.total} 条以上` : `${page.total} 条`}通话（需复核的在前，按通话时间从新到旧）。<span class="note">查询用时 ${opts.elapsedMs.toFixed(0)} 毫秒</span></p>
<table><caption class="skip">通话列表</caption><thead><tr>${canAssign ? '<th scope="col">选择</th>' : ''}<th scope="col">通话编号</th><th scope="col">通话时间</th><th scope="col">坐席</th><th scope="col">线路/部门</th>
<th scope="col">时长</th><th scope="col">得分</th><th scope="col">问题</th><th scope="col">复核状态</th><th scope="col">复核人</th></tr></thead>
<tbody>
${rows || `<tr><td colspan="10">没有符合条件的通话。</td></tr>`}
</tbody></table>
<nav aria-label="翻页"><p>${page.next ? `<a href="/${esc(filterQuery(f, { after: encodeCursor(page.next) }))}" rel="next">下一页</a>` : '已是最后一页'}
 · <a href="/${esc(filterQuery(f))}">第一页</a></p></nav>`,
  });
}

/** A finding as people read it: the rule's name and, for a banned phrase, its id and wording. */
function findingLabel(f: FindingView, phraseLabels: Record<string, string>): string {
  return [ruleName(f.ruleId), f.phraseId ? phraseName(f.phraseId, phraseLabels) : undefined].filter(Boolean).join(' ');
}

/** What an officer chose for one finding in the call page's review form (kept when the form is refused). */
export interface FindingChoice {
  decision?: 'confirmed' | 'dismissed';
  reason?: string;
  comment?: string;
}

/** Shortcut keys of the call page, shown on it and handled by web/assets.ts (`CALL_JS`). */
export const REVIEW_SHORTCUTS: [string, string][] = [
  ['C', '确认当前发现并到下一条'],
  ['D 然后 1–9', '驳回当前发现，数字选理由'],
  ['N / P', '下一条 / 上一条发现'],
  ['A', '全部未决发现设为确认'],
  ['Ctrl+Enter', '提交并打开队列下一通'],
  ['G', '跳到队列下一通（不提交）'],
  ['K / J / L', '播放暂停 / 后退 5 秒 / 前进 5 秒'],
];

/** The call page: player with timeline, transcript, findings with one review form, history. */
export function callPageHtml(opts: {
  user: User;
  csrf: string;
  call: CallView;
  report: Report | undefined;
  transcript: Transcript | undefined;
  mask: (text: string) => string;
  notice?: string;
  /** The reviewed score's breakdown, when the call has decisions (see rescoreReportByRule). */
  reviewed?: ReviewedScore;
  /** The queue's filter the call was opened from (kept by the back link, the next-call link and the form). */
  back: QueueFilter;
  /** The dismiss reasons to pick from (infra/db/dismiss-reasons-repository.ts). */
  reasons: string[];
  /** Banned-phrase wording by id (bannedPhraseLabels). */
  phraseLabels: Record<string, string>;
  /** The recording is in storage (else the page says it is missing instead of showing a player). */
  audioAvailable: boolean;
  /** A refused review form: the message and what was chosen and typed, by finding id. */
  refused?: { error: string; choices: Record<number, FindingChoice>; callComment?: string };
  /** Sampled calls: the problems reviewers recorded that the rules missed (web/sampling-data.ts). */
  missed?: MissedFinding[];
  /** More HTML under a finding, by finding id (its appeal or the agent's appeal form, web/routes/appeals.ts). */
  findingExtras?: Map<number, string>;
}): string {
  const { call, report, transcript, mask, reviewed, phraseLabels } = opts;
  // Admins read calls, agents read their own (and appeal); officers and supervisors decide.
  const canDecide = opts.user.role === 'officer' || opts.user.role === 'supervisor';
  const backQuery = filterQuery(opts.back);
  const backField = `<input type="hidden" name="back" value="${esc(backQuery.slice(1))}">`;
  const hitTimes = new Set(call.findings.map((f) => `${f.start}|${f.end}`));
  const segments = transcript?.segments ?? [];
  const utterances = segments
    .map((s, i) => {
      const hit = hitTimes.has(`${s.start}|${s.end}`);
      return `<li id="u${i}" class="${esc(s.speaker)}${hit ? ' hit' : ''}" data-start="${s.start}" data-end="${s.end}">
<button type="button" class="seek" data-seek="${s.start}" aria-label="从 ${formatTime(s.start)} 播放">${formatTime(s.start)}–${formatTime(s.end)}</button>
<strong>${SPEAKER_NAMES[s.speaker] ?? esc(s.speaker)}</strong> <span class="text">${esc(mask(s.text))}</span></li>`;
    })
    .join('\n');
  const notes = new Map<string, string | undefined>();
  for (const r of report?.rules ?? []) r.findings.forEach((f, i) => notes.set(`${r.id}#${i}`, f.note));
  const reasonOptions = (selected: string | undefined) =>
    opts.reasons
      .map((r, i) => `<option value="${esc(r)}"${r === selected ? ' selected' : ''}>${i < 9 ? `${i + 1} ` : ''}${esc(r)}</option>`)
      .join('');
  const findings = call.findings
    .map((f) => {
      const history = f.decisions
        .map(
          (d) =>
            `<li>${esc(formatDateTime(d.decidedAt))} ${esc(d.reviewerLabel)}：<strong>${DECISION_NAMES[d.decision]}</strong>${d.reason ? `（理由：${esc(d.reason)}）` : ''}${d.comment ? ` 备注：${esc(mask(d.comment))}` : ''}</li>`,
        )
        .join('');
      const note = notes.get(`${f.ruleId}#${f.ordinal}`);
      const label = findingLabel(f, phraseLabels);
      const chosen = opts.refused?.choices[f.id] ?? {};
      const checked = (v: string) => (chosen.decision === v ? ' checked' : '');
      return `<section class="finding ${f.current ?? ''}" id="finding-${f.id}" tabindex="-1" data-finding="${f.id}" data-start="${f.start}" aria-labelledby="fh-${f.id}">
<h3 id="fh-${f.id}">${esc(label)} <button type="button" class="seek" data-seek="${f.start}" aria-label="播放发现 ${esc(label)}，${formatTime(f.start)}">▶ ${formatTime(f.start)}</button>
${f.current ? `<span class="status-${f.current}">${f.current === 'confirmed' ? '已确认' : '已驳回'}</span>` : '<span class="status-pending">待复核</span>'}</h3>
<p>${SPEAKER_NAMES[f.speaker] ?? esc(f.speaker)}：“${esc(mask(f.text))}”${note ? `<br><span class="note">${esc(mask(note))}</span>` : ''}${f.needsReview ? '<br><span class="note">系统不确定，需人工确认</span>' : ''}</p>
${
  canDecide
    ? `<fieldset class="choice"><legend>复核结论${f.current ? '（改判）' : ''}</legend>
<label><input type="radio" form="review" name="decision-${f.id}" value="confirmed"${checked('confirmed')}> 确认（扣分）</label>
<label><input type="radio" form="review" name="decision-${f.id}" value="dismissed"${checked('dismissed')}> 驳回（不扣分）</label>
<label>驳回理由 <select form="review" name="reason-${f.id}"><option value="">（驳回时必选）</option>${reasonOptions(chosen.reason)}</select></label>
<label>备注 <textarea form="review" name="comment-${f.id}" rows="1" cols="30" maxlength="2000">${esc(chosen.comment ?? '')}</textarea></label></fieldset>`
    : ''
}
${opts.findingExtras?.get(f.id) ?? ''}
${history ? `<h4>复核记录</h4><ol class="history">${history}</ol>` : ''}
</section>`;
    })
    .join('\n');
  const callHistory = call.callDecisions
    .map(
      (d) =>
        `<li>${esc(formatDateTime(d.decidedAt))} ${esc(d.reviewerLabel)}：<strong>${d.decision === 'confirmed' ? '确认有问题' : d.decision === 'dismissed' ? '无问题' : '备注'}</strong>${d.reason ? `（理由：${esc(d.reason)}）` : ''}${d.comment ? ` 备注：${esc(mask(d.comment))}` : ''}</li>`,
    )
    .join('');
  const reasons = (report?.reviewReasons ?? []).map((r) => REVIEW_REASON_NAMES[r] ?? r).join('；');
  const callForm =
    canDecide && call.findings.length === 0 && call.reviewStatus !== 'none'
      ? `<section class="finding" id="call-review" aria-labelledby="crh"><h3 id="crh">整通复核</h3>
<p>${call.sampled ? '本通话由抽检抽中（规则未标记）' : `本通话被标记为需复核${reasons ? `（${esc(reasons)}）` : ''}，但没有可逐条复核的发现`}：请听录音后对整通通话下结论。</p>
<form method="post" action="/calls/${call.recordingId}/decisions">
<input type="hidden" name="_csrf" value="${esc(opts.csrf)}">${backField}
<fieldset><legend>复核结论</legend>
<label><input type="radio" name="decision" value="confirmed" required> 确认有问题</label>
<label><input type="radio" name="decision" value="dismissed"> 无问题</label>
<label><input type="radio" name="decision" value="comment"> 仅备注</label></fieldset>
<p><label>无问题的理由 <select name="reason"><option value="">（选“无问题”时必选）</option>${reasonOptions(undefined)}</select></label></p>
<p><label>备注<br><textarea name="comment" rows="2" cols="40" maxlength="2000">${esc(opts.refused?.callComment ?? '')}</textarea></label></p>
<p><button type="submit">提交</button></p>
</form>
${callHistory ? `<h4>复核记录</h4><ol class="history">${callHistory}</ol>` : ''}
</section>`
      : '';
  const reviewForm =
    canDecide && call.findings.length
      ? `<form id="review" method="post" action="/calls/${call.recordingId}/review" class="review-actions">
<input type="hidden" name="_csrf" value="${esc(opts.csrf)}">${backField}
<button type="submit" name="then" value="next" id="submit-next">提交并打开下一通（Ctrl+Enter）</button>
<button type="submit" name="then" value="stay">提交</button>
<button type="submit" name="all" value="confirmed">全部未决发现确认并下一通</button>
<span class="note">未选结论的发现保持不变；只填备注的记为备注。</span>
</form>`
      : '';
  const points = (d: number | undefined) => (d ? `-${Math.round(d * 10) / 10}` : '');
  const ruleRows = (report?.rules ?? [])
    .map(
      (r) =>
        `<tr><td>${esc(RULE_NAMES[r.id] ?? r.id)}</td><td>${STATUS_NAMES[r.status] ?? esc(r.status)}</td><td>${points(r.deduction)}</td>` +
        (reviewed ? `<td>${points(reviewed.deductions[r.id])}</td>` : '') +
        '</tr>',
    )
    .join('');
  const shown = call.reviewedScore ?? call.score;
  // Mono recordings measured per channel have only `unknown` speech: nothing to choose between.
  const speech = transcript?.audio?.speech;
  const mono = !!speech && !speech.agent && !speech.customer;
  const duration = call.durationSec > 0 ? call.durationSec : 1;
  const pct = (t: number) => `${Math.min(100, Math.max(0, (t / duration) * 100)).toFixed(2)}%`;
  const timeline = `<div class="timeline" id="timeline" role="group" aria-label="时间轴（发现已标出）">
${segments.map((s) => `<span class="seg ${esc(s.speaker)}" style="left:${pct(s.start)};width:${pct(s.end - s.start)}"></span>`).join('')}
${call.findings.map((f) => `<button type="button" class="mark ${f.current ?? ''}" data-seek="${f.start}" style="left:${pct(f.start)}" title="${esc(findingLabel(f, phraseLabels))} ${formatTime(f.start)}" aria-label="时间轴：${esc(findingLabel(f, phraseLabels))}，${formatTime(f.start)}"></button>`).join('')}
<span class="playhead" id="playhead"></span></div>`;
  // Where nobody speaks (VAD silences of the prepared audio, else gaps between utterances), for skip-silence.
  const silences =
    transcript?.audio?.silences ??
    segments
      .slice(1)
      .map((s, i) => ({ start: segments[i]!.end, end: s.start }))
      .filter((g) => g.end - g.start >= 1);
  const player = opts.audioAvailable
    ? `<audio id="player" controls preload="metadata" src="/calls/${call.recordingId}/audio" data-silences="${esc(JSON.stringify(silences.map((g) => [g.start, g.end])))}"></audio>
${timeline}
${mono ? '<span class="note">单声道录音</span>' : `<label>声道 <select id="channels"><option value="both">双声道（坐席左、来电人右）</option><option value="agent">仅坐席</option><option value="customer">仅来电人</option></select></label>`}
<label>倍速 <select id="speed">${['1', '1.25', '1.5', '2'].map((r) => `<option value="${r}">${r}×</option>`).join('')}</select></label>
<label><input type="checkbox" id="skip-silence"> 跳过静音</label>
<span id="position" aria-live="off" class="note"></span>`
    : '<p class="error" role="alert">录音文件缺失：对象存储里找不到这通通话的录音，只能看转写。</p>';
  const shortcuts = `<details class="shortcuts" open><summary>快捷键（焦点不在文本框时）</summary><ul>${REVIEW_SHORTCUTS.map(([k, v]) => `<li><kbd>${esc(k)}</kbd> ${esc(v)}</li>`).join('')}</ul></details>`;
  return layout({
    title: `通话 ${call.callId}`,
    user: opts.user,
    csrf: opts.csrf,
    scripts: ['/assets/call.js'],
    body: `<p><a href="/${esc(backQuery)}" id="back">← 返回复核队列</a> · <a href="/queue/next?from=${call.recordingId}${backQuery ? `&${esc(backQuery.slice(1))}` : ''}" id="next-call">下一通待复核 →</a></p>
<h1>通话 ${esc(call.callId)}</h1>
${opts.notice ? `<p role="status">${esc(opts.notice)}</p>` : ''}
${opts.refused ? `<p class="error" role="alert" id="form-error">${esc(opts.refused.error)}</p>` : ''}
<p>坐席 ${esc(call.agentId ?? '—')} · 线路/部门 ${esc(call.line ?? '—')} · 通话时间 ${esc(formatDateTime(call.callTime))} · 时长 ${formatTime(call.durationSec)}
 · 复核状态 <span id="review-status" class="status-${esc(call.reviewStatus)}">${REVIEW_STATUS_NAMES[call.reviewStatus] ?? esc(call.reviewStatus)}</span>
 · 复核人 ${esc(call.assignedTo ?? '未分配')}${call.sampled ? ' · <span class="sampled">抽检</span>' : ''}</p>
<p class="score">得分 <span id="score">${shown}</span>${call.reviewedScore !== null && call.reviewedScore !== call.score ? ` <span class="note">（系统评分 ${call.score}，按复核结论重算）</span>` : ''}</p>
<div class="player" role="region" aria-label="录音播放">
${player}
</div>
<div class="call">
<section aria-labelledby="th"><h2 id="th">通话转写</h2>
${transcript ? `<ol class="transcript">${utterances || '<li>（转写为空）</li>'}</ol>` : '<p class="error">转写文件缺失。</p>'}
<p><a href="/calls/${call.recordingId}/transcript.txt">导出转写（文本）</a></p>
</section>
<section aria-labelledby="fh"><h2 id="fh">发现（${call.findings.length}）</h2>
${canDecide && call.findings.length ? shortcuts : ''}
${findings || '<p>本通话没有逐条发现。</p>'}
${reviewForm}
${callForm}
${call.sampled ? missedSection(call, opts.missed ?? [], canDecide, opts.csrf, backField, mask) : ''}
<h2>评分项</h2><table><thead><tr><th>规范</th><th>结果</th><th>${reviewed ? '系统扣分' : '扣分'}</th>${reviewed ? '<th>复核后扣分</th>' : ''}</tr></thead><tbody>${ruleRows}</tbody></table>
</section>
</div>`,
  });
}

/** The sampled call's missed findings (漏检记录) and the form to add one. */
function missedSection(
  call: CallView,
  missed: MissedFinding[],
  canDecide: boolean,
  csrf: string,
  backField: string,
  mask: (t: string) => string,
): string {
  const items = missed
    .map(
      (m) =>
        `<li>${esc(formatDateTime(m.createdAt))} ${esc(m.reviewer)}：<strong>${esc(ruleName(m.ruleId))}</strong> @ <button type="button" class="seek" data-seek="${m.startSec}">${formatTime(m.startSec)}</button>${m.note ? ` ${esc(mask(m.note))}` : ''}</li>`,
    )
    .join('');
  const form = canDecide
    ? `<form method="post" action="/calls/${call.recordingId}/missed-findings" class="filters"><input type="hidden" name="_csrf" value="${esc(csrf)}">${backField}
<label>漏检规则<select name="rule">${Object.entries(RULE_NAMES)
        .map(([id, n]) => `<option value="${esc(id)}">${esc(n)}</option>`)
        .join('')}</select></label>
<label>时间（秒）<input type="number" name="start" min="0" step="0.1" required></label>
<label>说明<input name="note" maxlength="500" size="30"></label>
<button type="submit">登记漏检</button></form>`
    : '';
  return `<section class="finding" id="missed" aria-labelledby="mh"><h3 id="mh">漏检记录（抽检）</h3>
<p class="note">本通话由抽检抽中（规则未标记）。听完整通后在上方“整通复核”下结论；规则漏掉的问题逐条登记在这里，月度统计据此计算各规则的漏检率。</p>
${items ? `<ol class="history">${items}</ol>` : '<p>尚无漏检记录。</p>'}
${form}</section>`;
}

/**
 * The failed-recordings page (admins): every bucket the pipeline processed, or one (`bucket`), with the
 * failure code's Chinese explanation beside it; retry one recording, or all of one bucket.
 */
export function failedPageHtml(opts: {
  user: User;
  csrf: string;
  failed: RecordingRow[];
  notice?: string;
  /** The bucket shown alone, when narrowed. */
  bucket?: string;
  /** Failed recordings per bucket, for the links that narrow the list. */
  buckets: { bucket: string; failed: number }[];
  /** The bucket "retry all" queues again. */
  retryBucket: string;
}): string {
  const csrf = `<input type="hidden" name="_csrf" value="${esc(opts.csrf)}">`;
  const rows = opts.failed
    .map(
      (
        f,
      ) => `<tr><td>${esc(recordingLocation(f))}</td><td>${esc(f.failedStage ?? '')}</td><td><code>${esc(f.reasonCode ?? '')}</code><br>${esc(failureCodeName(f.reasonCode) ?? '')}</td><td>${esc(f.reason ?? '')}</td>
<td>${esc(formatDateTime(f.updatedAt))}</td><td><form method="post" action="/admin/failed/retry">${csrf}
<input type="hidden" name="id" value="${esc(f.id)}"><input type="hidden" name="bucket" value="${esc(f.bucket)}"><button type="submit">重试</button></form></td></tr>`,
    )
    .join('\n');
  const bucketLinks = [
    `<a href="/admin/failed"${opts.bucket ? '' : ' aria-current="page"'}>全部存储桶</a>`,
    ...opts.buckets.map(
      (b) =>
        `<a href="/admin/failed?bucket=${encodeURIComponent(b.bucket)}"${opts.bucket === b.bucket ? ' aria-current="page"' : ''}>${esc(b.bucket)}（${b.failed}）</a>`,
    ),
  ].join(' · ');
  return layout({
    title: '失败录音',
    user: opts.user,
    csrf: opts.csrf,
    body: `<h1>失败录音</h1>${opts.notice ? `<p role="status">${esc(opts.notice)}</p>` : ''}
<p>${bucketLinks}</p>
<form method="post" action="/admin/failed/retry">${csrf}<input type="hidden" name="bucket" value="${esc(opts.retryBucket)}"><button type="submit">全部重试（存储桶 ${esc(opts.retryBucket)}）</button></form>
<table><thead><tr><th>录音</th><th>环节</th><th>原因代码</th><th>原因</th><th>时间（北京时间）</th><th>操作</th></tr></thead><tbody>
${rows || '<tr><td colspan="6">没有失败的录音。</td></tr>'}</tbody></table>`,
  });
}

/** The users page (admins; accounts are managed with `callqa users`). */
export function usersPageHtml(opts: { user: User; csrf: string; users: User[] }): string {
  const rows = opts.users
    .map(
      (u) =>
        `<tr><td>${esc(u.username)}</td><td>${esc(u.displayName)}</td><td>${ROLE_NAMES[u.role]}</td><td>${u.disabled ? '已停用' : '正常'}</td><td>${esc(formatDateTime(u.createdAt))}</td></tr>`,
    )
    .join('');
  return layout({
    title: '用户',
    user: opts.user,
    csrf: opts.csrf,
    body: `<h1>用户</h1><p class="note">用命令行管理账号：<code>callqa users add|list|disable|enable|passwd</code>。</p>
<table><thead><tr><th>用户名</th><th>姓名</th><th>角色</th><th>状态</th><th>创建时间</th></tr></thead><tbody>${rows}</tbody></table>`,
  });
}
