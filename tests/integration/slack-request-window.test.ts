import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../src/bot/slack-app.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';
import { postCommand } from '../support/slack-requests.js';

const SECRET = 'window-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-window-standin';

describe("Slack requests outside Slack's five-minute window", () => {
  let slack: SlackStandin;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    slack = await startSlackStandin({ token: BOT_TOKEN });
    const bolt = await createSlackApp({
      botToken: BOT_TOKEN,
      signingSecret: SECRET,
      appToken: undefined,
      apiUrl: slack.apiUrl,
    });
    bolt.app.command('/firsthand', async ({ ack }) => {
      await ack();
    });
    const listener = bolt.httpListener;
    if (!listener) throw new Error('no HTTP listener in HTTP mode');
    server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await slack.close();
  });

  const command = (offsetSeconds: number) =>
    postCommand(
      baseUrl,
      { command: '/firsthand', text: 'me', userId: 'U0SAM0001', channel: 'C0CUSTOMERS' },
      { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + offsetSeconds },
    );

  it('refuses a signed request stamped six minutes in the future', async () => {
    expect((await command(6 * 60)).status).toBe(401);
  });

  it('refuses a signed request stamped six minutes in the past', async () => {
    expect((await command(-6 * 60)).status).toBe(401);
  });

  it('accepts signed requests within five minutes either way', async () => {
    expect((await command(0)).status).toBe(200);
    expect((await command(4 * 60)).status).toBe(200);
    expect((await command(-4 * 60)).status).toBe(200);
  });
});
