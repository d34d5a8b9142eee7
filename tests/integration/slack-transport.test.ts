import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackFailure } from '../../src/bot/slack-errors.js';
import { slackTransport } from '../../src/bot/slack-transport.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';

const TOKEN = 'xoxb-transport';

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
}

describe('the Slack client over its own transport', () => {
  let slack: SlackStandin;
  let client: WebClient;
  beforeAll(async () => {
    slack = await startSlackStandin({ token: TOKEN });
    client = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      fetch: slackTransport(),
    });
  });
  afterAll(() => slack.close());

  it('posts a card whose text and blocks arrive as sent', async () => {
    const text = 'Größe & “quotes” <b> 😀';
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text } }];
    const posted = await client.chat.postMessage({ channel: 'C0TRANSPORT', text, blocks });
    expect(posted.ok).toBe(true);
    const stored = slack.messages.get(posted.ts!);
    expect(stored).toMatchObject({ channel: 'C0TRANSPORT', text, blocks });
  });

  it('surfaces a 429 with the wait Slack asked for', async () => {
    slack.rateLimitNext('chat.postMessage', 1, 7);
    const error = await client.chat.postMessage({ channel: 'C0TRANSPORT', text: 'x' }).catch((e) => e);
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
  });

  it('reports a refused token as Slack says it', async () => {
    const stranger = new WebClient('xoxb-wrong', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      fetch: slackTransport(),
    });
    const error = await stranger.chat.postMessage({ channel: 'C0TRANSPORT', text: 'x' }).catch((e) => e);
    expect(slackFailure(error).code).toBe('slack.invalid_auth');
  });
});

describe('the transport when Slack misbehaves', () => {
  it('turns an HTTP error into the client’s HTTP error, with its status', async () => {
    const server = createServer((_req, res) => res.writeHead(503, { 'retry-after': '3' }).end('down'));
    const url = await listen(server);
    try {
      const client = new WebClient(TOKEN, {
        slackApiUrl: url,
        retryConfig: { retries: 0 },
        fetch: slackTransport(),
      });
      const error = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e) => e);
      expect(error.code).toBe(ErrorCode.HTTPError);
      expect(error.statusCode).toBe(503);
      expect(error.statusMessage).toBe('Service Unavailable');
      expect(error.body).toBe('down');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives up on a call Slack never answers, as a retryable failure', async () => {
    const server = createServer(() => {}); // reads the request, never answers
    const url = await listen(server);
    try {
      const client = new WebClient(TOKEN, {
        slackApiUrl: url,
        retryConfig: { retries: 0 },
        fetch: slackTransport(300),
      });
      const started = Date.now();
      const error = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e) => e);
      expect(Date.now() - started).toBeLessThan(5000);
      const failure = slackFailure(error);
      expect(failure.code).toBe('slack.unreachable');
      expect(failure.retryable).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
