import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xSignature } from '../../src/network/signatures.js';
import { startXStandin, type XStandin } from '../standins/x.standin.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { cardQuoting, replyFromSlack } from './network-e2e-support.js';

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

  const deliver = (delivery: unknown) => {
    const body = JSON.stringify(delivery);
    return fetch(`${h.baseUrl}/ingest/x/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': xSignature(SECRET, body),
      },
      body,
    });
  };

  it('stores the signed event, then posts the reply threaded to that post', async () => {
    const mention = x.addMention({
      author: { id: '6253282', username: 'jane_rides' },
      text: '@harbourbikes my chain keeps slipping',
    });
    expect((await deliver(x.activityEvent(mention))).status).toBe(200);

    await replyFromSlack(h, 'my chain keeps slipping', 'Come by, we will adjust it for free.');
    const created = await waitFor(() => x.created[0], 15_000);
    expect(created.body).toEqual({
      text: '@jane_rides Come by, we will adjust it for free.',
      reply: { in_reply_to_tweet_id: mention.id },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(x.created).toHaveLength(1);
  });

  it('answers a direct message with a direct message, never a public post', async () => {
    const { delivery } = x.directMessageEvent({
      from: { id: '7380921', username: 'omar_pedals' },
      text: 'Is my order 5521 shipped?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    const card = await cardQuoting(h, 'Is my order 5521 shipped?');
    expect(JSON.stringify(card.params.blocks)).toContain('*X* private message');
    await replyFromSlack(h, 'Is my order 5521 shipped?', 'It left this morning.');
    const sent = await waitFor(
      () => x.directMessages.find((m) => m.text === 'It left this morning.'),
      15_000,
    );
    expect(sent.participantId).toBe('7380921');
    expect(x.created).toHaveLength(1); // only the earlier test's public reply
  });
});
