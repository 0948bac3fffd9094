/**
 * Benchmark of the rules engine: analyses a generated 5-minute call (300 s, ~100 segments, both speakers,
 * a few banned phrases and rewordings of them, Traditional and spaced segments, audio measurements with holds
 * and overlaps) many times on one core and prints milliseconds per analysis — the whole of
 * `analyzeTranscript`: the clean-up of the segments, normalisation, sound keys, the meaning layer (concepts,
 * frames, example similarity with jieba words) and every rule — beside a baseline: a plain substring scan
 * (`String#includes`) of the same transcript for the phrases as written in the norms (B01–B15, greeting and
 * closing words). A second figure runs the same call with every utterance text new (a fresh copy per
 * iteration), so nothing cached per utterance carries over between analyses.
 *
 * Run: `npx tsx scripts/bench-rules.ts` when tsx is available; otherwise compile with tsc and run the
 * emitted `dist/scripts/bench-rules.js` with node. Optional argument: iterations (default 2000).
 * Target (issue 9): under 5 ms per 5-minute call on one core, with the meaning layer.
 */
import type { AudioMeasurements, Segment, Speaker, Transcript } from '../domain/transcript.js';
import { analyzeTranscript } from '../rules/analyze.js';
import { defaultRuleset } from '../rules/ruleset.js';

const AGENT_LINES = [
  '好的，您带上身份证和户口本原件，到一楼的民政窗口办理就可以。',
  '这个要看您是哪一类，您先说一下具体情况。',
  '對的，材料齊全的話當天就能辦好，您不用再跑第二趟。',
  '您 稍 等 ， 我 帮 您 查 一 下',
  '没关系，如果您不知道怎么填，我来教您，先点办事服务。',
  '网上也可以申请，在政务服务网搜一下就能找到。',
  '嗯，您说。',
  '这个我不知道。',
  '你有完没完啊。',
  '我们下午五点下班，您明天上午来也可以。',
  '到点了，下班了，明早再说。',
  '人社局的事你找人社局，别往我这儿打。',
  '您可以咨询一下民政局，电话是12345678。',
];
const CUSTOMER_LINES = [
  '喂 你好 我想问一下 就是那个 营业执照变更 要带什么材料',
  '哦 那我直接过去就行了是吧',
  '嗯 嗯 好的',
  '那个 我不知道我的编号是多少 怎么办',
  '要多长时间能办好啊',
  '那要不要先预约啊 我怕过去人太多',
  '我也不太会弄这个 你们那边能帮忙吗',
];

/** A 300-second call: greeting, ~96 alternating segments of about 3 s, a proper closing. */
export function generateCall(durationSec = 300): Transcript {
  const segments: Segment[] = [{ start: 0.5, end: 3.2, speaker: 'agent', text: '您好，县行政服务中心，请讲。', confidence: 0.93 }];
  let t = 3.6;
  let i = 0;
  while (t < durationSec - 12) {
    const agent = i % 2 === 1;
    const pool = agent ? AGENT_LINES : CUSTOMER_LINES;
    const text = pool[(i * 7) % pool.length]!;
    const end = t + 2.4;
    segments.push({ start: t, end, speaker: agent ? 'agent' : 'customer', text, confidence: 0.85 + (i % 10) / 100 });
    t = end + 0.5;
    i++;
  }
  segments.push(
    { start: t, end: t + 2.5, speaker: 'agent', text: '请问还有其他需要帮助的吗？', confidence: 0.9 },
    { start: t + 3, end: t + 5, speaker: 'customer', text: '没有了 谢谢 再见', confidence: 0.9 },
    { start: t + 5.5, end: t + 7, speaker: 'agent', text: '不客气，再见。', confidence: 0.9 },
  );
  return {
    callId: 'bench-5min',
    durationSec,
    segments,
    roles: { method: 'channels', confidence: 1 },
    audio: benchAudio(segments, durationSec),
  };
}

/**
 * Audio measurements for the generated call, so the audio rules run too: speech stretches per role from the
 * segments, two holds (one announced, one not) and a few overlaps.
 */
function benchAudio(segments: readonly Segment[], durationSec: number): AudioMeasurements {
  const spans = (role: Speaker) => segments.filter((s) => s.speaker === role).map((s) => ({ start: s.start, end: s.end }));
  const talk = (role: Speaker) => spans(role).reduce((n, s) => n + s.end - s.start, 0);
  const silences = [
    { start: 60, end: 84 },
    { start: 200, end: 231 },
  ];
  const nonTalkSec = silences.reduce((n, s) => n + s.end - s.start, 0);
  return {
    durationSec,
    speech: { agent: spans('agent'), customer: spans('customer') },
    silences,
    nonTalkSec,
    nonTalkRatio: nonTalkSec / durationSec,
    interruptions: [
      { start: 30.1, overlapMs: 1200, by: 'agent' },
      { start: 95.4, overlapMs: 300, by: 'agent' },
      { start: 150.2, overlapMs: 1500, by: 'agent' },
    ],
    talkSec: { agent: talk('agent'), customer: talk('customer') },
    agentTalkRatio: talk('agent') / (talk('agent') + talk('customer')),
    vad: { noiseDb: -35, minSilenceSec: 2 },
  };
}

const PLAIN_PHRASES = [
  '不知道',
  '你去问',
  '不行，重填',
  '有牌子，自己看',
  '上面不是写好了吗',
  '下班了，明天再来',
  '快点，要下班了',
  '已经告诉你一遍了，还不懂',
  '没看我正忙着吗',
  '拎不清',
  '神经病',
  '有意见找领导去',
  '我就是这个态度，你告去',
  '有本事不要来我这儿办',
  '你有完没完',
  '您好',
  '中心',
  '再见',
  '请慢走',
  '还有其他',
];

/** Baseline: how many (segment, phrase) pairs a plain substring scan finds. */
function substringScan(t: Transcript): number {
  let hits = 0;
  for (const s of t.segments) for (const p of PLAIN_PHRASES) if (s.text.includes(p)) hits++;
  return hits;
}

/**
 * Milliseconds per call, wall clock; also prints the process's CPU time per call, which stays meaningful when
 * other work shares the machine (wall time then includes waiting for a core).
 */
function time(label: string, iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn(); // warm-up (JIT, caches)
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / iterations;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / iterations;
  console.log(`${label.padEnd(34)} ${ms.toFixed(4)} ms per call (CPU ${cpuMs.toFixed(4)} ms)`);
  return ms;
}

const iterations = Number(process.argv[2] ?? 2000);
const call = generateCall();
const t0 = process.hrtime.bigint();
defaultRuleset();
console.log(`ruleset load + compile (once):     ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
console.log(`call: ${call.durationSec} s, ${call.segments.length} segments; ${iterations} iterations, one core`);
const now = new Date(0);
const report = analyzeTranscript(call, { now });
console.log(`report: score ${report.score}, ${report.rules.map((r) => `${r.id}=${r.status}`).join(' ')}`);
const engine = time('analyzeTranscript (rules engine)', iterations, () => analyzeTranscript(call, { now }));
// Fresh segment objects and texts each time (a space appended and trimmed by normalisation): no per-utterance cache helps.
let n = 0;
time('analyzeTranscript, fresh texts', Math.max(1, Math.floor(iterations / 4)), () =>
  analyzeTranscript({ ...call, segments: call.segments.map((s) => ({ ...s, text: `${s.text}${' '.repeat(1 + (n++ % 3))}` })) }, { now }),
);
const base = time('baseline substring scan', iterations, () => substringScan(call));
console.log(`engine / baseline: ${(engine / base).toFixed(1)}×`);
