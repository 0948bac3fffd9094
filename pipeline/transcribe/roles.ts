/**
 * Speaker roles for a mono recording: whisper.cpp gives one `unknown` channel, so no segment says who speaks.
 * {@link assignRoles} labels each segment agent or customer from what is said and how turns alternate, and
 * says how sure it is; below {@link ROLE_CONFIDENCE_THRESHOLD} every segment stays `unknown`, so that
 * speaker-scoped rules report `na` / flag the call for review instead of silently scoring a guess.
 *
 * Method (a two-state hidden Markov model over the utterances, forward–backward posteriors):
 * - **text cues** ({@link ROLE_CUES}) give each utterance evidence for one side, as log-odds weights. The
 *   strongest is the opening greeting that the norms require of the agent ("您好，…中心" / "…请讲", "这里是…中心",
 *   service-norms.md 电话用语): the side that answers with it is the agent. Other agent cues come from the
 *   norms' phone phrases (请稍等, 请问您还有…, 感谢来电, 不客气, addressing the caller as 您 / 为您, asking with
 *   请 other than 请问: 文明用语 "请"); caller
 *   cues are how citizens open and ask ("喂，你好" / "你好" where the norms make the agent say 您好, "是…中心吗",
 *   我想问一下 / 我想办, 请问…吗, …怎么办, 你们, 谢谢). A bare 喂 is no cue (both sides say it).
 * - **turn alternation at pauses**: the speaker usually changes at a pause between utterances (on the labelled
 *   dev set 601 of 611 neighbouring utterances 0.3–1.5 s apart change speaker): switch probability 0.9. Without a
 *   pause (under {@link TURN_PAUSE_SEC}) the same person usually goes on (mono ASR splits one person's speech into
 *   several segments that abut): 0.1. Utterances that overlap are two people: 0.8. After a pause of
 *   {@link HOLD_PAUSE_SEC} or more (a hold) either side may resume: 0.5. The pause is the gap between the
 *   segments, or the longest VAD silence of the recording (`audio.silences`) at the boundary when given, since
 *   whisper's segment times often run on through a pause.
 * - the first utterance has no prior preference (0.5 / 0.5): the cues decide.
 *
 * Confidence of the call = the mean over utterances of the posterior probability of the chosen label, i.e. the
 * share of utterances the model expects to have labelled right. It is a model probability, not a measured
 * accuracy (see the test that measures it on the labelled dev set; it runs low: labelled calls were right).
 *
 * Known limit: without a cue, a second turn by the same side after a pause is given to the other side (the
 * model expects the speaker to change at a pause); the text alone cannot tell, and there is no voice model.
 */
import type { RoleAssignment, Segment, TimeSpan } from '../../domain/transcript.js';
import { toSimplified } from '../../text/normalize.js';

/** One text cue: a pattern that, found in an utterance, is evidence that `role` speaks it. */
export interface RoleCue {
  id: string;
  role: 'agent' | 'customer';
  /** Tested on the Simplified text of the utterance. */
  pattern: RegExp;
  /** Log-odds weight (natural log): 1 ≈ 2.7 : 1, 2 ≈ 7 : 1, 4 ≈ 55 : 1. */
  weight: number;
}

/**
 * The opening greeting that the norms require of the agent: 您好/你好 … 中心 or 请讲, or 这里是 … 中心 — but not
 * the caller's question "你好，是…中心吗" (a following 吗/么/吧 cancels it).
 */
export const GREETING_PATTERN =
  /(您好|你好)[^。？！?!]{0,16}(中心|请讲)(?![^，。？！?!]{0,2}[吗么吧])|这里是[^。？！?!]{0,16}中心(?![^，。？！?!]{0,2}[吗么吧])/;

/** Text cues and their weights (see the module comment for where they come from). */
export const ROLE_CUES: readonly RoleCue[] = Object.freeze([
  { id: 'greeting', role: 'agent', pattern: GREETING_PATTERN, weight: 4 },
  { id: 'please-wait', role: 'agent', pattern: /请您?稍等|稍等一下|请稍候/, weight: 2 },
  { id: 'anything-else', role: 'agent', pattern: /您?还有(其他|别的|什么)[^。？！?!]{0,8}(需要|问题|事)|还有什么可以帮/, weight: 2 },
  { id: 'thanks-for-calling', role: 'agent', pattern: /(感谢|谢谢)您?的?来电/, weight: 2.5 },
  { id: 'you-are-welcome', role: 'agent', pattern: /不客气|不用谢/, weight: 1.5 },
  { id: 'for-you', role: 'agent', pattern: /[为帮给替]您/, weight: 1.5 },
  { id: 'polite-you', role: 'agent', pattern: /您(?!好)/, weight: 1 },
  { id: 'polite-please', role: 'agent', pattern: /请(?!问)/, weight: 1 },
  // A bare "喂" is no cue: the side that picks up says it too, and so does an agent checking the line.
  { id: 'caller-hello', role: 'customer', pattern: /^[\s，,。]*(喂[\s，,。]*)?你好/, weight: 1 },
  { id: 'is-this-the-centre', role: 'customer', pattern: /是[^。？！?!]{0,16}中心[^，。？！?!]{0,2}[吗么吧]/, weight: 2 },
  { id: 'asks-please', role: 'customer', pattern: /请问(?!您|还有)[^。！!]{0,24}(吗|呢|？|\?)/, weight: 1.5 },
  { id: 'want-to-ask', role: 'customer', pattern: /我想(问|咨询|了解|办|要)|想问(一下|问)|我要办/, weight: 2 },
  { id: 'how-to', role: 'customer', pattern: /怎么办|怎么弄|怎么(申请|办理)/, weight: 1 },
  { id: 'you-plural', role: 'customer', pattern: /你们/, weight: 1 },
  { id: 'thanks', role: 'customer', pattern: /谢谢(?!您?的?来电)/, weight: 1 },
]);

/** Below this call confidence the segments keep speaker `unknown` (method `unknown`). */
export const ROLE_CONFIDENCE_THRESHOLD = 0.8;
/**
 * In a labelled call, an utterance whose own posterior for its more likely role is below this stays `unknown`
 * (e.g. a "喂？" before anyone has said who they are): a coin toss is not a label.
 */
export const SEGMENT_MIN_POSTERIOR = 0.6;

/** Pause after which either side may resume (a hold), seconds. */
export const HOLD_PAUSE_SEC = 1.5;
/** Shortest pause at which the speaker is expected to change, seconds. */
export const TURN_PAUSE_SEC = 0.15;
/** How far around a segment boundary a VAD silence counts as the pause there, seconds. */
const BOUNDARY_WINDOW_SEC = 0.3;

/** Options of {@link assignRoles}. */
export interface AssignRolesOptions {
  /** Call confidence needed to label, 0..1; default {@link ROLE_CONFIDENCE_THRESHOLD}. */
  threshold?: number;
  /** Silences of the recording (seconds, e.g. `audio.silences`), to find the pauses at segment boundaries. */
  silences?: readonly TimeSpan[];
}

/**
 * Probability that the speaker changes between two utterances (pure), from the pause between them: see the
 * module comment.
 *
 * @param prev the earlier utterance, seconds
 * @param next the later one, seconds
 * @param silences VAD silences of the recording, seconds (optional)
 */
export function switchProbability(prev: TimeSpan, next: TimeSpan, silences: readonly TimeSpan[] = []): number {
  const gap = next.start - prev.end;
  if (gap < 0) return 0.8;
  const lo = prev.end - BOUNDARY_WINDOW_SEC;
  const hi = next.start + BOUNDARY_WINDOW_SEC;
  const vadPause = silences.reduce((m, s) => (s.end > lo && s.start < hi ? Math.max(m, s.end - s.start) : m), 0);
  const pause = Math.max(gap, vadPause);
  if (pause >= HOLD_PAUSE_SEC) return 0.5;
  return pause >= TURN_PAUSE_SEC ? 0.9 : 0.1;
}

/** Result of {@link assignRoles}. */
export interface RoleResult {
  /** The segments with `speaker` set, or unchanged when the assignment is below the threshold. */
  segments: Segment[];
  roles: RoleAssignment;
  /** Per segment: posterior probability that the agent speaks it (0..1), for inspection. */
  agentProbability: number[];
}

/**
 * Evidence of one utterance: the sum of the weights of the cues it holds, agent positive, caller negative
 * (pure). Each cue counts once per utterance.
 *
 * @returns `{ score, cues }`: score in natural-log odds (agent : customer), ids of the cues found
 */
export function cueScore(text: string): { score: number; cues: string[] } {
  const simplified = toSimplified(text);
  let score = 0;
  const cues: string[] = [];
  for (const cue of ROLE_CUES) {
    if (cue.pattern.test(simplified)) {
      score += cue.role === 'agent' ? cue.weight : -cue.weight;
      cues.push(cue.id);
    }
  }
  return { score, cues };
}

/**
 * Assigns agent / customer to the segments of a mono transcript (pure). See the module comment for the
 * method. Meant for transcripts whose segments are all `unknown` (mono recordings); existing speakers are
 * overwritten when the assignment is confident enough.
 *
 * - no segments → method `unknown`, confidence 0;
 * - confidence (mean posterior of the chosen labels) below `threshold` → segments unchanged, method `unknown`,
 *   the confidence recorded;
 * - otherwise each segment gets its most probable role, or stays `unknown` when that role's posterior is below
 *   {@link SEGMENT_MIN_POSTERIOR}; method `greeting` when an utterance labelled agent holds the opening greeting,
 *   else `text-cues`.
 *
 * @param segments utterances sorted by start, speakers `unknown`
 * @param options threshold and the recording's silences, see {@link AssignRolesOptions}
 */
export function assignRoles(segments: readonly Segment[], options: AssignRolesOptions = {}): RoleResult {
  const threshold = options.threshold ?? ROLE_CONFIDENCE_THRESHOLD;
  const n = segments.length;
  if (n === 0) return { segments: [], roles: { method: 'unknown', confidence: 0 }, agentProbability: [] };
  const evidence = segments.map((s) => cueScore(s.text));
  // Emission likelihoods [agent, customer], scaled symmetrically from the log-odds.
  const emit = evidence.map(({ score }) => [Math.exp(score / 2), Math.exp(-score / 2)] as const);
  const switchP = segments.map((s, i) => (i === 0 ? 0.5 : switchProbability(segments[i - 1]!, s, options.silences)));

  // Forward pass, normalised each step.
  const fwd: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const [ea, ec] = emit[i]!;
    let pa: number;
    let pc: number;
    if (i === 0) {
      pa = 0.5 * ea;
      pc = 0.5 * ec;
    } else {
      const [fa, fc] = fwd[i - 1]!;
      const p = switchP[i]!;
      pa = (fa * (1 - p) + fc * p) * ea;
      pc = (fa * p + fc * (1 - p)) * ec;
    }
    fwd.push([pa / (pa + pc), pc / (pa + pc)]);
  }
  // Backward pass.
  const bwd = new Array<[number, number]>(n);
  bwd[n - 1] = [1, 1];
  for (let i = n - 2; i >= 0; i--) {
    const [ba, bc] = bwd[i + 1]!;
    const [ea, ec] = emit[i + 1]!;
    const p = switchP[i + 1]!;
    const a = (1 - p) * ea * ba + p * ec * bc;
    const c = p * ea * ba + (1 - p) * ec * bc;
    bwd[i] = [a / (a + c), c / (a + c)];
  }
  const agentProbability = fwd.map(([fa, fc], i) => {
    const a = fa * bwd[i]![0];
    const c = fc * bwd[i]![1];
    return a / (a + c);
  });
  const confidence = Math.round((agentProbability.reduce((sum, p) => sum + Math.max(p, 1 - p), 0) / n) * 1000) / 1000;
  if (confidence < threshold) {
    return { segments: segments.map((s) => ({ ...s })), roles: { method: 'unknown', confidence }, agentProbability };
  }
  const labelled = segments.map((s, i) => {
    const p = agentProbability[i]!;
    const speaker: Segment['speaker'] = p >= SEGMENT_MIN_POSTERIOR ? 'agent' : 1 - p >= SEGMENT_MIN_POSTERIOR ? 'customer' : 'unknown';
    return { ...s, speaker };
  });
  const greeting = labelled.some((s, i) => s.speaker === 'agent' && evidence[i]!.cues.includes('greeting'));
  return { segments: labelled, roles: { method: greeting ? 'greeting' : 'text-cues', confidence }, agentProbability };
}
