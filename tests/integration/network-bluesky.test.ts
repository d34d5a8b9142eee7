import { AtpAgent } from '@atproto/api';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postReply } from '../../src/bot/replies.worker.js';
import { retryAtOf } from '../../src/contract/errors.js';
import { readCursor } from '../../src/db/cursors.repository.js';
import { findReply } from '../../src/db/replies.repository.js';
import { pollOnce } from '../../src/ingest/poller.js';
import { createBlueskyConnector } from '../../src/network/bluesky/connector.js';
import { type BlueskyPost, type BlueskyStandin, startBlueskyStandin } from '../standins/bluesky.standin.js';
import { startWebhookRig, storedState, type WebhookRig } from './network-support.js';
import { harbourTeamFixture, queuedReplyTo, storeMention } from './routing-support.js';

const HANDLE = 'firsthand.bsky.social';
const PASSWORD = 'app-password-1234';

describe('Bluesky connector against the PDS stand-in', () => {
  let pds: BlueskyStandin;
  let rig: WebhookRig;
  beforeEach(async () => {
    pds = await startBlueskyStandin({ handle: HANDLE, password: PASSWORD });
    rig = await startWebhookRig(() => ({}));
  });
  afterEach(async () => {
    await pds.close();
    await rig.close();
  });

  const connect = () =>
    createBlueskyConnector({ service: pds.service, identifier: HANDLE, password: PASSWORD });
  const deps = () => ({ db: rig.db.db, queues: rig.queues, now: () => new Date(), firstLookbackHours: 24 });

  it('polls mentions, replies and quotes, keeps its position, and skips what it has seen', async () => {
    const sam = pds.addActor('sam.bsky.social', 'Sam');
    const ours = pds.addOwnPost('New autumn menu is out!');
    const mention = pds.addPost({ author: sam, text: `@${HANDLE} are you open today?` });
    const reply = pds.addPost({ author: sam, text: 'the pumpkin one?', replyTo: ours.uri });
    const quote = pds.addPost({ author: sam, text: 'look at this', quote: ours.uri });
    pds.addPost({ author: sam, text: 'unrelated post' });
    for (let i = 0; i < 55; i++) pds.addPost({ author: sam, text: `@${HANDLE} question ${i}` });

    const connector = connect();
    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 58, tooOld: 0 });
    const stored = await storedState(rig);
    expect(stored.mentions.find((m) => m.externalId === reply.uri)).toMatchObject({
      inReplyTo: ours.uri,
      kind: 'reply',
    });
    expect(stored.mentions.find((m) => m.externalId === mention.uri)).toMatchObject({ kind: 'mention' });
    expect(stored.mentions.some((m) => m.externalId === quote.uri)).toBe(true);
    const position = await readCursor(rig.db.db, 'bluesky', 'mentions');
    expect(position).toBeDefined();

    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 0, tooOld: 0 });
    const later = pds.addPost({ author: sam, text: `@${HANDLE} one more` });
    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 1, tooOld: 0 });
    expect((await storedState(rig)).mentions.at(-1)?.externalId).toBe(later.uri);
    expect(await readCursor(rig.db.db, 'bluesky', 'mentions')).not.toBe(position);
  });

  it('picks up a mention dated before the newest it has seen (a slow clock, a late index), once', async () => {
    const sam = pds.addActor('sam.bsky.social', 'Sam');
    pds.addPost({ author: sam, text: `@${HANDLE} first question` });
    const connector = connect();
    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 1, tooOld: 0 });
    // The AppView dates it by its createdAt, a minute before the one already polled.
    const late = pds.addPost({
      author: sam,
      text: `@${HANDLE} my phone clock is slow`,
      createdAt: new Date(Date.now() - 60_000),
    });
    const polled = await connector.poll(await readCursor(rig.db.db, 'bluesky', 'mentions'));
    expect(polled.mentions.map((m) => m.externalId)).toEqual([late.uri]);
    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 1, tooOld: 0 });
    expect(await pollOnce(deps(), connector)).toEqual({ accepted: 0, tooOld: 0 });
  });

  it('pages on past an empty page that still has a cursor, as the AppView sends when it filtered one out', async () => {
    const sam = pds.addActor('sam.bsky.social', 'Sam');
    const mention = pds.addPost({ author: sam, text: `@${HANDLE} still there?` });
    pds.emptyPagesFirst(2);
    const { mentions } = await connect().poll(undefined);
    expect(mentions.map((m) => m.externalId)).toEqual([mention.uri]);
  });

  it('replies deep in a thread with the thread root, the parent, and a resolved mention facet', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const first = pds.addPost({ author: sam, text: `@${HANDLE} my order is late` });
    const ours = pds.addOwnPost('Sorry! Checking now.');
    // Thread our own reply under Sam's first post, then Sam answers it.
    pds.posts.get(ours.uri)!.record.reply = {
      root: { uri: first.uri, cid: first.cid },
      parent: { uri: first.uri, cid: first.cid },
    };
    const followUp = pds.addPost({ author: sam, text: 'still waiting', replyTo: ours.uri });

    const result = await connect().reply({
      target: { externalId: followUp.uri, authorId: sam.did, authorHandle: 'sam.bsky.social', url: null },
      text: '@sam.bsky.social on its way: https://example.com/track',
      idempotencyKey: 'r1',
    });
    expect(pds.created).toHaveLength(1);
    const record = pds.created[0]!.record;
    expect(record.reply).toEqual({
      root: { uri: first.uri, cid: first.cid },
      parent: { uri: followUp.uri, cid: followUp.cid },
    });
    expect(record.facets).toMatchObject([
      {
        index: { byteStart: 0, byteEnd: 16 },
        features: [{ $type: 'app.bsky.richtext.facet#mention', did: sam.did }],
      },
      {
        index: { byteStart: 29, byteEnd: 54 },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/track' }],
      },
    ]);
    expect(result.externalId).toBe(pds.created[0]!.uri);
    expect(result.url).toMatch(/^https:\/\/bsky\.app\/profile\/firsthand\.bsky\.social\/post\//);
  });

  const replyTo = (post: BlueskyPost, text: string) => ({
    target: { externalId: post.uri, authorId: post.authorDid, authorHandle: 'sam.bsky.social', url: null },
    text,
    idempotencyKey: `reply-${post.uri}`,
  });
  const webUrl = (uri: string) => `https://bsky.app/profile/${HANDLE}/post/${uri.split('/').at(-1)}`;

  it('finds the post a reply made although its answer was lost, even behind a page of newer posts', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} is the patio open?` });
    const request = replyTo(post, 'It is, until nine tonight.');
    const since = new Date(Date.now() - 1000);
    const connector = connect();
    pds.loseAnswers('POST', '/xrpc/com.atproto.repo.createRecord');
    await expect(connector.reply(request)).rejects.toMatchObject({
      code: 'bluesky.unreachable',
      retryable: true,
    });
    const stored = pds.created.filter((c) => c.record.reply?.parent.uri === post.uri);
    expect(stored.map((c) => c.record.text)).toEqual([request.text]);
    const lost = stored[0]!.uri;

    expect(await connector.findEarlierReply!(request, since, new Set())).toEqual({
      externalId: lost,
      url: webUrl(lost),
    });
    for (let i = 0; i < 60; i++) pds.addOwnPost(`Today's special, number ${i}`);
    expect((await connector.findEarlierReply!(request, since, new Set()))?.externalId).toBe(lost);
  });

  it('says it cannot tell, rather than answer no, when we posted more since than it reads back', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} is the patio open?` });
    const since = new Date(Date.now() - 1000);
    for (let i = 0; i < 501; i++) pds.addOwnPost(`Post ${i}`);
    const request = {
      target: { externalId: post.uri, authorId: sam.did, authorHandle: 'sam.bsky.social', url: null },
      text: 'It is, until nine tonight.',
      idempotencyKey: 'r1',
    };
    await expect(connect().findEarlierReply!(request, since, new Set())).rejects.toMatchObject({
      code: 'bluesky.reply_unconfirmed',
      retryable: false,
    });
  });

  it('finds nothing that only looks like the reply: another text, another parent, an older post, one recorded', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} is the patio open?` });
    const other = pds.addPost({ author: sam, text: `@${HANDLE} and for dogs?` });
    const request = replyTo(post, 'It is, until nine tonight.');
    const since = new Date(Date.now() - 1000);
    const connector = connect();
    await connector.reply(replyTo(other, request.text));
    expect(await connector.findEarlierReply!(request, since, new Set())).toBeUndefined();
    await connector.reply({ ...request, text: 'Closed today, sorry.' });
    expect(await connector.findEarlierReply!(request, since, new Set())).toBeUndefined();

    const posted = await connector.reply(request);
    expect(await connector.findEarlierReply!(request, since, new Set())).toEqual(posted);
    const later = new Date(Date.now() + 60_000);
    expect(await connector.findEarlierReply!(request, later, new Set())).toBeUndefined();
    expect(await connector.findEarlierReply!(request, since, new Set([posted.externalId]))).toBeUndefined();
  });

  it("lists a repo's posts as a PDS does: newest first, by cursor, or oldest first when reversed", async () => {
    const sam = pds.addActor('sam.bsky.social');
    const [a, b, c] = ['one', 'two', 'three'].map((text) => pds.addOwnPost(text));
    pds.addPost({ author: sam, text: 'not ours' });
    const agent = new AtpAgent({ service: pds.service });
    const list = (params: { limit?: number; cursor?: string; reverse?: boolean }) =>
      agent.com.atproto.repo
        .listRecords({ repo: HANDLE, collection: 'app.bsky.feed.post', ...params })
        .then(({ data }) => ({ uris: data.records.map((r) => r.uri), cursor: data.cursor }));
    await expect(list({})).rejects.toMatchObject({ status: 401 });
    await agent.login({ identifier: HANDLE, password: PASSWORD });

    const first = await list({ limit: 2 });
    expect(first.uris).toEqual([c!.uri, b!.uri]);
    expect((await list({ limit: 2, cursor: first.cursor! })).uris).toEqual([a!.uri]);
    expect((await list({ reverse: true })).uris).toEqual([a!.uri, b!.uri, c!.uri]);
    const { data } = await agent.com.atproto.repo.listRecords({
      repo: pds.account.did,
      collection: 'app.bsky.feed.post',
      limit: 1,
    });
    expect(data.records).toEqual([{ uri: c!.uri, cid: c!.cid, value: c!.record }]);
  });

  it('refreshes an expired access token, and logs in again when the refresh token is gone too', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const connector = connect();
    await connector.poll(undefined);
    expect(pds.sessionsCreated).toBe(1);
    pds.expireAccessTokens();
    pds.addPost({ author: sam, text: `@${HANDLE} hello` });
    expect((await connector.poll(undefined)).mentions).toHaveLength(1);
    expect(pds.calls).toContain('com.atproto.server.refreshSession');
    expect(pds.sessionsCreated).toBe(2);
    pds.expireSessions();
    expect((await connector.poll(undefined)).mentions).toHaveLength(1);
    expect(pds.calls.filter((c) => c === 'com.atproto.server.createSession')).toHaveLength(2);
  });

  it('turns a 429 into a retryable error that waits for RateLimit-Reset', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} hi` });
    pds.rateLimitNext('com.atproto.repo.createRecord', 1, 90);
    const before = Date.now();
    const error = await connect()
      .reply({
        target: { externalId: post.uri, authorId: sam.did, authorHandle: 'sam.bsky.social', url: null },
        text: 'hello',
        idempotencyKey: 'k',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bluesky.rate_limited', retryable: true });
    const wait = retryAtOf(error)!.getTime() - before;
    expect(wait).toBeGreaterThan(88_000);
    expect(wait).toBeLessThanOrEqual(91_000);
    expect(pds.created).toHaveLength(0);
  });

  it('makes no call at all until the reset once the PDS has said 429', async () => {
    const connector = connect();
    await connector.poll(undefined);
    pds.rateLimitNext('app.bsky.notification.listNotifications', 1, 200);
    await expect(connector.poll(undefined)).rejects.toMatchObject({ code: 'bluesky.rate_limited' });
    const calls = pds.calls.length;
    await expect(connector.poll(undefined)).rejects.toMatchObject({ code: 'bluesky.rate_limited' });
    expect(pds.calls.length).toBe(calls);
  });

  it('refuses a reply over 300 graphemes before calling the network, and wrong credentials permanently', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} hi` });
    await expect(
      connect().reply({
        target: { externalId: post.uri, authorId: sam.did, authorHandle: 'sam', url: null },
        text: '👍'.repeat(301),
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ code: 'reply.too_long' });
    const wrong = createBlueskyConnector({ service: pds.service, identifier: HANDLE, password: 'nope' });
    await expect(wrong.poll(undefined)).rejects.toMatchObject({
      code: 'bluesky.unauthorized',
      retryable: false,
    });
  });
});

describe('a Bluesky reply whose answer was lost is published once', () => {
  const f = harbourTeamFixture('postgres', (q) =>
    Promise.all([q.replies, q.mentions].map((queue) => queue.obliterate({ force: true }))),
  );
  let pds: BlueskyStandin;
  beforeEach(async () => {
    pds = await startBlueskyStandin({ handle: HANDLE, password: PASSWORD });
  });
  afterEach(() => pds.close());

  it('records the post the PDS took on the retry, instead of posting it again', async () => {
    const sam = pds.addActor('sam.bsky.social');
    const post = pds.addPost({ author: sam, text: `@${HANDLE} is my bike ready?` });
    const mention = await storeMention(
      f.database.db,
      post.record.text,
      { id: sam.did, handle: sam.handle },
      { network: 'bluesky', externalId: post.uri },
    );
    const reply = await queuedReplyTo(f, mention.id, { text: 'It is ready: come by any time before six.' });
    const connector = createBlueskyConnector({
      service: pds.service,
      identifier: HANDLE,
      password: PASSWORD,
    });
    const deps = (now: Date) => ({
      db: f.database.db,
      queues: f.queues,
      connectors: new Map([['bluesky' as const, connector]]),
      logger: pino({ level: 'silent' }),
      now: () => now,
    });

    const attempt = new Date();
    pds.loseAnswers('POST', '/xrpc/com.atproto.repo.createRecord');
    await expect(postReply(deps(attempt), reply.id)).rejects.toMatchObject({
      code: 'bluesky.unreachable',
      retryable: true,
    });
    expect(await findReply(f.database.db, reply.id)).toMatchObject({
      status: 'queued',
      attemptedAt: attempt,
    });

    await postReply(deps(new Date(attempt.getTime() + 16_000)), reply.id);
    expect(pds.created).toHaveLength(1);
    expect(await findReply(f.database.db, reply.id)).toMatchObject({
      status: 'posted',
      networkReplyId: pds.created[0]!.uri,
    });
  });
});
