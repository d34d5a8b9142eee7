import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_CHANNEL_ID: 'C0123ABCD',
  INGEST_TOKEN: 'a-long-enough-ingest-token',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration from the environment', () => {
  it('starts with the required variables and sensible defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.database.url).toBeUndefined(); // the embedded PGlite
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.mastodon).toBeUndefined();
  });

  it('names every missing variable', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining([
        'SLACK_BOT_TOKEN is required',
        'SLACK_CHANNEL_ID is required',
        'INGEST_TOKEN is required',
      ]),
    );
  });

  it('names a malformed variable and says what it should look like', () => {
    expect(problems({ ...valid, PORT: 'eighty' })).toEqual([expect.stringMatching(/^PORT: /)]);
    expect(problems({ ...valid, SLACK_CHANNEL_ID: '#general' })).toEqual([
      'SLACK_CHANNEL_ID: a Slack channel id such as C0123ABCD',
    ]);
    expect(problems({ ...valid, DATABASE_URL: 'not a url' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: /),
    ]);
  });

  it('needs the signing secret for HTTP mode but not for Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _, ...withoutSecret } = valid;
    expect(problems(withoutSecret)).toEqual([
      expect.stringMatching(/^SLACK_SIGNING_SECRET: required unless/),
    ]);
    expect(loadConfig({ ...withoutSecret, SLACK_APP_TOKEN: 'xapp-1-abc' }).slack.appToken).toBe('xapp-1-abc');
  });

  it('asks for the Mastodon token when only the URL is set', () => {
    expect(problems({ ...valid, MASTODON_URL: 'https://mastodon.social' })).toEqual([
      'MASTODON_TOKEN: MASTODON_URL and MASTODON_TOKEN go together',
    ]);
  });

  it('leaves the model triage off unless a URL and a model are set, and asks for the missing one', () => {
    expect(loadConfig(valid).triage).toBeUndefined();
    expect(problems({ ...valid, TRIAGE_LLM_URL: 'https://api.openai.com/v1' })).toEqual([
      'TRIAGE_LLM_MODEL: required with TRIAGE_LLM_URL (model triage)',
    ]);
    expect(problems({ ...valid, TRIAGE_LLM_API_KEY: 'sk-1' })).toEqual([
      'TRIAGE_LLM_URL: required with TRIAGE_LLM_API_KEY (model triage)',
      'TRIAGE_LLM_MODEL: required with TRIAGE_LLM_API_KEY (model triage)',
    ]);
    expect(
      loadConfig({ ...valid, TRIAGE_LLM_URL: 'http://127.0.0.1:11434/v1', TRIAGE_LLM_MODEL: 'llama3.1' })
        .triage,
    ).toEqual({
      url: 'http://127.0.0.1:11434/v1',
      model: 'llama3.1',
      apiKey: undefined,
      timeoutMs: 4000,
      dailyBudget: 2000,
    });
  });
});
