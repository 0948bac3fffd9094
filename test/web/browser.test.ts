/**
 * The review flow in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium,
 * installed by scripts/setup.sh) against the review workspace listening on a local port, on reports the
 * real pipeline produced. Screenshots of the queue and the call page, and the flow's timings, go to
 * test-artifacts/.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startBrowserSession, type BrowserSession } from '../support/browser.js';
import { PASSWORD, type WebEnv } from '../support/web.js';

describe('review flow in Chromium', () => {
  let w: WebEnv;
  let base: string;
  let page: Page;
  let session: BrowserSession;
  const timings: Record<string, number> = {};

  async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - started);
    return result;
  }

  beforeAll(async () => {
    session = await startBrowserSession('browser');
    ({ w, base, page } = session);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    if (Object.keys(timings).length) await writeFile(path.join(ARTIFACTS, 'review-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  });

  it('signs in, opens the first flagged call, seeks by a finding, dismisses it and sees score and history change', async () => {
    // Anonymous: the browser lands on the sign-in page.
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('/login');
    await page.getByLabel('用户名').fill(w.users.officer);
    await page.getByLabel('密码').fill(PASSWORD);
    await timed('signInMs', () => Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '登录' }).click()]));

    // The queue: flagged calls first.
    await timed('queueReloadMs', () => page.reload({ waitUntil: 'load' }));
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(3);
    await expect.poll(() => rows.first().getAttribute('class')).toBe('flagged');
    await page.screenshot({ path: path.join(ARTIFACTS, 'queue.png'), fullPage: true });

    // The first flagged call.
    const first = rows.first().getByRole('link');
    const callId = (await first.textContent())!.trim();
    await timed('callPageMs', () => Promise.all([page.waitForURL(/\/calls\/[0-9a-f]{40}$/), first.click()]));
    await expect.poll(() => page.locator('h1').textContent()).toContain(callId);
    const audio = page.locator('#player');
    await page.waitForFunction(() => (document.getElementById('player') as HTMLAudioElement).readyState >= 1, undefined, {
      timeout: 20_000,
    });
    const duration = await audio.evaluate((a: HTMLAudioElement) => a.duration);
    expect(duration).toBeGreaterThan(5);

    // Click a finding (one that is not at the very start) and check that the audio moved there.
    const finding = page.locator('section.finding').filter({ has: page.locator('button[data-seek]') });
    const count = await finding.count();
    expect(count).toBeGreaterThan(0);
    let target = finding.first();
    for (let i = 0; i < count; i++) {
      const t = Number(await finding.nth(i).locator('button[data-seek]').first().getAttribute('data-seek'));
      if (t > 1) {
        target = finding.nth(i);
        break;
      }
    }
    const seekButton = target.locator('button[data-seek]').first();
    const seekTo = Number(await seekButton.getAttribute('data-seek'));
    expect(await audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeLessThan(seekTo);
    await timed('seekMs', async () => {
      await seekButton.click();
      await page.waitForFunction((t) => Math.abs((document.getElementById('player') as HTMLAudioElement).currentTime - t) < 1.5, seekTo, {
        timeout: 10_000,
      });
    });
    const position = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
    expect(position).toBeGreaterThanOrEqual(seekTo - 0.05);
    expect(position).toBeLessThan(seekTo + 1.5);
    // Clicking an utterance seeks too, and the keyboard shortcut J goes back 5 s.
    await page.locator('ol.transcript button[data-seek]').first().click();
    await page.waitForFunction(() => (document.getElementById('player') as HTMLAudioElement).currentTime < 1.5);
    await page.locator('h1').click();
    await page.keyboard.press('l');
    await page.waitForFunction(() => (document.getElementById('player') as HTMLAudioElement).currentTime >= 5);
    await audio.evaluate((a: HTMLAudioElement) => a.pause());

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'call.png') });

    // Dismiss it with a reason.
    const scoreBefore = Number(await page.locator('#score').textContent());
    const findingId = await target.getAttribute('id');
    await target.getByLabel('驳回（不扣分）').check();
    await target.getByLabel('驳回理由').selectOption('语音识别错误');
    await target.getByLabel('备注', { exact: true }).fill('录音里说的是“不清楚，我帮您查”');
    await timed('decisionRoundTripMs', () =>
      Promise.all([page.waitForURL(/saved=1/), page.getByRole('button', { name: '提交', exact: true }).click()]),
    );
    const after = page.locator(`#${findingId}`);
    await expect.poll(() => after.locator('.history').textContent()).toContain('驳回');
    const history = (await after.locator('.history').textContent())!;
    expect(history).toContain('语音识别错误');
    expect(history).toContain(w.users.officer);
    expect(history).toMatch(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);
    const scoreAfter = Number(await page.locator('#score').textContent());
    expect(scoreAfter).toBeGreaterThan(scoreBefore);
    await expect.poll(() => after.getAttribute('class')).toContain('dismissed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'call-after-decision.png'), fullPage: true });

    // The queue shows the rescored call.
    await page.goto(`${base}/?status=flagged`);
    expect(await page.locator('tbody').textContent()).toContain(`（原 ${scoreBefore}）`);
    console.log(`review flow timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);
});
