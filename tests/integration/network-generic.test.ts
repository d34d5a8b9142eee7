import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryAtOf } from '../../src/contract/errors.js';
import { createGenericConnector } from '../../src/network/generic/connector.js';
import { genericWebhookHandler } from '../../src/network/generic/webhook.js';
import { genericSignature } from '../../src/network/signatures.js';
import { type GenericStandin, startGenericStandin } from '../standins/generic.standin.js';
import { startWebhookRig, storedState, type WebhookRig } from './network-support.js';

const SECRET = 'generic-secret-0123456789';
const event = {
  id: 'rev-42',
  author: { id: 'u-7', handle: 'maria_k' },
  text: 'The croissant was stale.',
  createdAt: '2026-11-20T09:15:00Z',
};

describe('generic reply-back against its stand-in', () => {
  let receiver: GenericStandin;
  beforeEach(async () => {
    receiver = await startGenericStandin({ secret: SECRET });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const connector = () => createGenericConnector({ replyUrl: receiver.replyUrl, secret: SECRET });
  const request = {
    target: { externalId: 'reviews:rev-42', authorId: 'u-7', authorHandle: 'maria_k', url: null },
    text: 'Sorry, Maria!',
    idempotencyKey: 'r-1',
  };

  it('posts a signed reply naming the source and the event it answers, once per idempotency key', async () => {
    const first = await connector().reply(request);
    const again = await connector().reply(request);
    expect(receiver.refused).toEqual([]);
    expect(receiver.replies).toEqual([
      {
        id: first.externalId,
        idempotencyKey: 'r-1',
        body: {
          source: 'reviews',
          inReplyTo: 'rev-42',
          author: 'maria_k',
          text: 'Sorry, Maria!',
          idempotencyKey: 'r-1',
        },
      },
    ]);
    expect(again.externalId).toBe(first.externalId);
    expect(first.url).toBe(`https://reviews.example/replies/${first.externalId}`);
  });

  it('is refused by a receiver holding another secret', async () => {
    const other = createGenericConnector({ replyUrl: receiver.replyUrl, secret: 'another-secret-000000' });
    await expect(other.reply(request)).rejects.toMatchObject({ code: 'generic.unauthorized' });
    expect(receiver.refused).toHaveLength(1);
  });

  it('waits out a 429 for Retry-After', async () => {
    receiver.rateLimitNext(1, 45);
    const before = Date.now();
    const error = await connector()
      .reply(request)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'generic.rate_limited', retryable: true });
    const wait = retryAtOf(error)!.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(44_000);
    expect(wait).toBeLessThanOrEqual(46_000);
    expect(receiver.replies).toEqual([]);
  });
});

describe('generic webhook over HTTP', () => {
  let rig: WebhookRig;
  beforeEach(async () => {
    rig = await startWebhookRig((deps) => ({
      'POST /ingest/webhook/:param': genericWebhookHandler({
        ...deps,
        secret: SECRET,
        now: () => new Date(),
      }),
    }));
  });
  afterEach(async () => {
    await rig.close();
  });

  const post = (source: string, body: string, options: { timestamp?: string; signature?: string } = {}) => {
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    return fetch(`${rig.url}/ingest/webhook/${source}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-firsthand-timestamp': timestamp,
        'x-firsthand-signature': options.signature ?? genericSignature(SECRET, timestamp, body),
      },
      body,
    });
  };

  it('stores a signed event under its source before answering 200', async () => {
    const response = await post('reviews', JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });
    expect(await storedState(rig)).toEqual({
      mentions: [
        {
          network: 'generic',
          externalId: 'reviews:rev-42',
          inReplyTo: null,
          text: event.text,
          kind: 'mention',
        },
      ],
      jobs: 1,
    });
  });

  it('refuses a replayed request older than five minutes, and a forged one, with 401', async () => {
    const body = JSON.stringify(event);
    const old = String(Math.floor(Date.now() / 1000) - 301);
    const stale = await post('reviews', body, { timestamp: old });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toContain('5-minute window');
    expect(
      (await post('reviews', body, { signature: genericSignature('wrong-secret-00000000', old, body) }))
        .status,
    ).toBe(401);
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  it('refuses a malformed body or source with 400 naming the field, storing none of it', async () => {
    const half = await post(
      'reviews',
      JSON.stringify([event, { ...event, id: 'rev-43', author: { id: 'u-8' } }]),
    );
    expect(half.status).toBe(400);
    expect(((await half.json()) as { error: string }).error).toContain('1.author.handle');
    expect((await post('Bad Source!', JSON.stringify(event))).status).toBe(400);
    expect((await post('reviews', '{nope')).status).toBe(400);
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  it('never crashes or stores anything invalid for fuzzed signed bodies', async () => {
    const eventish = fc.record(
      {
        id: fc.string(),
        author: fc.record(
          { id: fc.string(), handle: fc.string(), followers: fc.oneof(fc.integer(), fc.double()) },
          { requiredKeys: [] },
        ),
        text: fc.oneof(fc.string(), fc.integer()),
        url: fc.oneof(fc.webUrl(), fc.string()),
        createdAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
        ),
        inReplyTo: fc.string(),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.oneof(eventish, fc.array(eventish, { maxLength: 3 })).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await post('fuzz', body);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
    const stored = await storedState(rig);
    for (const mention of stored.mentions) expect(mention.externalId.startsWith('fuzz:')).toBe(true);
    expect(stored.jobs).toBe(stored.mentions.length);
  });
});
