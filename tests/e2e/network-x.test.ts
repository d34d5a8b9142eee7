import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xSignature } from '../../src/network/signatures.js';
import { startXStandin, type XStandin } from '../../src/standins/x.standin.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { replyFromSlack } from './network-e2e-support.js';

const SECRET = 'x-consumer-secret-e2e';
const account = { id: '2244994945', username: 'harbourbikes' };

describe('an X mention travels from the Account Activity webhook to Slack and the answer back to X', () => {
  let x: XStandin;
  let h: Harness;
  beforeAll(async () => {
    x = await startXStandin({ token: 'x-user-token', account });
    h = await startHarness({
      env: {
        X_API_URL: x.apiUrl,
        X_BEARER_TOKEN: 'x-user-token',
        X_USER_ID: account.id,
        X_CONSUMER_SECRET: SECRET,
        X_POLL_SECONDS: '0',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await x?.close();
  });

  it('stores the signed event, then posts the reply threaded to that post', async () => {
    const mention = x.addMention({
      author: { id: '6253282', username: 'jane_rides' },
      text: '@harbourbikes my chain keeps slipping',
    });
    const body = JSON.stringify(x.activityEvent(mention));
    const response = await fetch(`${h.baseUrl}/ingest/x/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': xSignature(SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(200);

    await replyFromSlack(h, 'my chain keeps slipping', 'Come by, we will adjust it for free.');
    const created = await waitFor(() => x.created[0], 15_000);
    expect(created.body).toEqual({
      text: '@jane_rides Come by, we will adjust it for free.',
      reply: { in_reply_to_tweet_id: mention.id },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(x.created).toHaveLength(1);
  });
});
