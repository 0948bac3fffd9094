/**
 * What reviewing a call costs, measured in Chromium with the keyboard only: an officer opens the call with
 * five findings (B01, B02, B06, B15, B11; test/support/web.ts) from the queue filtered to pending calls,
 * confirms three, dismisses two with a reason, and goes on to the next pending call of the queue. Counted:
 * key presses, page loads, and the wall-clock time the browser needed (server and rendering; a person's
 * reading and listening time comes on top). Written to test-artifacts/review-cost.json. Then the agent of that
 * call appeals a confirmed finding and a supervisor overturns it (screenshots appeal-agent.png, appeal-supervisor.png),
 * and the supervisor samples unflagged calls and records a missed finding on one (sampled-call.png).
 *
 * Before the one-form review (each finding its own form, Tab to every control, a reload per decision, the
 * back link dropping the filter), the same review took 144 key presses, 7 page loads and 2.6 s.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startBrowserSession, type BrowserSession } from '../support/browser.js';
import { PASSWORD, type WebEnv } from '../support/web.js';

/** Counts key presses and page loads of a keyboard-only session. */
class KeyboardUser {
  presses = 0;
  loads = 0;
  constructor(private readonly page: Page) {
    page.on('load', () => this.loads++);
  }

  async press(key: string): Promise<void> {
    this.presses++;
    await this.page.keyboard.press(key);
  }
}

/** The same review on the per-finding forms (measured with this test's earlier flow, commit 6f1f554). */
const BEFORE = { keyPresses: 144, pageLoads: 7, elapsedMs: 2596 };

describe('review cost of a call with five findings (keyboard only)', () => {
  let w: WebEnv;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let session: BrowserSession;

  beforeAll(async () => {
    session = await startBrowserSession('cost');
    ({ w, base, context, page } = session);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
  });

  it('confirms three findings, dismisses two with a reason and reaches the next pending call', async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel('用户名').fill(w.users.officer);
    await page.getByLabel('密码').fill(PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '登录' }).click()]);
    const fiveId = w.ids.get('five-findings.wav')!;
    await page.goto(`${base}/?status=pending`);
    await Promise.all([page.waitForURL(new RegExp(`/calls/${fiveId}`)), page.locator(`a[href^="/calls/${fiveId}"]`).click()]);

    await page.screenshot({ path: path.join(ARTIFACTS, 'call-five-findings.png'), fullPage: true });
    const user = new KeyboardUser(page);
    const started = performance.now();
    const findingIds = await page.locator('section.finding').evaluateAll((s) => s.map((x) => x.id));
    expect(findingIds).toHaveLength(5);
    // The page puts the focus on the first undecided finding: C confirms and moves on, D then 1 dismisses
    // with the first listed reason, Ctrl+Enter submits all five and opens the next pending call.
    for (const key of ['c', 'c', 'c', 'd', '1', 'd', '1']) await user.press(key);
    await Promise.all([page.waitForURL(new RegExp(`/calls/(?!${fiveId})[0-9a-f]{40}\\?status=pending`)), user.press('Control+Enter')]);
    const elapsedMs = Math.round(performance.now() - started);

    // Saved as chosen: three confirmed, two dismissed with the first listed reason; the filter kept.
    const saved = await page.evaluate(async (id) => (await fetch(`/calls/${id}`)).text(), fiveId);
    expect(saved.match(/<span class="status-confirmed">已确认/g)).toHaveLength(3);
    expect(saved.match(/<span class="status-dismissed">已驳回/g)).toHaveLength(2);
    expect(saved.match(/（理由：语音识别错误）/g)).toHaveLength(2);
    expect(await page.locator('[role=status]').textContent()).toContain('five-01');
    expect(await page.locator('#back').getAttribute('href')).toBe('/?status=pending');
    const result = { keyPresses: user.presses, pageLoads: user.loads, elapsedMs, before: BEFORE };
    await page.goto(`${base}/?status=pending&rule=B06`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'queue-filtered.png'), fullPage: true });
    expect(user.presses).toBeLessThan(BEFORE.keyPresses / 5);
    console.log(`review cost, 5 findings: ${JSON.stringify(result)}`);
    await writeFile(path.join(ARTIFACTS, 'review-cost.json'), `${JSON.stringify(result, null, 2)}\n`);
  }, 180_000);

  it('an agent appeals a confirmed finding in the browser and a supervisor overturns it (screenshots)', async () => {
    const fiveId = w.ids.get('five-findings.wav')!;
    const signIn = async (username: string) => {
      await context.clearCookies();
      await page.goto(`${base}/login`);
      await page.getByLabel('用户名').fill(username);
      await page.getByLabel('密码').fill(PASSWORD);
      await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '登录' }).click()]);
    };
    await signIn(w.users.agent);
    await page.goto(`${base}/calls/${fiveId}`);
    const form = page.locator('form.appeal').first();
    await form.getByLabel(/申诉理由/).fill('“你去问民政局”后面我给了地址，录音里能听到');
    await Promise.all([page.waitForURL(/notice=appeal-filed/), form.getByRole('button', { name: '提交申诉' }).click()]);
    expect(await page.locator('[role=status]').textContent()).toContain('已提交申诉');
    await page.locator('p.appeal').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'appeal-agent.png') });

    await signIn(w.users.supervisor);
    await page.goto(`${base}/appeals`);
    expect(await page.locator('#pending-appeals').textContent()).toBe('1');
    await page.screenshot({ path: path.join(ARTIFACTS, 'appeal-supervisor.png'), fullPage: true });
    await page.getByLabel(/改判/).check();
    await page.getByLabel('说明').fill('核实录音，坐席已给出地址');
    await Promise.all([page.waitForURL(/notice=decided/), page.getByRole('button', { name: '提交' }).click()]);
    expect(await page.locator('#pending-appeals').textContent()).toBe('0');
    expect(await page.locator('tbody').textContent()).toContain('已改判（驳回该发现）');
  }, 120_000);

  it('a supervisor samples unflagged calls and records a missed finding on one (screenshot)', async () => {
    // Signed in as the supervisor (previous test).
    await page.goto(`${base}/settings/sampling`);
    for (const line of ['12345 政务热线', '婚姻登记']) {
      await page.getByLabel('线路或坐席工号').fill(line);
      await page.getByLabel('抽检比例（%）').fill('100');
      await Promise.all([page.waitForURL(/notice=saved/), page.getByRole('button', { name: '保存比例' }).click()]);
    }
    await page.getByLabel('抽取日期').fill('2026-11-28');
    await Promise.all([page.waitForURL(/notice=drawn/), page.getByRole('button', { name: '按比例抽取该日通话' }).click()]);
    expect(await page.locator('[role=status]').textContent()).toMatch(/已抽取 [1-9]\d* 通/);
    await page.goto(`${base}/?status=pending`);
    const row = page.locator('tbody tr', { has: page.locator('span.sampled') }).first();
    await Promise.all([page.waitForURL(/\/calls\/[0-9a-f]{40}/), row.getByRole('link').click()]);
    await page.getByLabel('漏检规则').selectOption('polite_language');
    await page.getByLabel('时间（秒）').fill('12.5');
    await page.getByLabel('说明').fill('结束时没有说再见');
    await Promise.all([page.waitForURL(/notice=missed-saved/), page.getByRole('button', { name: '登记漏检' }).click()]);
    expect(await page.locator('#missed .history').textContent()).toContain('结束时没有说再见');
    await page.getByLabel('确认有问题').check();
    await Promise.all([page.waitForURL(/saved=1/), page.locator('#call-review').getByRole('button', { name: '提交' }).click()]);
    expect(await page.locator('#review-status').textContent()).toBe('已确认');
    await page.locator('#missed').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'sampled-call.png') });
  }, 120_000);
});
