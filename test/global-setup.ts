/**
 * Once per test run (vitest `globalSetup`): names the prepared database of the review-workspace tests and
 * the folder of its local S3 files, and removes both when the run ends. The first web test that needs them
 * builds them (test/support/web.ts `webTemplate`: the real pipeline over the sample calls, once); every web
 * test file then starts from a copy (`CREATE DATABASE … TEMPLATE …` and a copy of the S3 folder), so runs
 * without web tests never run that pipeline.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabase } from '../infra/db/pool.js';
import { TEST_DATABASE_URL } from './support/integration.js';

/** Where the web tests' prepared database and S3 files are (or will be, once built). */
export interface WebTemplate {
  /** URL of the template database (on the server of TEST_DATABASE_URL), `callqa_webtpl_<hex>`. */
  databaseUrl: string;
  /** Folder the template's local S3 files are copied to (`s3/` under it), empty until built. */
  dir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    webTemplate: WebTemplate;
  }
}

/** Provides {@link WebTemplate} to the test files; the returned function drops the database and the folder. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/callqa_webtpl_${randomBytes(4).toString('hex')}`;
  const template: WebTemplate = { databaseUrl: url.toString(), dir: await mkdtemp(path.join(os.tmpdir(), 'callqa-web-template-')) };
  project.provide('webTemplate', template);
  return async () => {
    await dropDatabase(template.databaseUrl);
    await rm(template.dir, { recursive: true, force: true });
  };
}
