/**
 * `callqa rules validate`, `callqa rules test` and `callqa eval`, run as an administrator runs them (the
 * compiled CLI in a child process).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULESET_PATH } from '../../rules/ruleset.js';
import { assertBuilt, runCallqa as callqa } from '../support/integration.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/transcripts');
const devDir = fileURLToPath(new URL('../../../shared/eval/dev/', import.meta.url));
const devPresent = existsSync(`${devDir}labels.jsonl`);
if (!devPresent) console.log(`rules-cli.test: eval on the dev set skipped, no labelled dev set at ${devDir}`);

describe('callqa rules / eval', () => {
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(os.tmpdir(), 'callqa-rules-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('rules validate: the shipped ruleset is valid (exit 0); a mistake gives file:line: reason and exit 1', async () => {
    const ok = await callqa(['rules', 'validate', DEFAULT_RULESET_PATH]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid, version service-norms@\d+, 7 rules/);
    const shipped = await readFile(DEFAULT_RULESET_PATH, 'utf8');
    const bad = path.join(dir, 'bad.yaml');
    const lines = shipped.split('\n');
    const at = lines.findIndex((l) => l.includes("regex: '有本事"));
    lines[at] = lines[at]!.replace("regex: '有本事", "regex: '(有本事");
    await writeFile(bad, lines.join('\n'));
    const r = await callqa(['rules', 'validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}:${at + 1}: invalid regular expression`));
  });

  it('rules test: prints per rule which conditions hit, where (time, speaker, text) and how, and the findings', async () => {
    const r = await callqa(['rules', 'test', DEFAULT_RULESET_PATH, path.join(FIXTURES, 'banned-homophones.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^banned_phrase: FAIL/m);
    // A trace line: part, [m:ss.s–m:ss.s], speaker, the utterance, what matched and the match kind.
    expect(r.stdout).toMatch(
      /^ {4}B\d\d: \[\d+:\d\d\.\d–\d+:\d\d\.\d\] agent ".+" → matched ".+" \((exact|homophone), quality \d\.\d\d\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}finding \[.+\] agent ".+": B\d\d .+\(B\d\d, confidence [\d.]+, (needs review|stands)\)$/m);
    const json = await callqa(['rules', 'test', DEFAULT_RULESET_PATH, path.join(FIXTURES, 'audio-hold-unannounced.json'), '--json']);
    const { report, trace } = JSON.parse(json.stdout) as {
      report: { rules: { id: string; status: string }[] };
      trace: { rule: string; part: string; detail?: string }[];
    };
    expect(report.rules.find((x) => x.id === 'phone_phrases')?.status).toBe('fail');
    expect(trace).toContainEqual(
      expect.objectContaining({ rule: 'phone_phrases', part: 'hold_announced', detail: expect.stringMatching(/not announced/) }),
    );
  });

  it('rules test: a banned phrase read by meaning names the frame and its words, or the nearest example', async () => {
    const file = path.join(dir, 'reworded.json');
    await writeFile(
      file,
      JSON.stringify({
        callId: 'reworded',
        durationSec: 20,
        segments: [
          { start: 0, end: 2, speaker: 'agent', text: '您好，县行政服务中心，请讲。' },
          { start: 3, end: 5, speaker: 'customer', text: '我想问社保卡怎么补办' },
          { start: 6, end: 9, speaker: 'agent', text: '人社局的事你找人社局，别往我这儿打' },
          { start: 10, end: 12, speaker: 'customer', text: '好吧，再见' },
        ],
      }),
    );
    const r = await callqa(['rules', 'test', DEFAULT_RULESET_PATH, file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}B02: .+\(meaning, quality 0\.75; frame B02\.\w+: 意义框架：.+＋.+\)$/m);
    expect(r.stdout).toMatch(/finding .+B02 你去问××：原话含“.+”（意义框架：.+）（按意义匹配）/);
  });

  it('rules test: a missing transcript or a bad ruleset exits 1 with the file named', async () => {
    const r = await callqa(['rules', 'test', DEFAULT_RULESET_PATH, path.join(dir, 'nope.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.json');
  });

  it('eval: metrics per rule and the confusion list on a small labelled folder of own fixtures', async () => {
    const set = path.join(dir, 'set');
    await import('node:fs/promises').then((fs) => fs.mkdir(set));
    for (const f of ['greeting-nihao', 'consent-agent-ends', 'banned-homophones'])
      await copyFile(path.join(FIXTURES, `${f}.json`), path.join(set, `${f}.json`));
    const labels = [
      { callId: 'fx-greeting-nihao', expect: { opening_greeting: 'fail' } },
      // Deliberately wrong label: the agent does end the call without consent.
      { callId: 'fx-consent-agent-ends', expect: { consent_before_hangup: 'pass' } },
      { callId: 'fx-banned-homophones', expect: { banned_phrase: [] } },
    ];
    await writeFile(path.join(set, 'labels.jsonl'), labels.map((l) => JSON.stringify(l)).join('\n'));
    const r = await callqa(['eval', set]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^opening_greeting\s+1\.000\s+1\.000\s+1\.000/m);
    expect(r.stdout).toMatch(/^consent_before_hangup\s+0\.000\s+1\.000\s+0\.000/m);
    expect(r.stdout).toMatch(/^ {2}fx-consent-agent-ends consent_before_hangup: pass → fail$/m);
    expect(r.stdout).toMatch(/banned phrase the agent did not say: fx-banned-homophones/);
    const strict = await callqa(['eval', set, '--min-f1', '0.95', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).perRule.consent_before_hangup.fp).toBe(1);
    expect(strict.stderr).toMatch(/F1 below 0\.95 for consent_before_hangup/);
  });

  it.skipIf(!devPresent)('eval on the dev set meets the targets with the shipped ruleset (--min-f1 0.95)', async () => {
    const r = await callqa(['eval', devDir, '--ruleset', DEFAULT_RULESET_PATH, '--min-f1', '0.95']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/60 labelled calls/);
  });
});
