import { loadConfig } from '../../src/config.js';
import { type Running, startFirsthand } from '../../src/main.js';
import { type MastodonStandin, startMastodonStandin } from '../standins/mastodon.standin.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from './redis.js';
import { postCommand, postEvent, postInteraction } from './slack-requests.js';

export const SIGNING_SECRET = 'e2e-signing-secret-0123456789';
export const INGEST_TOKEN = 'e2e-ingest-token-0123456789';
export const BOT_TOKEN = 'xoxb-e2e-standin';
export const APP_TOKEN = 'xapp-1-e2e-standin';
export const CHANNEL = 'C0CUSTOMERS';

export interface Harness {
  baseUrl: string;
  /** The operations port: /metrics, /readyz, /admin/queues. */
  opsUrl: string;
  slack: SlackStandin;
  mastodon: MastodonStandin;
  database: TestDatabase;
  /** The app's private queue prefix, for tests that look at a job. */
  queuePrefix: string;
  postMentions(body: unknown, token?: string): Promise<Response>;
  interact(payload: unknown, options?: { timestamp?: number; unsigned?: boolean }): Promise<Response>;
  /** A /firsthand (or other) slash command typed by `userId`. */
  command(userId: string, text: string, command?: string): Promise<Response>;
  /** An Events API event, e.g. app_home_opened. */
  event(event: Record<string, unknown>): Promise<Response>;
  /** Another process of the same installation (its database, queues and Slack); the caller stops it. */
  startInstance(): Promise<Running>;
  stop(): Promise<void>;
}

/**
 * The whole app, in this process, on a private PostgreSQL database and queue
 * prefix, talking real HTTP to the Slack and Mastodon stand-ins.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    mastodonPollSeconds?: number;
    /** The stand-in's own per-channel limit (429 above it); off by default. */
    slackPerChannelPerSecond?: number;
    /** Slack in Socket Mode: the app connects out with APP_TOKEN and serves no /slack/events. */
    socketMode?: boolean;
    /** The app's clock, for tests about time. */
    now?: () => Date;
    /** How often the router looks at response clocks, in real ms (the app's default is 15 s). */
    clockSweepMs?: number;
  } = {},
) {
  const slack = await startSlackStandin({
    token: BOT_TOKEN,
    ...(options.socketMode ? { appToken: APP_TOKEN } : {}),
    ...(options.slackPerChannelPerSecond ? { perChannelPerSecond: options.slackPerChannelPerSecond } : {}),
  });
  const mastodon = await startMastodonStandin({ token: 'mastodon-token' });
  const database = await createTestDatabase('postgres');
  const prefix = testQueuePrefix();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    OPS_PORT: '0',
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_CHANNEL_ID: CHANNEL,
    INGEST_TOKEN,
    TEAM_FILE: 'examples/team.yaml',
    MASTODON_URL: mastodon.url,
    MASTODON_TOKEN: 'mastodon-token',
    MASTODON_POLL_SECONDS: String(options.mastodonPollSeconds ?? 0),
    ...(options.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    ...options.env,
  });
  const start = options.clockSweepMs ? { clockSweepMs: options.clockSweepMs } : {};
  const app = await startFirsthand(config, options.now, start);
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const harness: Harness = {
    baseUrl,
    opsUrl: `http://127.0.0.1:${app.opsPort}`,
    slack,
    mastodon,
    database,
    queuePrefix: prefix,
    postMentions: (body, token = INGEST_TOKEN) =>
      fetch(`${baseUrl}/ingest/mentions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    interact: (payload, opts = {}) => postInteraction(baseUrl, payload, { secret: SIGNING_SECRET, ...opts }),
    command: (userId, text, command = '/firsthand') =>
      postCommand(baseUrl, { command, text, userId, channel: CHANNEL }, { secret: SIGNING_SECRET }),
    event: (event) => postEvent(baseUrl, event, { secret: SIGNING_SECRET }),
    startInstance: () => startFirsthand(config, options.now, start),
    async stop() {
      await app.stop();
      await Promise.all([slack.close(), mastodon.close()]);
      await database.destroy();
      await dropQueuePrefix(prefix);
    },
  };
  return harness;
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
