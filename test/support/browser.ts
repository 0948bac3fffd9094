/**
 * What the browser tests share: Debian's Chromium (installed by scripts/setup.sh) driven by playwright-core,
 * its flags, and the folder screenshots and measurements go to.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../infra/paths.js';
import { startWebEnv, type WebEnv } from './web.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** A web environment served on a loopback port, with a headless Chromium page to drive it. */
export interface BrowserSession {
  w: WebEnv;
  /** `http://127.0.0.1:<port>` of the served review workspace. */
  base: string;
  context: BrowserContext;
  page: Page;
  /** Closes the browser, removes its profile folder and stops the environment. */
  close(): Promise<void>;
}

/**
 * Starts {@link startWebEnv}(`name`), serves it on a free loopback port, creates {@link ARTIFACTS} and opens
 * Chromium (1366×900, zh-CN, Asia/Shanghai) with a profile in a temp folder.
 *
 * @throws {Error} when Chromium is missing (scripts/setup.sh installs Debian's chromium package)
 */
export async function startBrowserSession(name: string): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium package)`);
  const w = await startWebEnv(name);
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const address = w.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'callqa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    w,
    base,
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await w.close();
    },
  };
}
