import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_CHANNEL_ID: 'C0CUSTOMERS',
  INGEST_TOKEN: 'ingest-token-0123456789',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('network configuration', () => {
  it('leaves every network off when none of its variables is set', () => {
    const config = loadConfig(base);
    expect([
      config.x,
      config.meta,
      config.facebook,
      config.instagram,
      config.bluesky,
      config.generic,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('names the missing partner of a half-configured network', () => {
    expect(problems({ X_BEARER_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^X_USER_ID: required with X_BEARER_TOKEN/),
    ]);
    expect(problems({ FACEBOOK_PAGE_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^META_APP_SECRET:/),
      expect.stringMatching(/^META_VERIFY_TOKEN:/),
    ]);
    expect(problems({ BLUESKY_PASSWORD: 'p' })).toEqual([expect.stringMatching(/^BLUESKY_IDENTIFIER:/)]);
    expect(problems({ INSTAGRAM_USER_ID: '178' })).toEqual([
      expect.stringMatching(/^INSTAGRAM_TOKEN:/),
      expect.stringMatching(/^META_APP_SECRET:/),
      expect.stringMatching(/^META_VERIFY_TOKEN:/),
    ]);
    expect(problems({ BLUESKY_IDENTIFIER: 'me.bsky.social' })).toEqual([
      expect.stringMatching(/^BLUESKY_PASSWORD:/),
    ]);
    expect(problems({ GENERIC_REPLY_URL: 'https://hooks.example/replies' })).toEqual([
      expect.stringMatching(/^GENERIC_WEBHOOK_SECRET:/),
    ]);
  });

  it('reads base URLs from the environment, with the vendors’ own as defaults', () => {
    const config = loadConfig({
      ...base,
      X_BEARER_TOKEN: 't',
      X_USER_ID: '2244994945',
      X_API_URL: 'http://127.0.0.1:9000',
      BLUESKY_IDENTIFIER: 'me.bsky.social',
      BLUESKY_PASSWORD: 'p',
    });
    expect(config.x?.apiUrl).toBe('http://127.0.0.1:9000');
    expect(config.bluesky?.service).toBe('https://bsky.social');
    expect(problems({ X_BEARER_TOKEN: 't', X_USER_ID: '@me' })).toEqual([
      expect.stringMatching(/^X_USER_ID: a numeric X user id/),
    ]);
  });
});
