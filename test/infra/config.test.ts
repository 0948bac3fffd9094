/** Configuration: defaults, and one error listing every bad variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../infra/config.js';

describe('loadConfig', () => {
  it('has working defaults for a local machine', () => {
    const c = loadConfig({});
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.channelMap).toEqual({ agent: 0, customer: 1 });
    expect(c.nightly).toEqual({ cron: '0 1 * * *', timeZone: 'Asia/Shanghai', prefixTemplate: '{yyyy}/{mm}/{dd}/' });
    expect(c.whisper.modelPath).toBeUndefined();
    expect(c.sherpa).toMatchObject({ modelDir: undefined, timeLimitMs: 1_800_000, language: 'zh' });
    expect(c.centreNames).toEqual(['县婚姻登记中心', '常州市行政服务中心']);
  });

  it('reads values and treats empty strings as unset', () => {
    const c = loadConfig({
      CENTRE_NAMES: ' 市民服务中心，县社保服务中心 ',
      WHISPER_MODEL: '',
      CONCURRENCY_TRANSCRIBE: '3',
      S3_PATH_STYLE: 'false',
    });
    expect(c.centreNames).toEqual(['市民服务中心', '县社保服务中心']);
    expect(c.whisper.modelPath).toBeUndefined();
    expect(c.concurrency.transcribe).toBe(3);
    expect(c.s3.pathStyle).toBe(false);
  });

  it('fails once, listing every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        REDIS_URL: 'not a url',
        CONCURRENCY_PREPARE: '0',
        CHANNEL_AGENT: '1',
        CHANNEL_CUSTOMER: '1',
        NIGHTLY_TZ: 'Mars/Olympus',
        NIGHTLY_CRON: 'x y z w v',
        S3_ENDPOINT: 'http://minio:9000',
        S3_SECRET_KEY: 'hunter2',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['REDIS_URL', 'CONCURRENCY_PREPARE', 'CHANNEL_CUSTOMER', 'NIGHTLY_TZ', 'NIGHTLY_CRON', 'S3_ACCESS_KEY']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('hunter2');
    expect(message).toMatch(/NIGHTLY_CRON: not a cron pattern/);
    expect(() => loadConfig({ NIGHTLY_CRON: '0 1 * *' })).toThrow(/needs 5 fields/);
    // A bad time zone is listed beside other bad variables, not only when it is the only one.
    expect(() => loadConfig({ NIGHTLY_TZ: 'Mars/X', CONCURRENCY_PREPARE: 'abc' })).toThrow(
      /NIGHTLY_TZ[\s\S]*CONCURRENCY_PREPARE|CONCURRENCY_PREPARE[\s\S]*NIGHTLY_TZ/,
    );
  });
});
