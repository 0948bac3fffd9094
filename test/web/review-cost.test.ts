/**
 * What reviewing a call costs, measured in Chromium with the keyboard only: an officer opens the call with
 * five findings (B01, B02, B06, B15, B11; test/support/web.ts) from the queue filtered to pending calls,
 * confirms three, dismisses two with a reason, and goes on to the next pending call of the queue. Counted:
 * key presses, page loads, and the wall-clock time the browser needed (server and rendering; a person's
 * reading and listening time comes on top). Written to test-artifacts/review-cost.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startWebEnv, type WebEnv } from '../support/web.js';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS } from '../support/browser.js';

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

  /** Presses `key` (Tab by default) until the focused element matches `selector`; at most 200 presses. */
  async focus(selector: string, key = 'Tab'): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await this.page.evaluate((s) => !!document.activeElement?.matches(s), selector)) return;
      await this.press(key);
    }
    throw new Error(`${selector} never got the focus`);
  }
}

describe('review cost of a call with five findings (keyboard only)', () => {
  let w: WebEnv;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium package)`);
    w = await startWebEnv('cost');
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const address = w.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(path.join(os.tmpdir(), 'callqa-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await w?.close();
  });

  it('confirms three findings, dismisses two with a reason and reaches the next pending call', async () => {
    await page.goto(`${base}/login`);
    await page.getByLabel('用户名').fill(w.users.officer);
    await page.getByLabel('密码').fill(PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '登录' }).click()]);
    const fiveId = w.ids.get('five-findings.wav')!;
    await page.goto(`${base}/?status=pending`);
    await Promise.all([page.waitForURL(new RegExp(`/calls/${fiveId}`)), page.locator(`a[href^="/calls/${fiveId}"]`).click()]);

    const user = new KeyboardUser(page);
    const started = performance.now();
    const findingIds = await page.locator('section.finding').evaluateAll((s) => s.map((x) => x.id));
    expect(findingIds).toHaveLength(5);
    const dismiss = new Set([3, 4]);
    for (const [i, id] of findingIds.entries()) {
      await user.focus(`#${id} input[value="confirmed"]`);
      if (dismiss.has(i)) {
        await user.press('ArrowDown'); // → 驳回
        await user.focus(`#${id} select[name="reason"]`);
        await user.press('ArrowDown'); // the first listed reason
      } else {
        await user.press('Space');
      }
      await user.focus(`#${id} button[type="submit"]`);
      await Promise.all([page.waitForEvent('load'), user.press('Enter')]);
    }
    // The call is decided: back to the queue (the link drops the filter) and on to the next pending call.
    await user.focus('a[href="/"]', 'Shift+Tab');
    await Promise.all([page.waitForURL(`${base}/`), user.press('Enter')]);
    await user.focus(`tbody tr:has(td.status-pending) a[href^="/calls/"]:not([href^="/calls/${fiveId}"])`);
    await Promise.all([page.waitForURL(/\/calls\/[0-9a-f]{40}/), user.press('Enter')]);
    const elapsedMs = Math.round(performance.now() - started);

    const statuses = await page.evaluate(async (id) => (await fetch(`/calls/${id}`)).text(), fiveId);
    expect(statuses).toContain('status-confirmed');
    const result = { keyPresses: user.presses, pageLoads: user.loads, elapsedMs };
    console.log(`review cost, 5 findings: ${JSON.stringify(result)}`);
    await writeFile(path.join(ARTIFACTS, 'review-cost.json'), `${JSON.stringify(result, null, 2)}\n`);
  }, 180_000);
});
