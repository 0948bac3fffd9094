/**
 * `callqa rules validate FILE` and `callqa rules test FILE TRANSCRIPT`: tools for whoever edits a ruleset.
 * `validate` loads and compiles the file and prints `file:line: reason` for the first mistake; `test` runs
 * the ruleset on one transcript and prints a readable trace: for each rule its outcome, then which
 * conditions hit where (time, speaker, text), what matched and how (exact / homophone / edit / similar), the
 * scope anchors, metadata-filter decisions and audio measurements, and the findings. `activate` and `list`
 * manage the rulesets stored in PostgreSQL (infra/ruleset-store.ts), as the workspace's /rules page does.
 */
import { readFile } from 'node:fs/promises';
import { parseTranscriptText, type Transcript } from '../domain/transcript.js';
import { analyzeTranscript } from '../rules/analyze.js';
import type { TraceEvent } from '../rules/analyze/context.js';
import type { Report } from '../domain/report.js';
import { DEFAULT_RULESET_PATH, defaultRuleset, loadRuleset, type Ruleset } from '../rules/ruleset.js';
import { userInfo } from 'node:os';
import { openDatabase } from '../infra/db/pool.js';
import { activateRulesetVersion, checkRulesetText, RulesetStoreError, saveRulesetVersion } from '../infra/ruleset-store.js';
import { getRulesetVersion, listRulesetActivations, listRulesetVersions } from '../infra/db/rulesets-repository.js';

/**
 * Validates a ruleset file.
 *
 * @returns exit code 0 when the file is valid (a one-line summary on `out`), 1 otherwise (the error, as
 *   `file:line: reason`, on `err`)
 */
export function rulesValidateCommand(
  file: string,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  let ruleset: Ruleset;
  try {
    ruleset = loadRuleset(file);
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 1;
  }
  const kinds = ruleset.rules.map((r) => `${r.id} (${r.check}${r.enabled ? '' : ', disabled'})`);
  out.write(`${file}: valid, version ${ruleset.version}, ${ruleset.rules.length} rules: ${kinds.join(', ')}\n`);
  return 0;
}

/** Seconds as m:ss.s, e.g. 75.25 → 1:15.3. */
export function formatClock(sec: number): string {
  const tenths = Math.round(sec * 10);
  const m = Math.floor(tenths / 600);
  const s = (tenths - m * 600) / 10;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

function traceLine(e: TraceEvent): string {
  const when = e.start !== undefined ? `[${formatClock(e.start)}–${formatClock(e.end ?? e.start)}]` : '';
  const who = e.speaker ? ` ${e.speaker}` : '';
  const said = e.text !== undefined ? ` "${e.text}"` : '';
  const matched =
    e.matched !== undefined ? ` → matched "${e.matched}" (${e.match}, quality ${e.quality?.toFixed(2)}${e.why ? `; ${e.why}` : ''})` : '';
  const detail = e.detail ? ` ${e.detail}` : '';
  return `    ${e.part}: ${when}${who}${said}${matched}${detail}`.replace(/: {2}/, ': ');
}

/**
 * Formats a report and its trace as readable text: a header (call, score, roles, audio), then per rule its
 * status, deduction and note, the trace events of that rule, and its findings.
 */
export function formatRuleTrace(transcript: Transcript, report: Report, events: readonly TraceEvent[]): string {
  const lines: string[] = [];
  lines.push(
    `call ${report.callId}: score ${report.score}, ${report.flagged ? `flagged (${(report.reviewReasons ?? []).join(', ')})` : 'not flagged'}, ruleset ${report.rulesetVersion}`,
  );
  const roles = transcript.roles ? `${transcript.roles.method}, confidence ${transcript.roles.confidence}` : 'not recorded';
  const audio = transcript.audio
    ? `${transcript.audio.silences.length} silences, non-talk ${transcript.audio.nonTalkSec.toFixed(1)} s, ${transcript.audio.interruptions.length} interruptions`
    : 'none (audio rules are na)';
  lines.push(`speaker roles: ${roles}; audio measurements: ${audio}`);
  for (const r of report.rules) {
    const d = r.deduction ? `, −${r.deduction}` : '';
    lines.push('', `${r.id}: ${r.status.toUpperCase()}${d}${r.note ? ` — ${r.note}` : ''}`);
    const mine = events.filter((e) => e.rule === r.id);
    if (mine.length) {
      lines.push('  hits:');
      for (const e of mine) lines.push(traceLine(e));
    } else {
      lines.push('  hits: none');
    }
    for (const f of r.findings) {
      const flags = [
        f.phraseId,
        f.confidence !== undefined ? `confidence ${f.confidence}` : undefined,
        f.needsReview ? 'needs review' : 'stands',
      ].filter(Boolean);
      lines.push(
        `  finding [${formatClock(f.start)}–${formatClock(f.end)}] ${f.speaker} "${f.text}": ${f.note ?? ''} (${flags.join(', ')})`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * Runs a ruleset on one transcript and prints the trace ({@link formatRuleTrace}), or with `json` one JSON
 * object `{ report, trace }`.
 *
 * @param centreNames names the greeting rule accepts (configuration), as for `callqa analyze`
 * @returns exit code 0 when the ruleset and transcript load (whatever the rules find), 1 otherwise
 */
export async function rulesTestCommand(
  rulesetFile: string,
  transcriptFile: string,
  options: { json?: boolean; centreNames: string[] },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let ruleset: Ruleset;
  let transcript: Transcript;
  try {
    ruleset = loadRuleset(rulesetFile);
    transcript = parseTranscriptText(await readFile(transcriptFile, 'utf8'), transcriptFile);
  } catch (error) {
    const message = (error as Error).message;
    err.write(
      `callqa rules test: ${message.includes(transcriptFile) || message.includes(rulesetFile) ? message : `${transcriptFile}: ${message}`}\n`,
    );
    return 1;
  }
  const events: TraceEvent[] = [];
  const report = analyzeTranscript(transcript, { ruleset, centreNames: options.centreNames, trace: (e) => events.push(e) });
  out.write(options.json ? `${JSON.stringify({ report, trace: events })}\n` : `${formatRuleTrace(transcript, report, events)}\n`);
  return 0;
}

/**
 * `callqa rules activate FILE`: for operators without the review workspace. Checks the file like `validate`,
 * saves it as a new version in PostgreSQL (infra/ruleset-store.ts) and makes it the active ruleset, recorded
 * as activated by `cli:<os user>`. A file whose version is saved already with the same text is activated
 * again; with a different text it is refused (change `version:`).
 *
 * @param databaseUrl DATABASE_URL
 * @returns exit code 0 when active, 1 when the file is invalid or the version is taken (`file:line: reason` or
 *   the reason on `err`)
 */
export async function rulesActivateCommand(
  databaseUrl: string,
  file: string,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    err.write(`${file}: cannot read ruleset: ${(error as Error).message}\n`);
    return 1;
  }
  let version: string;
  try {
    version = checkRulesetText(text).version;
  } catch (error) {
    const e = error as RulesetStoreError;
    err.write(`${file}:${e.line ?? 1}: ${e.message}\n`);
    return 1;
  }
  const by = `cli:${userInfo().username}`;
  const db = await openDatabase(databaseUrl);
  try {
    const existing = (await listRulesetVersions(db)).find((v) => v.version === version);
    let id: number;
    if (existing) {
      if ((await getRulesetVersion(db, existing.id))!.yaml !== text) {
        err.write(`${file}: version "${version}" is saved already with a different text; change version: to save a new one\n`);
        return 1;
      }
      id = existing.id;
    } else {
      try {
        id = (await saveRulesetVersion(db, text, by)).id;
      } catch (error) {
        if (!(error instanceof RulesetStoreError)) throw error;
        err.write(`${file}: ${error.message}\n`);
        return 1;
      }
    }
    await activateRulesetVersion(db, id, by);
    out.write(`${file}: ${existing ? 'activated the saved' : 'saved and activated'} version ${version}; new reports are scored with it\n`);
    return 0;
  } finally {
    await db.end();
  }
}

/**
 * `callqa rules list [--json]`: the saved versions, newest first, the active one marked with `*`, and the
 * shipped file (active when no saved version is). JSON: `{ active, versions: [{ version, savedBy, savedAt,
 * active }], activations: [{ version, activatedBy, activatedAt }] }` (`version` null: the shipped file).
 *
 * @param databaseUrl DATABASE_URL
 */
export async function rulesListCommand(
  databaseUrl: string,
  options: { json?: boolean },
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const db = await openDatabase(databaseUrl);
  try {
    const [versions, activations] = await Promise.all([listRulesetVersions(db), listRulesetActivations(db, 20)]);
    const shipped = defaultRuleset().version;
    const active = versions.find((v) => v.active)?.version ?? shipped;
    if (options.json) {
      out.write(
        `${JSON.stringify({
          active,
          versions: versions.map((v) => ({ version: v.version, savedBy: v.savedBy, savedAt: v.savedAt.toISOString(), active: v.active })),
          activations: activations.map((a) => ({
            version: a.version,
            activatedBy: a.activatedBy,
            activatedAt: a.activatedAt.toISOString(),
          })),
        })}\n`,
      );
      return;
    }
    for (const v of versions) out.write(`${v.active ? '*' : ' '} ${v.version}\tsaved by ${v.savedBy} at ${v.savedAt.toISOString()}\n`);
    out.write(`${versions.some((v) => v.active) ? ' ' : '*'} ${shipped}\tshipped file ${DEFAULT_RULESET_PATH}\n`);
    const last = activations[0];
    if (last) out.write(`active: ${active}, activated by ${last.activatedBy} at ${last.activatedAt.toISOString()}\n`);
  } finally {
    await db.end();
  }
}
