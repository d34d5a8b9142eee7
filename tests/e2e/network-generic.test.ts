import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericSignature } from '../../src/network/signatures.js';
import { type GenericStandin, startGenericStandin } from '../standins/generic.standin.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { replyFromSlack } from './network-e2e-support.js';

const SECRET = 'generic-secret-e2e-0123456789';

describe('a review posted to the generic webhook travels to Slack and the answer back to the sender', () => {
  let receiver: GenericStandin;
  let h: Harness;
  beforeAll(async () => {
    receiver = await startGenericStandin({ secret: SECRET });
    h = await startHarness({ env: { GENERIC_WEBHOOK_SECRET: SECRET, GENERIC_REPLY_URL: receiver.replyUrl } });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  it('signs the reply and names the event it answers', async () => {
    const body = JSON.stringify({
      id: 'rev-981',
      author: { id: 'u-55', handle: 'weekend_rider' },
      text: 'Two stars: the rental bike had a flat tyre.',
      createdAt: new Date().toISOString(),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await fetch(`${h.baseUrl}/ingest/webhook/reviews`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-firsthand-timestamp': timestamp,
        'x-firsthand-signature': genericSignature(SECRET, timestamp, body),
      },
      body,
    });
    expect(response.status).toBe(200);

    await replyFromSlack(h, 'the rental bike had a flat tyre', 'So sorry! Your next rental is on us.');
    const reply = await waitFor(() => receiver.replies[0], 15_000);
    expect(reply.body).toMatchObject({
      source: 'reviews',
      inReplyTo: 'rev-981',
      text: 'So sorry! Your next rental is on us.',
    });
    expect(reply.idempotencyKey).toBe(reply.body.idempotencyKey);
    expect(receiver.refused).toEqual([]);
  });
});
