import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, retryAtOf } from '../../src/contract/errors.js';
import { readCursor } from '../../src/db/cursors.repository.js';
import { mentions } from '../../src/db/schema.js';
import { pollOnce } from '../../src/ingest/poller.js';
import { xCrcResponseToken, xSignature } from '../../src/network/signatures.js';
import { createXConnector } from '../../src/network/x/connector.js';
import { xCrcHandler, xEventsHandler } from '../../src/network/x/webhook.js';
import { startXStandin, type XStandin } from '../standins/x.standin.js';
import { startWebhookRig, storedState, type WebhookRig } from './network-support.js';

const TOKEN = 'x-user-token';
const SECRET = 'test_consumer_secret';
const account = { id: '2244994945', username: 'FirsthandCafe', name: 'Firsthand Café' };
const customer = { id: '6253282', username: 'hungry_sam', name: 'Sam' };

describe('X connector against the X stand-in', () => {
  let x: XStandin;
  let rig: WebhookRig;

  beforeEach(async () => {
    x = await startXStandin({ token: TOKEN, account });
    rig = await startWebhookRig(() => ({}));
  });
  afterEach(async () => {
    await x.close();
    await rig.close();
  });

  const connector = () => createXConnector({ apiUrl: x.apiUrl, token: TOKEN, userId: account.id });
  const pollDeps = () => ({
    db: rig.db.db,
    queues: rig.queues,
    now: () => new Date(),
    firstLookbackHours: 24,
  });

  it('polls mentions with since_id across pages and keeps the newest id as the cursor', async () => {
    const first = x.addMention({ author: customer, text: '@FirsthandCafe is the patio open?' });
    for (let i = 0; i < 104; i++) x.addMention({ author: customer, text: `@FirsthandCafe question ${i}` });
    const reply = x.addMention({ author: customer, text: '@FirsthandCafe and dogs?', inReplyTo: first.id });

    expect(await pollOnce(pollDeps(), connector())).toEqual({ accepted: 106, tooOld: 0 });
    const stored = await storedState(rig);
    expect(stored.mentions).toHaveLength(106);
    expect(stored.mentions.find((m) => m.externalId === reply.id)).toMatchObject({
      inReplyTo: first.id,
      kind: 'reply',
    });
    expect(await readCursor(rig.db.db, 'x', 'mentions')).toBe(reply.id);
    expect(x.requests.filter((r) => r.path.endsWith('/mentions'))).toHaveLength(2);

    const later = x.addMention({ author: customer, text: '@FirsthandCafe one more' });
    expect(await pollOnce(pollDeps(), connector())).toEqual({ accepted: 1, tooOld: 0 });
    const sinceIds = x.requests
      .filter((r) => r.path.endsWith('/mentions'))
      .map((r) => r.query.get('since_id'));
    expect(sinceIds.at(-1)).toBe(reply.id);
    expect(await readCursor(rig.db.db, 'x', 'mentions')).toBe(later.id);
    expect(await pollOnce(pollDeps(), connector())).toEqual({ accepted: 0, tooOld: 0 });
  });

  it("takes only the last day on an account's first poll, and everything since its position after that", async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    x.addMention({ author: customer, text: '@FirsthandCafe loved the brunch', createdAt: daysAgo(90) });
    x.addMention({ author: customer, text: '@FirsthandCafe open on Sunday?', createdAt: daysAgo(3) });
    const recent = x.addMention({
      author: customer,
      text: '@FirsthandCafe my order is late',
      createdAt: daysAgo(0.1),
    });

    expect(await pollOnce(pollDeps(), connector())).toEqual({ accepted: 1, tooOld: 2 });
    expect((await storedState(rig)).mentions.map((m) => m.externalId)).toEqual([recent.id]);
    expect(await readCursor(rig.db.db, 'x', 'mentions')).toBe(recent.id);

    // With a position, nothing is left behind for its age: a long outage loses no mention.
    const lateArrival = x.addMention({
      author: customer,
      text: '@FirsthandCafe hello?',
      createdAt: daysAgo(2),
    });
    expect(await pollOnce(pollDeps(), connector())).toEqual({ accepted: 1, tooOld: 0 });
    expect((await storedState(rig)).mentions.map((m) => m.externalId)).toContain(lateArrival.id);
  });

  it('replies threaded to the mention and returns the new post', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe do you deliver?' });
    const result = await connector().reply({
      target: { externalId: mention.id, authorId: customer.id, authorHandle: customer.username, url: null },
      text: '@hungry_sam we do, within 5 km!',
      idempotencyKey: 'reply-1',
    });
    expect(x.created).toEqual([
      {
        id: result.externalId,
        body: { text: '@hungry_sam we do, within 5 km!', reply: { in_reply_to_tweet_id: mention.id } },
      },
    ]);
    expect(result.url).toBe(`https://x.com/FirsthandCafe/status/${result.externalId}`);
  });

  it('finds our earlier reply to a mention only by its parent, its text and its time', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe do you deliver?' });
    const other = x.addMention({ author: customer, text: '@FirsthandCafe and on Sundays?' });
    const request = {
      target: { externalId: mention.id, authorId: customer.id, authorHandle: customer.username, url: null },
      text: 'We do, within 5 km & free over 20 €.',
      idempotencyKey: 'reply-1',
    };
    const since = new Date(Date.now() - 1000);
    const c = connector();
    await c.reply({ ...request, target: { ...request.target, externalId: other.id } });
    await c.reply({ ...request, text: 'Something else entirely.' });
    expect(await c.findEarlierReply!(request, since, new Set())).toBeUndefined();

    // X starts a reply with the handle it answers and escapes & as &amp;; neither makes it another text.
    const posted = await c.reply({ ...request, text: `@${customer.username} ${request.text}` });
    x.posts.find((p) => p.id === posted.externalId)!.text =
      `@${customer.username} We do, within 5 km &amp; free over 20 €.`;
    expect(await c.findEarlierReply!(request, since, new Set())).toEqual(posted);
    expect(await c.findEarlierReply!(request, since, new Set([posted.externalId]))).toBeUndefined();
    expect(await c.findEarlierReply!(request, new Date(Date.now() + 60_000), new Set())).toBeUndefined();
    expect(
      x.requests
        .filter((r) => r.path.endsWith('/tweets'))
        .at(-1)
        ?.query.get('start_time'),
    ).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('says it cannot tell, rather than answer no, when we posted more since than one page shows', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe do you deliver?' });
    const since = new Date(Date.now() - 1000);
    const c = connector();
    for (let i = 0; i < 101; i++) {
      const other = x.addMention({ author: customer, text: `@FirsthandCafe question ${i}` });
      await c.reply({
        target: { externalId: other.id, authorId: customer.id, authorHandle: customer.username, url: null },
        text: `Answer ${i}`,
        idempotencyKey: `r-${i}`,
      });
    }
    const request = {
      target: { externalId: mention.id, authorId: customer.id, authorHandle: customer.username, url: null },
      text: 'We do.',
      idempotencyKey: 'reply-1',
    };
    await expect(c.findEarlierReply!(request, since, new Set())).rejects.toMatchObject({
      code: 'x.reply_unconfirmed',
      retryable: false,
      message: expect.stringContaining('check on X before sending it again'),
    });
  });

  it('tells a repeated recent text from a retry X refuses as a duplicate', async () => {
    const first = x.addMention({ author: customer, text: '@FirsthandCafe open today?' });
    const second = x.addMention({ author: customer, text: '@FirsthandCafe and tomorrow?' });
    const answer = (externalId: string) => ({
      target: { externalId, authorId: customer.id, authorHandle: customer.username, url: null },
      text: 'Yes, from nine.',
      idempotencyKey: `r-${externalId}`,
    });
    await connector().reply(answer(first.id));
    await expect(connector().reply(answer(second.id))).rejects.toMatchObject({
      code: 'x.duplicate',
      retryable: false,
      message: expect.stringContaining('reword it'),
    });
    await expect(connector().reply({ ...answer(second.id), retrying: true })).rejects.toMatchObject({
      code: 'x.reply_unconfirmed',
      retryable: false,
    });
    expect(x.created).toHaveLength(1);
  });

  it('turns a 429 into a retryable error that waits for x-rate-limit-reset', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe hi' });
    x.rateLimitNext('/2/tweets', 1, 120);
    const before = Date.now();
    const error = await connector()
      .reply({
        target: { externalId: mention.id, authorId: customer.id, authorHandle: 'hungry_sam', url: null },
        text: 'hello',
        idempotencyKey: 'k',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('x.rate_limited');
    expect((error as AppError).retryable).toBe(true);
    const retryAt = retryAtOf(error)!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 119_000);
    expect(retryAt).toBeLessThanOrEqual(before + 121_000);
    expect(x.created).toHaveLength(0);
  });

  it('stops polling an endpoint until its reset once X has said 429', async () => {
    x.addMention({ author: customer, text: '@FirsthandCafe hello' });
    const polling = connector();
    await polling.poll(undefined); // learns our handle first
    x.rateLimitNext('/2/users/2244994945/mentions', 1, 300);
    await expect(polling.poll(undefined)).rejects.toMatchObject({ code: 'x.rate_limited' });
    const asked = x.requests.length;
    const again = await polling.poll(undefined).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'x.rate_limited' });
    expect(retryAtOf(again)!.getTime()).toBeGreaterThan(Date.now() + 290_000);
    expect(x.requests.length).toBe(asked);
    // Another endpoint has its own window.
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe hi' });
    await polling.reply({
      target: { externalId: mention.id, authorId: customer.id, authorHandle: 'hungry_sam', url: null },
      text: 'hey',
      idempotencyKey: 'k',
    });
    expect(x.created).toHaveLength(1);
  });

  it('reports refused credentials as a permanent failure', async () => {
    const bad = createXConnector({ apiUrl: x.apiUrl, token: 'wrong', userId: account.id });
    await expect(bad.poll(undefined)).rejects.toMatchObject({ code: 'x.unauthorized', retryable: false });
  });
});

describe('X private replies against the X stand-in', () => {
  let x: XStandin;
  beforeEach(async () => {
    x = await startXStandin({ token: TOKEN, account });
  });
  afterEach(async () => {
    await x.close();
  });

  const connector = () => createXConnector({ apiUrl: x.apiUrl, token: TOKEN, userId: account.id });
  const privately = (externalId: string, text: string, author: { id: string; username: string } = customer) =>
    connector().reply({
      target: { externalId, authorId: author.id, authorHandle: author.username, url: null },
      text,
      idempotencyKey: 'private-1',
      visibility: 'private',
    });

  it('sends a direct message to the author of the post, without looking the post up, and posts nothing publicly', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe my order never came' });
    const result = await privately(mention.id, 'So sorry! Can you send us the order number?');
    expect(x.directMessages).toEqual([
      {
        eventId: result.externalId,
        conversationId: `${customer.id}-${account.id}`,
        participantId: customer.id,
        text: 'So sorry! Can you send us the order number?',
        createdAt: expect.any(String),
      },
    ]);
    expect(result.url).toBe(`https://x.com/messages/${customer.id}-${account.id}`);
    expect(x.created).toEqual([]);
    expect(x.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /2/dm_conversations/with/${customer.id}/messages`,
    ]);
  });

  it('gives up, saying why, when the customer takes no direct messages from us', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe refund please' });
    x.closeInbox(customer.id);
    const error = await privately(mention.id, 'We will look into it.').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'x.private_reply_refused', retryable: false });
    expect((error as AppError).message).toContain('@hungry_sam');
    expect(x.directMessages).toEqual([]);
  });

  it('gives up on an account X no longer knows, and on a text X refuses as empty or too long', async () => {
    const gone = { id: '1234', username: 'gone_rider' };
    await expect(privately('5678', 'Hello', gone)).rejects.toMatchObject({
      code: 'x.rejected',
      retryable: false,
    });
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe hi' });
    await expect(privately(mention.id, ' ')).rejects.toMatchObject({ code: 'x.rejected', retryable: false });
    await expect(privately(mention.id, 'a'.repeat(10_001))).rejects.toMatchObject({
      code: 'x.rejected',
      retryable: false,
    });
    await privately(mention.id, 'a'.repeat(10_000));
    expect(x.directMessages).toHaveLength(1);
  });

  it('waits for the reset of the direct-message window, whoever the next message is for', async () => {
    const first = x.addMention({ author: customer, text: '@FirsthandCafe one' });
    const other = { id: '783214', username: 'other_rider' };
    const second = x.addMention({ author: other, text: '@FirsthandCafe two' });
    x.rateLimitNext('/2/dm_conversations', 1, 300);
    const dm = connector();
    const send = (externalId: string, author: { id: string; username: string }) =>
      dm.reply({
        target: { externalId, authorId: author.id, authorHandle: author.username, url: null },
        text: 'Thanks, we are on it.',
        idempotencyKey: externalId,
        visibility: 'private',
      });
    await expect(send(first.id, customer)).rejects.toMatchObject({ code: 'x.rate_limited' });
    const asked = x.requests.filter((r) => r.path.startsWith('/2/dm_conversations')).length;
    await expect(send(second.id, other)).rejects.toMatchObject({ code: 'x.rate_limited' });
    expect(x.requests.filter((r) => r.path.startsWith('/2/dm_conversations')).length).toBe(asked);
    expect(x.directMessages).toEqual([]);
  });
});

describe('X Account Activity webhook over HTTP', () => {
  let x: XStandin;
  let rig: WebhookRig;

  beforeAll(async () => {
    x = await startXStandin({ token: TOKEN, account });
  });
  afterAll(async () => {
    await x.close();
  });
  beforeEach(async () => {
    rig = await startWebhookRig((deps) => ({
      'GET /ingest/x/webhook': xCrcHandler({ consumerSecret: SECRET }),
      'POST /ingest/x/webhook': xEventsHandler({ ...deps, consumerSecret: SECRET }),
    }));
  });
  afterEach(async () => {
    await rig.close();
  });

  const post = (body: string, signature = xSignature(SECRET, body)) =>
    fetch(`${rig.url}/ingest/x/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      body,
    });

  it('answers the CRC challenge', async () => {
    const response = await fetch(`${rig.url}/ingest/x/webhook?crc_token=challenge_string`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ response_token: xCrcResponseToken(SECRET, 'challenge_string') });
    expect((await fetch(`${rig.url}/ingest/x/webhook`)).status).toBe(400);
  });

  it('stores a signed mention before answering 200, once however often it is delivered', async () => {
    const mention = x.addMention({ author: customer, text: '@FirsthandCafe the oat latte was cold' });
    const body = JSON.stringify(x.activityEvent(mention));
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });
    expect(await (await post(body)).json()).toEqual({ accepted: 0, duplicate: 1 });
    const stored = await storedState(rig);
    expect(stored.mentions).toEqual([
      { network: 'x', externalId: mention.id, inReplyTo: null, text: mention.text, kind: 'mention' },
    ]);
    expect(stored.jobs).toBe(1);
  });

  it('stores a direct message under its sender, and leaves out the messages we sent', async () => {
    const { id, delivery } = x.directMessageEvent({
      from: { ...customer, name: 'Maya Ortiz' },
      text: 'Can I change my order?',
    });
    const events = delivery.direct_message_events as Record<string, unknown>[];
    // Account Activity delivers our own messages too: the answer we sent must not come back as work.
    const ours = {
      ...events[0],
      id: '1999999999999999999',
      message_create: {
        target: { recipient_id: customer.id },
        sender_id: account.id,
        message_data: { text: 'Of course.' },
      },
    };
    const response = await post(JSON.stringify({ ...delivery, direct_message_events: [...events, ours] }));
    expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });
    expect((await storedState(rig)).mentions).toEqual([
      {
        network: 'x',
        externalId: id,
        inReplyTo: null,
        text: 'Can I change my order?',
        kind: 'direct_message',
      },
    ]);
    const [row] = await rig.db.db.select().from(mentions);
    expect(row).toMatchObject({
      authorId: customer.id,
      authorHandle: customer.username,
      authorName: 'Maya Ortiz',
    });
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(
      x.activityEvent(x.addMention({ author: customer, text: '@FirsthandCafe hi' })),
    );
    expect((await post(body, xSignature('other', body))).status).toBe(401);
    expect((await post(body, '')).status).toBe(401);
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  it('refuses a malformed body with 400 naming the field', async () => {
    const event = x.activityEvent(x.addMention({ author: customer, text: '@FirsthandCafe hi' })) as {
      tweet_create_events: Record<string, unknown>[];
    };
    const good = { ...event.tweet_create_events[0] };
    const body = JSON.stringify({
      ...event,
      tweet_create_events: [good, { ...good, id_str: '2', user: {} }],
    });
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(
      'tweet_create_events.1.user.id_str',
    );
    expect((await post('{"for_user_id":')).status).toBe(400);
    // Half-valid: the good first event must not be stored either.
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  it('never crashes or stores anything invalid for fuzzed signed bodies', async () => {
    const tweetish = fc.record(
      {
        id_str: fc.oneof(fc.string(), fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }).map(String)),
        created_at: fc.oneof(fc.string(), fc.constant('Mon May 19 14:01:46 +0000 2025')),
        text: fc.string(),
        user: fc.record({ id_str: fc.string(), screen_name: fc.string() }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record(
          {
            for_user_id: fc.oneof(fc.constant('2244994945'), fc.string()),
            tweet_create_events: fc.array(tweetish, { maxLength: 3 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await post(body);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
    const stored = await storedState(rig);
    for (const mention of stored.mentions) {
      expect(mention.externalId).toMatch(/^\d{1,19}$/);
      expect(mention.network).toBe('x');
    }
    expect(stored.jobs).toBe(stored.mentions.length);
  });
});
