/**
 * What the browser tests share: Debian's Chromium (installed by scripts/setup.sh) driven by playwright-core,
 * its flags, and the folder screenshots and measurements go to.
 */
import path from 'node:path';
import { projectRoot } from '../../infra/paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];
