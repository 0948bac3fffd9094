/**
 * The ruleset: a YAML file an administrator edits without code (`rules/service-norms.ruleset.yaml` is the
 * shipped default), loaded, validated (zod) and compiled once into matchers that `analyzeTranscript` runs.
 *
 * Shape of the file (all times in seconds):
 *
 * ```yaml
 * version: service-norms@4          # recorded in every report as rulesetVersion
 * meaning: banned-phrases.meaning.yaml   # optional: concepts, frames and examples for { meaning: B02 }
 * review: { minConfidence: 0.6 }    # findings on segments below this ASR confidence need review
 * ignore: <condition>               # utterances dropped before any rule (known ASR hallucinations)
 * conditions: { name: <condition> } # named conditions, used via { ref: name } and scope.after
 * rules:
 *   - id: opening_greeting          # a rule id of the norms (RULE_IDS in domain/report.ts)
 *     check: require | forbid | consent | audio
 *     severity: minor | major | critical
 *     deduct: { points: 10, per: once | hit, max: 30 }
 *     redLine: false                # true: a failure sets the score to 0
 *     precise: true                 # false: every finding needs human review
 *     only: { lines: [婚姻登记], timeOfDay: { from: '16:30', to: '17:30' } }   # metadata filter
 *     ...check-specific keys (see RuleSpec below)
 * ```
 *
 * Conditions are described in `conditions.ts`; scopes in {@link ScopeSpec}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { compileCondition } from './conditions.js';
import { RulesetPathError } from './conditions/form.js';
import type { Matcher } from './conditions/match.js';
import { parseMeaning, type Meaning } from './meaning.js';
import { RULE_IDS, type RuleId } from '../domain/report.js';

/** Rules every ruleset must define, because every report carries them (task brief; contracts §2). */
export const REQUIRED_RULE_IDS: readonly RuleId[] = ['opening_greeting', 'consent_before_hangup', 'banned_phrase', 'polite_language'];

/**
 * Which utterances a condition looks at. Utterances are transcript segments sorted by start, with known
 * hallucinations removed (`ignore`).
 *
 * - `speaker`: `agent`, `customer` or `any` (default `any`);
 * - `mergeGapSec`: consecutive segments of the same speaker with no other speech between them and a gap of at
 *   most this many seconds count as one utterance (ASR splits "您好，" / "县行政服务中心，请讲。");
 * - `first` / `last`: only the first / last N utterances of that speaker;
 * - `withinFirstSec`: only utterances starting at most N seconds after the recording starts;
 * - `withinSecOfFirstSpeech`: only utterances starting at most N seconds after the first speech of the call
 *   (any speaker, after `ignore`), so ringback, silence or a dropped IVR message before it do not count
 *   (issue 9, part 5);
 * - `withinLastSec`: only utterances ending at most N seconds before the call ends (`durationSec`);
 * - `withinFirstPercent` / `withinLastPercent`: the same in percent of the call's duration (0–100);
 * - `after` / `before` / `around`: relative to another condition's hit, an {@link AnchorSpec} (or just the
 *   name of a condition: the first utterance of any speaker it hits). `after`: utterances starting after the
 *   anchor utterance starts; `before`: utterances starting before it; `around`: utterances other than the
 *   anchor that overlap `withinSec` seconds on either side of it. No anchor in the call: nothing is in scope.
 * - `notAfter`: an {@link AnchorSpec} too, but optional in the call: only utterances that start before the
 *   anchor utterance ends (the anchor itself included); no anchor in the call: every utterance. The greeting
 *   uses it for a caller who had to call out (喂？喂？有人吗) before the agent spoke: a greeting after that is
 *   late whatever the seconds, while one the agent began as the caller was still calling out is not.
 */
export const anchorSchema = z.union([
  z.string().min(1),
  z.strictObject({
    /** Name of a condition under `conditions:`. */
    condition: z.string().min(1),
    /** Whose utterance the anchor must be (default any). */
    speaker: z.enum(['agent', 'customer', 'any']).default('any'),
    /** Which hit anchors the scope when there are several (default first). */
    occurrence: z.enum(['first', 'last']).default('first'),
    /** Only utterances within this many seconds of the anchor (after: of its end; before: of its start). */
    withinSec: z.number().positive().optional(),
  }),
]);
/** An anchor as written in YAML (see {@link anchorSchema}). */
export type AnchorSpec = z.infer<typeof anchorSchema>;

export const scopeSchema = z.strictObject({
  speaker: z.enum(['agent', 'customer', 'any']).default('any'),
  mergeGapSec: z.number().min(0).optional(),
  first: z.number().int().min(1).optional(),
  last: z.number().int().min(1).optional(),
  withinFirstSec: z.number().positive().optional(),
  withinSecOfFirstSpeech: z.number().positive().optional(),
  withinLastSec: z.number().positive().optional(),
  withinFirstPercent: z.number().positive().max(100).optional(),
  withinLastPercent: z.number().positive().max(100).optional(),
  after: anchorSchema.optional(),
  before: anchorSchema.optional(),
  around: anchorSchema.optional(),
  notAfter: anchorSchema.optional(),
});
/** A scope as written in YAML (see {@link scopeSchema}). */
export type ScopeSpec = z.infer<typeof scopeSchema>;

/**
 * Metadata filter of a rule (`only:`): the rule applies only to calls that match every key given, else it is
 * `na` with a note. `agents`: agent ids; `lines`: phone lines / departments (`transcript.line`); `timeOfDay`:
 * local wall-clock time of `startedAt` (as written, with its own offset), `from` ≤ t < `to`, `HH:MM`, may wrap
 * past midnight; `weekdays`: ISO 1 (Monday) … 7 (Sunday). A call without the metadata a filter needs is `na`.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is HH:MM (00:00–23:59)');
export const filterSchema = z.strictObject({
  agents: z.array(z.string().min(1)).min(1).optional(),
  lines: z.array(z.string().min(1)).min(1).optional(),
  timeOfDay: z.strictObject({ from: hhmm, to: hhmm }).optional(),
  weekdays: z.array(z.number().int().min(1).max(7)).min(1).optional(),
});
/** A metadata filter (see {@link filterSchema}). */
export type RuleFilter = z.infer<typeof filterSchema>;

const deductSchema = z.strictObject({
  points: z.number().min(0).max(100),
  per: z.enum(['once', 'hit']).default('once'),
  max: z.number().min(0).max(100).optional(),
});

const common = {
  id: z.enum(RULE_IDS),
  title: z.string().optional(),
  norm: z.string().optional(),
  enabled: z.boolean().default(true),
  severity: z.enum(['minor', 'major', 'critical']).default('major'),
  deduct: deductSchema,
  redLine: z.boolean().default(false),
  precise: z.boolean().default(true),
  only: filterSchema.optional(),
};

/**
 * One check of an `audio` rule, on `transcript.audio` (the VAD measurements): a `metric` with a limit
 * (`above` / `below`), a `hold` (a silence of at least `minSec` s not announced by the agent — `notice` — in the
 * `noticeWithinSec` s before it), or `interruptions` (at least `atLeast` overlaps of `minOverlapMs` ms or more
 * started by `by`).
 *
 * Metrics: `durationSec`, `nonTalkSec`, `nonTalkRatio` (0..1), `longestSilenceSec`, `agentTalkRatio` (0..1,
 * stereo only), `agentCharsPerMin` (Han characters and letters of the agent's transcript per minute of the
 * agent's VAD talk time).
 */
const audioCheckSchema = z.union([
  z.strictObject({
    name: z.string().min(1),
    metric: z.enum(['durationSec', 'nonTalkSec', 'nonTalkRatio', 'longestSilenceSec', 'agentTalkRatio', 'agentCharsPerMin']),
    above: z.number().min(0).optional(),
    below: z.number().min(0).optional(),
    missing: z.string().min(1),
  }),
  z.strictObject({
    name: z.string().min(1),
    hold: z.strictObject({ minSec: z.number().positive(), noticeWithinSec: z.number().positive(), notice: z.unknown() }),
    missing: z.string().min(1),
  }),
  z.strictObject({
    name: z.string().min(1),
    interruptions: z.strictObject({
      by: z.enum(['agent', 'customer']).default('agent'),
      minOverlapMs: z.number().min(0),
      atLeast: z.number().int().min(1).default(1),
    }),
    missing: z.string().min(1),
  }),
]);

const requirementSchema = z.strictObject({
  name: z.string().min(1),
  scope: scopeSchema.default({ speaker: 'any' }),
  when: z.unknown(),
  missing: z.string().min(1),
  skipIfRuleNa: z.enum(RULE_IDS).optional(),
});

const phraseRuleSchema = z.strictObject({
  id: z.string().min(1),
  label: z.string().optional(),
  when: z.unknown(),
  precise: z.boolean().optional(),
  points: z.number().min(0).max(100).optional(),
  redLine: z.boolean().optional(),
});

const ruleSchema = z.discriminatedUnion('check', [
  z.strictObject({
    ...common,
    check: z.literal('require'),
    requirements: z.array(requirementSchema).min(1),
    naIfNoSpeech: z.enum(['agent', 'customer', 'any']).default('agent'),
  }),
  z.strictObject({
    ...common,
    check: z.literal('forbid'),
    scope: scopeSchema.default({ speaker: 'any' }),
    phrases: z.array(phraseRuleSchema).min(1),
  }),
  z.strictObject({
    ...common,
    check: z.literal('consent'),
    ask: z.unknown(),
    askScope: scopeSchema.default({ speaker: 'agent', last: 3 }),
    callerClose: z.unknown(),
    closeScope: scopeSchema.default({ speaker: 'customer', last: 3 }),
    callerMore: z.unknown().optional(),
    callerLeaves: z.unknown().optional(),
    proposeEnd: z.unknown().optional(),
    callerAgree: z.unknown().optional(),
    hangUp: z.unknown(),
    lineCheck: z.unknown(),
  }),
  z.strictObject({
    ...common,
    check: z.literal('audio'),
    checks: z.array(audioCheckSchema).min(1),
  }),
]);

const rulesetSchema = z.strictObject({
  version: z.string().min(1),
  description: z.string().optional(),
  meaning: z.string().min(1).optional(),
  review: z
    .strictObject({ minConfidence: z.number().min(0).max(1).default(0.6), minRoleConfidence: z.number().min(0).max(1).default(0.8) })
    .default({ minConfidence: 0.6, minRoleConfidence: 0.8 }),
  ignore: z.unknown().optional(),
  conditions: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/, 'condition names are letters, digits, _ and -'), z.unknown()).optional(),
  rules: z.array(ruleSchema).min(1),
});

/** A compiled anchor (see {@link anchorSchema}): the named condition resolved to its matcher. */
export interface Anchor {
  name: string;
  when: Matcher;
  speaker: 'agent' | 'customer' | 'any';
  occurrence: 'first' | 'last';
  withinSec?: number;
}

/** A compiled scope (see {@link scopeSchema}); anchors are resolved to their matchers. */
export interface Scope extends Omit<ScopeSpec, 'after' | 'before' | 'around' | 'notAfter'> {
  after?: Anchor;
  before?: Anchor;
  around?: Anchor;
  notAfter?: Anchor;
}

/** Points, severity and review settings shared by every compiled rule. */
export interface RuleBase {
  id: RuleId;
  title?: string;
  /** Where the rule comes from in the norms, e.g. `三、文明用语 2`. */
  norm?: string;
  enabled: boolean;
  severity: 'minor' | 'major' | 'critical';
  /** Points off the 100-point score: once per failed rule, or per finding (`hit`), capped at `max`. */
  deduct: { points: number; per: 'once' | 'hit'; max?: number };
  /** A failure sets the whole score to 0. */
  redLine: boolean;
  /** False: findings always need human review. */
  precise: boolean;
  /** Metadata filter: the rule applies only to matching calls (see {@link filterSchema}). */
  only?: RuleFilter;
}

/** `require`: passes when each requirement's condition hits some utterance in its scope. */
export interface RequireRule extends RuleBase {
  check: 'require';
  requirements: { name: string; scope: Scope; when: Matcher; missing: string; skipIfRuleNa?: RuleId }[];
  /** The rule is `na` when nobody of this role speaks (e.g. roles unknown on a mono recording). */
  naIfNoSpeech: 'agent' | 'customer' | 'any';
}

/** `forbid`: fails with one finding per utterance in scope and per phrase id that hits it. */
export interface ForbidRule extends RuleBase {
  check: 'forbid';
  scope: Scope;
  phrases: { id: string; label?: string; when: Matcher; precise?: boolean; points?: number; redLine?: boolean }[];
}

/** `consent`: the closing of the call (see `evaluateConsent` in checks/consent.ts for the decision procedure). */
export interface ConsentRule extends RuleBase {
  check: 'consent';
  /** Agent asks whether the caller has anything else / may end. */
  ask: Matcher;
  askScope: Scope;
  /** Caller closes (再见, 拜拜, 没有了 …). */
  callerClose: Matcher;
  closeScope: Scope;
  /**
   * Caller answers the agent's ask with more to say (还有一个…, 等一下, 我还想问…): an answer, but no consent to
   * end. Optional (rulesets before service-norms@7 have none: every answer then counts as consent).
   */
  callerMore?: Matcher;
  /**
   * The caller's last words when the caller leaves the call in anger (你等着, 我投诉你, 你什么态度): consent
   * only when no agent utterance follows them (the caller hung up); an agent who then still speaks ends the
   * call himself. Optional (rulesets before it have none: such a call ends as a dropped line, `na`).
   */
  callerLeaves?: Matcher;
  /**
   * Agent proposes to end and asks leave in one question ("那先这样好吧？", "就这样，行吗？"): consent only when the
   * caller's answer agrees (`callerAgree`: 好, 嗯, 行, 中 …); any other answer leaves the call open. Optional, and
   * used only together with `callerAgree` (rulesets before the proposal kind have neither).
   */
  proposeEnd?: Matcher;
  /** Caller's answer that agrees to an agent's proposal to end (see `proposeEnd`). */
  callerAgree?: Matcher;
  /** Agent ends unilaterally (就这样, 我挂了 …). */
  hangUp: Matcher;
  /** Agent only checks the line (喂？还在吗？): the caller's line dropped. */
  lineCheck: Matcher;
}

/** A compiled check of an `audio` rule (see {@link audioCheckSchema}). */
export type AudioCheck = { name: string; missing: string } & (
  | {
      kind: 'metric';
      metric: 'durationSec' | 'nonTalkSec' | 'nonTalkRatio' | 'longestSilenceSec' | 'agentTalkRatio' | 'agentCharsPerMin';
      above?: number;
      below?: number;
    }
  | { kind: 'hold'; minSec: number; noticeWithinSec: number; notice: Matcher }
  | { kind: 'interruptions'; by: 'agent' | 'customer'; minOverlapMs: number; atLeast: number }
);

/** `audio`: fails when a check on the audio measurements fails; `na` when the transcript carries none. */
export interface AudioRule extends RuleBase {
  check: 'audio';
  checks: AudioCheck[];
}

/** A compiled rule. */
export type CompiledRule = RequireRule | ForbidRule | ConsentRule | AudioRule;

/** A validated, compiled ruleset, ready for `analyzeTranscript`. Immutable; share it freely. */
export interface Ruleset {
  /** The `version:` of the file, recorded in every report as `rulesetVersion`. */
  version: string;
  /** File name it was parsed from. */
  source: string;
  /** Findings on segments with ASR confidence below this (0..1) need review. */
  minReviewConfidence: number;
  /**
   * Findings of rules that depend on speaker roles need review when `transcript.roles.confidence` is below
   * this (mono recordings whose roles were inferred).
   */
  minRoleConfidence: number;
  /** Utterances this condition hits are dropped before any rule (whisper hallucinations on silence). */
  ignore: Matcher | null;
  rules: CompiledRule[];
  /** The meaning layer named by `meaning:` (banned phrases by concept, frame and example), if any. */
  meaning: Meaning | null;
}

const meaningCache = new Map<string, Meaning>();

/**
 * The meaning file a ruleset names (`meaning: banned-phrases.meaning.yaml`): looked up beside the ruleset
 * file, then in the shipped rules folder (a ruleset saved in the database has no folder of its own).
 * Compiled once per path and content.
 */
function resolveMeaning(name: string, rulesetFile: string): Meaning {
  const candidates = [join(dirname(rulesetFile), name), join(projectRoot(), 'rules', name)];
  const path = candidates.find((c) => existsSync(c));
  if (!path) throw new RulesetPathError(['meaning'], `meaning file "${name}" not found (looked in ${candidates.join(', ')})`);
  const text = readFileSync(path, 'utf8');
  const key = `${path}\n${text}`;
  let m = meaningCache.get(key);
  if (!m) {
    m = parseMeaning(text, path);
    meaningCache.set(key, m);
  }
  return m;
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n), true);
    // A missing key falls back to the mapping that should hold it.
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/**
 * Parses and compiles ruleset YAML text.
 *
 * @param text the YAML text
 * @param fileName used in error messages
 * @returns the compiled {@link Ruleset}
 * @throws {Error} `"<fileName>:<line>: <reason>"` for YAML syntax errors, schema violations (unknown keys,
 *   wrong types, unknown rule ids), bad conditions (unknown form, invalid regex, unknown `ref`), duplicate
 *   rule ids and missing required rules ({@link REQUIRED_RULE_IDS})
 */
export function parseRuleset(text: string, fileName: string): Ruleset {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new Error(`${fileName}:${line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const fail = (path: readonly (string | number)[], message: string): never => {
    const where = path.length ? ` (at ${path.join('.')})` : '';
    throw new Error(`${fileName}:${lineOf(doc, lc, path)}: ${message}${where}`);
  };
  const parsed = rulesetSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail(issue.path as (string | number)[], issue.message);
  }
  const spec = parsed.data;
  try {
    const meaning = spec.meaning !== undefined ? resolveMeaning(spec.meaning, fileName) : null;
    // Named conditions, compiled on first use so they may refer to each other (cycles are errors).
    const named = new Map<string, Matcher>();
    const compiling = new Set<string>();
    const resolveRef = (name: string, path: (string | number)[]): Matcher => {
      const done = named.get(name);
      if (done) return done;
      if (!spec.conditions || !(name in spec.conditions)) {
        throw new RulesetPathError(path, `unknown condition "${name}" (define it under conditions:)`);
      }
      if (compiling.has(name)) throw new RulesetPathError(path, `condition "${name}" refers to itself`);
      compiling.add(name);
      const m = compileCondition(spec.conditions[name], ['conditions', name], resolveRef, meaning);
      compiling.delete(name);
      named.set(name, m);
      return m;
    };
    for (const name of Object.keys(spec.conditions ?? {})) resolveRef(name, ['conditions', name]);
    const anchor = (a: AnchorSpec, path: (string | number)[]): Anchor => {
      const spec = typeof a === 'string' ? { condition: a, speaker: 'any' as const, occurrence: 'first' as const } : a;
      const when = resolveRef(spec.condition, typeof a === 'string' ? path : [...path, 'condition']);
      return {
        name: spec.condition,
        when,
        speaker: spec.speaker,
        occurrence: spec.occurrence,
        ...(spec.withinSec !== undefined ? { withinSec: spec.withinSec } : {}),
      };
    };
    const scope = (s: ScopeSpec, path: (string | number)[]): Scope => {
      const { after, before, around, notAfter, ...rest } = s;
      if (typeof around === 'string' || (around && around.withinSec === undefined)) {
        throw new RulesetPathError([...path, 'around'], 'around needs { condition, withinSec } (seconds on either side of the anchor)');
      }
      return {
        ...rest,
        ...(after ? { after: anchor(after, [...path, 'after']) } : {}),
        ...(before ? { before: anchor(before, [...path, 'before']) } : {}),
        ...(around ? { around: anchor(around, [...path, 'around']) } : {}),
        ...(notAfter ? { notAfter: anchor(notAfter, [...path, 'notAfter']) } : {}),
      };
    };
    const seen = new Set<string>();
    const rules: CompiledRule[] = spec.rules.map((r, i): CompiledRule => {
      const p: (string | number)[] = ['rules', i];
      if (seen.has(r.id)) throw new RulesetPathError([...p, 'id'], `rule "${r.id}" is defined twice`);
      seen.add(r.id);
      const base: RuleBase = {
        id: r.id,
        enabled: r.enabled,
        severity: r.severity,
        deduct: r.deduct,
        redLine: r.redLine,
        precise: r.precise,
        ...(r.only !== undefined ? { only: r.only } : {}),
        ...(r.title !== undefined ? { title: r.title } : {}),
        ...(r.norm !== undefined ? { norm: r.norm } : {}),
      };
      const cond = (raw: unknown, path: (string | number)[]): Matcher => {
        if (raw === undefined) throw new RulesetPathError(path.slice(0, -1), `missing condition "${String(path.at(-1))}"`);
        return compileCondition(raw, path, resolveRef, meaning);
      };
      switch (r.check) {
        case 'require':
          return {
            ...base,
            check: 'require',
            naIfNoSpeech: r.naIfNoSpeech,
            requirements: r.requirements.map((q, j) => ({
              name: q.name,
              missing: q.missing,
              scope: scope(q.scope, [...p, 'requirements', j, 'scope']),
              when: cond(q.when, [...p, 'requirements', j, 'when']),
              ...(q.skipIfRuleNa ? { skipIfRuleNa: q.skipIfRuleNa } : {}),
            })),
          };
        case 'forbid': {
          const ids = new Set<string>();
          return {
            ...base,
            check: 'forbid',
            scope: scope(r.scope, [...p, 'scope']),
            phrases: r.phrases.map((ph, j) => {
              if (ids.has(ph.id)) throw new RulesetPathError([...p, 'phrases', j, 'id'], `phrase id "${ph.id}" is listed twice`);
              ids.add(ph.id);
              return {
                id: ph.id,
                when: cond(ph.when, [...p, 'phrases', j, 'when']),
                ...(ph.label !== undefined ? { label: ph.label } : {}),
                ...(ph.precise !== undefined ? { precise: ph.precise } : {}),
                ...(ph.points !== undefined ? { points: ph.points } : {}),
                ...(ph.redLine !== undefined ? { redLine: ph.redLine } : {}),
              };
            }),
          };
        }
        case 'consent':
          if ((r.proposeEnd === undefined) !== (r.callerAgree === undefined))
            throw new RulesetPathError(p, 'proposeEnd and callerAgree go together: give both or neither');
          return {
            ...base,
            check: 'consent',
            ask: cond(r.ask, [...p, 'ask']),
            askScope: scope(r.askScope, [...p, 'askScope']),
            callerClose: cond(r.callerClose, [...p, 'callerClose']),
            closeScope: scope(r.closeScope, [...p, 'closeScope']),
            ...(r.callerMore === undefined ? {} : { callerMore: cond(r.callerMore, [...p, 'callerMore']) }),
            ...(r.callerLeaves === undefined ? {} : { callerLeaves: cond(r.callerLeaves, [...p, 'callerLeaves']) }),
            ...(r.proposeEnd === undefined ? {} : { proposeEnd: cond(r.proposeEnd, [...p, 'proposeEnd']) }),
            ...(r.callerAgree === undefined ? {} : { callerAgree: cond(r.callerAgree, [...p, 'callerAgree']) }),
            hangUp: cond(r.hangUp, [...p, 'hangUp']),
            lineCheck: cond(r.lineCheck, [...p, 'lineCheck']),
          };
        case 'audio':
          return {
            ...base,
            check: 'audio',
            checks: r.checks.map((c, j): AudioCheck => {
              const cp = [...p, 'checks', j];
              if ('metric' in c) {
                if (c.above === undefined && c.below === undefined)
                  throw new RulesetPathError(cp, `check "${c.name}" needs above or below`);
                return {
                  kind: 'metric',
                  name: c.name,
                  missing: c.missing,
                  metric: c.metric,
                  ...(c.above !== undefined ? { above: c.above } : {}),
                  ...(c.below !== undefined ? { below: c.below } : {}),
                };
              }
              if ('hold' in c) {
                return {
                  kind: 'hold',
                  name: c.name,
                  missing: c.missing,
                  minSec: c.hold.minSec,
                  noticeWithinSec: c.hold.noticeWithinSec,
                  notice: cond(c.hold.notice, [...cp, 'hold', 'notice']),
                };
              }
              return { kind: 'interruptions', name: c.name, missing: c.missing, ...c.interruptions };
            }),
          };
      }
    });
    const missing = REQUIRED_RULE_IDS.filter((id) => !seen.has(id));
    if (missing.length) throw new RulesetPathError(['rules'], `missing required rule(s): ${missing.join(', ')}`);
    return {
      version: spec.version,
      source: fileName,
      minReviewConfidence: spec.review.minConfidence,
      minRoleConfidence: spec.review.minRoleConfidence,
      ignore: spec.ignore === undefined ? null : compileCondition(spec.ignore, ['ignore'], resolveRef, meaning),
      rules,
      meaning,
    };
  } catch (error) {
    if (error instanceof RulesetPathError) return fail(error.path, error.message);
    throw error;
  }
}

/**
 * Reads and compiles a ruleset file.
 *
 * @param path file system path of the YAML file
 * @throws {Error} naming the file when it cannot be read, or `file:line: reason` as {@link parseRuleset}
 */
export function loadRuleset(path: string): Ruleset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read ruleset: ${(error as Error).message}`);
  }
  return parseRuleset(text, path);
}

/** The project root: the nearest folder above this module holding package.json (works from rules/ and dist/rules/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(new URL('.', import.meta.url)) + '/');
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * Absolute path of the shipped ruleset, `rules/service-norms.ruleset.yaml` under the project root. tsc does
 * not copy YAML into dist/, so the compiled module resolves to the same source file.
 */
export const DEFAULT_RULESET_PATH: string = join(projectRoot(), 'rules', 'service-norms.ruleset.yaml');

let cachedDefault: Ruleset | undefined;

/**
 * The shipped ruleset ({@link DEFAULT_RULESET_PATH}), loaded and compiled on first use and cached.
 *
 * @throws {Error} as {@link loadRuleset} when the shipped file is missing or invalid
 */
export function defaultRuleset(): Ruleset {
  cachedDefault ??= loadRuleset(DEFAULT_RULESET_PATH);
  return cachedDefault;
}
