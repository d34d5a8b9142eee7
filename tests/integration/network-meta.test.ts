import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asc } from 'drizzle-orm';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EARLIER_REPLY_SETTLE_MS, postReply } from '../../src/bot/replies.worker.js';
import { retryAtOf } from '../../src/contract/errors.js';
import { findReply } from '../../src/db/replies.repository.js';
import { mentions } from '../../src/db/schema.js';
import type { NetworkConnector, ReplyRequest } from '../../src/network/connector.js';
import { createFacebookConnector } from '../../src/network/meta/facebook.connector.js';
import { SENDER_LOOKUP_TIMEOUT_MS } from '../../src/network/meta/graph.js';
import { createInstagramConnector } from '../../src/network/meta/instagram.connector.js';
import { igMentionExternalId } from '../../src/network/meta/normalize.js';
import { metaEventsHandler, metaVerifyHandler } from '../../src/network/meta/webhook.js';
import { metaSignature } from '../../src/network/signatures.js';
import { type MetaStandin, startMetaStandin } from '../standins/meta.standin.js';
import { startWebhookRig, storedState, type WebhookRig } from './network-support.js';
import { harbourTeamFixture, owedToSlack, queuedReplyTo, SAM, storeMention } from './routing-support.js';

const PAGE_TOKEN = 'page-token';
const IG_TOKEN = 'ig-token';
const APP_SECRET = 'test_app_secret';
const PAGE = '1234567890';
const IG_USER = '17841405309211844';
const IG_USERNAME = 'harbour.bikes';
const customer = { id: '5555', name: 'Test User' };
const igCustomer = { id: '232323', username: 'test' };

describe('Facebook and Instagram connectors against the Graph stand-in', () => {
  let meta: MetaStandin;
  beforeEach(async () => {
    meta = await startMetaStandin({ tokens: [PAGE_TOKEN, IG_TOKEN] });
  });
  afterEach(async () => {
    await meta.close();
  });

  it('replies to a Facebook comment under that comment', async () => {
    const { comment } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: customer,
      message: 'Ship to Canada?',
    });
    const facebook = createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN });
    const result = await facebook.reply({
      target: { externalId: comment.id, authorId: customer.id, authorHandle: 'Test User', url: null },
      text: 'Yes, we do!',
      idempotencyKey: 'r1',
    });
    expect(meta.posted).toEqual([
      {
        path: `/${comment.id}/comments`,
        id: result.externalId,
        parentId: comment.id,
        message: 'Yes, we do!',
      },
    ]);
  });

  it("answers a visitor's post on the Page with a comment on it", async () => {
    const { post } = meta.addVisitorPost({
      pageId: PAGE,
      from: customer,
      message: 'Your shop was closed at 3pm?',
    });
    const facebook = createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN });
    await facebook.reply({
      target: {
        externalId: post.id,
        authorId: customer.id,
        authorHandle: 'Test User',
        url: null,
        kind: 'mention',
      },
      text: 'Sorry, we closed early for a delivery.',
      idempotencyKey: 'r-post',
    });
    expect(meta.posted).toMatchObject([{ path: `/${post.id}/comments`, parentId: post.id }]);
  });

  it("gives up on a sender's name when Graph does not answer, so the webhook is not held", async () => {
    // A Graph host that takes the request and never answers.
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      const facebook = createFacebookConnector({
        graphUrl: `http://127.0.0.1:${port}/v21.0`,
        token: PAGE_TOKEN,
      });
      const started = Date.now();
      await expect(facebook.describeSender('5555')).rejects.toMatchObject({ code: 'facebook.unreachable' });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(SENDER_LOOKUP_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(SENDER_LOOKUP_TIMEOUT_MS + 2000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('replies to an Instagram comment with /replies and to an @mention with /mentions', async () => {
    const instagram = createInstagramConnector({ graphUrl: meta.graphUrl, token: IG_TOKEN, userId: IG_USER });
    const { comment } = meta.addIgComment({
      igUserId: IG_USER,
      mediaId: '123123',
      from: igCustomer,
      text: 'Love it',
    });
    await instagram.reply({
      target: { externalId: comment.id, authorId: igCustomer.id, authorHandle: 'test', url: null },
      text: 'Thank you!',
      idempotencyKey: 'a',
    });
    const mentioned = meta.addIgMention({
      igUserId: IG_USER,
      mediaId: '777',
      from: igCustomer,
      text: '@firsthand look',
    });
    await instagram.reply({
      target: {
        externalId: igMentionExternalId('777', mentioned.comment.id),
        authorId: igCustomer.id,
        authorHandle: 'test',
        url: null,
      },
      text: 'Glad you came',
      idempotencyKey: 'b',
    });
    expect(meta.posted.map((p) => [p.path, p.parentId, p.message])).toEqual([
      [`/${comment.id}/replies`, comment.id, 'Thank you!'],
      [`/${IG_USER}/mentions`, mentioned.comment.id, 'Glad you came'],
    ]);
  });

  it('waits out a Page rate limit for the time Meta estimates', async () => {
    const { comment } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: customer,
      message: 'Hi',
    });
    meta.throttleNext(1, 32, 3);
    const facebook = createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN });
    const before = Date.now();
    const error = await facebook
      .reply({
        target: { externalId: comment.id, authorId: customer.id, authorHandle: 'x', url: null },
        text: 'Hello',
        idempotencyKey: 'k',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'facebook.rate_limited', retryable: true });
    const wait = retryAtOf(error)!.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(179_000);
    expect(wait).toBeLessThanOrEqual(181_000);
    expect(meta.posted).toEqual([]);
  });

  it('gives up on a dead token and tells whoever alerts the owner', async () => {
    const { comment } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: customer,
      message: 'Hi',
    });
    meta.expireToken();
    const alerts: string[] = [];
    const facebook = createFacebookConnector({
      graphUrl: meta.graphUrl,
      token: PAGE_TOKEN,
      onAuthFailure: (m) => alerts.push(m),
    });
    await expect(
      facebook.reply({
        target: { externalId: comment.id, authorId: customer.id, authorHandle: 'x', url: null },
        text: 'Hello',
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ code: 'facebook.token_invalid', retryable: false });
    expect(alerts).toEqual([expect.stringContaining('#190')]);
  });
});

describe('Meta private replies against the Graph stand-in', () => {
  const DAY = 24 * 3600_000;
  let clock: Date;
  let meta: MetaStandin;
  beforeEach(async () => {
    clock = new Date('2026-03-02T10:00:00Z');
    meta = await startMetaStandin({
      tokens: [PAGE_TOKEN, IG_TOKEN],
      pages: { [PAGE_TOKEN]: PAGE },
      instagramAccounts: { [IG_USER]: IG_USERNAME },
      now: () => clock,
    });
  });
  afterEach(async () => {
    await meta.close();
  });

  const facebook = () => createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN });
  const instagram = () =>
    createInstagramConnector({ graphUrl: meta.graphUrl, token: IG_TOKEN, userId: IG_USER });
  // Meta addresses a private reply by the comment, never by the author's id.
  const privately = (connector: NetworkConnector, externalId: string, text: string) =>
    connector.reply({
      target: { externalId, authorId: 'unused', authorHandle: 'test', url: null },
      text,
      idempotencyKey: `private-${externalId}`,
      visibility: 'private',
    });
  const pageComment = (message: string) =>
    meta.addPageComment({ pageId: PAGE, postId: `${PAGE}_111`, from: customer, message }).comment;

  /** The answer to a customer's own message, addressed to them, as the replies worker builds it. */
  const inTheirConversation = (connector: NetworkConnector, mid: string, authorId: string, text: string) =>
    connector.reply({
      target: { externalId: mid, authorId, authorHandle: 'test', url: null, kind: 'direct_message' },
      text,
      idempotencyKey: `dm-${mid}`,
      visibility: 'private',
    });

  it('answers a Messenger message in Messenger within 24 hours of it, and gives up after that', async () => {
    const { mid } = meta.addDirectMessage({
      network: 'facebook',
      inboxId: PAGE,
      from: customer,
      text: 'Open Sunday?',
    });
    const sent = await inTheirConversation(facebook(), mid, customer.id, 'From 10 to 4.');
    expect(meta.privateReplies).toEqual([
      {
        path: '/me/messages',
        commentId: undefined,
        recipientId: customer.id,
        messageId: sent.externalId,
        text: 'From 10 to 4.',
        senderId: PAGE,
        createdAt: clock.toISOString(),
      },
    ]);
    clock = new Date(clock.getTime() + DAY + 60_000);
    await expect(inTheirConversation(facebook(), mid, customer.id, 'Still there?')).rejects.toMatchObject({
      code: 'facebook.private_reply_refused',
      retryable: false,
      message: expect.stringContaining("within 24 hours of the customer's last message"),
    });
    expect(meta.privateReplies).toHaveLength(1);
  });

  it('answers an Instagram Direct message from our Instagram account', async () => {
    const { mid } = meta.addDirectMessage({
      network: 'instagram',
      inboxId: IG_USER,
      from: { id: igCustomer.id, username: igCustomer.username },
      text: 'Do you ship to Norway?',
    });
    await inTheirConversation(instagram(), mid, igCustomer.id, 'We do, in 3 days.');
    expect(meta.privateReplies).toMatchObject([
      {
        path: `/${IG_USER}/messages`,
        commentId: undefined,
        recipientId: igCustomer.id,
        text: 'We do, in 3 days.',
      },
    ]);
  });

  it('answers a Facebook comment in Messenger and posts nothing under it', async () => {
    const comment = pageComment('Is my warranty still valid?');
    const result = await privately(facebook(), comment.id, 'Yes, send us your receipt here.');
    expect(meta.privateReplies).toEqual([
      {
        path: '/me/messages',
        commentId: comment.id,
        recipientId: customer.id,
        messageId: result.externalId,
        text: 'Yes, send us your receipt here.',
        senderId: PAGE,
        createdAt: clock.toISOString(),
      },
    ]);
    expect(result.externalId).toMatch(/^m_/);
    expect(meta.posted).toEqual([]);
  });

  it('turns Meta refusing a second private reply to the same comment into a permanent failure', async () => {
    const comment = pageComment('Hello?');
    await privately(facebook(), comment.id, 'Hi! How can we help?');
    const error = await privately(facebook(), comment.id, 'Hi again').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'facebook.private_reply_refused', retryable: false });
    expect((error as Error).message).toMatch(/one per comment, within 7 days.*\(#10\)/);
    expect(meta.privateReplies.map((r) => r.text)).toEqual(['Hi! How can we help?']);
  });

  it('answers privately up to 7 days after the comment and gives up after that', async () => {
    const recent = pageComment('Still open on Sunday?');
    clock = new Date(clock.getTime() + DAY);
    const old = pageComment('Any news?');
    clock = new Date(clock.getTime() + 7 * DAY - 60_000);
    await privately(facebook(), old.id, 'Yes, the part arrived.');
    const error = await privately(facebook(), recent.id, 'Yes, 10 to 4.').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'facebook.private_reply_refused', retryable: false });
    expect((error as Error).message).toContain('outside of allowed window');
    expect(meta.privateReplies.map((r) => r.commentId)).toEqual([old.id]);
  });

  it('refuses a Messenger text over 2000 characters for good', async () => {
    const comment = pageComment('Tell me everything');
    await expect(privately(facebook(), comment.id, 'a'.repeat(2001))).rejects.toMatchObject({
      code: 'facebook.private_reply_refused',
      retryable: false,
      message: expect.stringContaining('2000'),
    });
    await privately(facebook(), comment.id, 'a'.repeat(2000));
    expect(meta.privateReplies).toHaveLength(1);
  });

  it('answers an Instagram comment in Instagram Direct, once', async () => {
    const { comment } = meta.addIgComment({
      igUserId: IG_USER,
      mediaId: '123123',
      from: igCustomer,
      text: 'Price?',
    });
    const result = await privately(instagram(), comment.id, 'Sent you the list!');
    expect(meta.privateReplies).toEqual([
      {
        path: `/${IG_USER}/messages`,
        commentId: comment.id,
        recipientId: igCustomer.id,
        messageId: result.externalId,
        text: 'Sent you the list!',
        senderId: IG_USER,
        createdAt: clock.toISOString(),
      },
    ]);
    await expect(privately(instagram(), comment.id, 'And again')).rejects.toMatchObject({
      code: 'instagram.private_reply_refused',
      retryable: false,
    });
    expect(meta.posted).toEqual([]);
  });

  it('refuses a private reply to an Instagram @mention without asking Meta', async () => {
    const mentioned = meta.addIgMention({
      igUserId: IG_USER,
      mediaId: '777',
      from: igCustomer,
      text: '@firsthand hi',
    });
    await expect(
      privately(instagram(), igMentionExternalId('777', mentioned.comment.id), 'Hello'),
    ).rejects.toMatchObject({ code: 'instagram.private_unsupported', retryable: false });
    expect(meta.privateReplies).toEqual([]);
  });

  it('refuses a private reply to a comment left with another account', async () => {
    const { comment } = meta.addIgComment({ igUserId: '999', mediaId: '555', from: igCustomer, text: 'Hi' });
    await expect(privately(instagram(), comment.id, 'Hello')).rejects.toMatchObject({
      code: 'instagram.private_reply_refused',
      message: expect.stringContaining('Invalid comment_id'),
    });
    expect(meta.privateReplies).toEqual([]);
  });
  describe('reading back a Facebook or Instagram reply whose answer was lost', () => {
    const otherCustomer = { id: '6666', name: 'Other Customer' };
    const igOther = { id: '454545', username: 'other.rider' };
    // `since` as the worker gives it: a little before the attempt, or (for a post older than that) after it.
    const beforeAttempt = () => new Date(clock.getTime() - 60_000);
    const afterAttempt = () => new Date(clock.getTime() + 60_000);
    const publicly = (externalId: string, text: string): ReplyRequest => ({
      target: { externalId, authorId: customer.id, authorHandle: 'Test User', url: null },
      text,
      idempotencyKey: `public-${externalId}`,
    });
    const inConversation = (mid: string, authorId: string, text: string): ReplyRequest => ({
      target: { externalId: mid, authorId, authorHandle: 'test', url: null, kind: 'direct_message' },
      text,
      idempotencyKey: `dm-${mid}`,
      visibility: 'private',
    });
    const find = (connector: NetworkConnector, request: ReplyRequest, since: Date, skip: string[] = []) =>
      connector.findEarlierReply!(request, since, new Set(skip));

    /** Finds `ours` for `request`, and nothing for other words, for a `since` after it, or with it skipped. */
    async function expectOnlyOurs(connector: NetworkConnector, request: ReplyRequest, ours: string) {
      expect(await find(connector, request, beforeAttempt())).toEqual({ externalId: ours, url: undefined });
      const otherWords = { ...request, text: 'Something else entirely.' };
      expect(await find(connector, otherWords, beforeAttempt())).toBeUndefined();
      expect(await find(connector, request, afterAttempt())).toBeUndefined();
      expect(await find(connector, request, beforeAttempt(), [ours])).toBeUndefined();
    }

    const pageComment = (message: string, parentId?: string, from: { id: string; name: string } = customer) =>
      meta.addPageComment({ pageId: PAGE, postId: `${PAGE}_111`, parentId, from, message }).comment;
    const igComment = (text: string, parentId?: string, from = igCustomer) =>
      meta.addIgComment({ igUserId: IG_USER, mediaId: '123123', parentId, from, text }).comment;

    it("finds our comment under a Facebook comment, not a customer's with the same words", async () => {
      const comment = pageComment('Ship to Canada?');
      const request = publicly(comment.id, 'Yes, in 5 days.');
      meta.loseAnswers('POST', `/v21.0/${comment.id}/comments`);
      await expect(facebook().reply(request)).rejects.toMatchObject({
        code: 'facebook.unreachable',
        retryable: true,
      });
      const stored = meta.posted.filter((p) => p.message === request.text);
      expect(stored).toMatchObject([{ parentId: comment.id }]);
      // The customer repeats our words after us: newest first, theirs is read before ours.
      pageComment('Yes, in 5 days.', comment.id);

      await expectOnlyOurs(facebook(), request, stored[0]!.id);
      const elsewhere = pageComment('And to Mexico?');
      pageComment('Yes, in 5 days.', elsewhere.id, otherCustomer);
      expect(
        await find(facebook(), publicly(elsewhere.id, 'Yes, in 5 days.'), beforeAttempt()),
      ).toBeUndefined();
      expect(meta.posted).toHaveLength(1);
    });

    it('finds our answer to a Facebook reply under the comment that reply answered too', async () => {
      const top = pageComment('Ship to Canada?');
      const reply = pageComment('And to Mexico?', top.id);
      const request = {
        ...publicly(reply.id, 'Both, in 5 days.'),
        target: { ...publicly(reply.id, '').target, kind: 'reply', inReplyTo: top.id },
      };
      // Facebook filed our answer beside the reply, under the top-level comment.
      const ours = pageComment('Both, in 5 days.', top.id, { id: PAGE, name: 'Harbour Street Bikes' });
      expect(await find(facebook(), request, beforeAttempt())).toEqual({
        externalId: ours.id,
        url: undefined,
      });
      // A comment that is no reply is looked for under itself only.
      const plain = { ...request, target: { ...request.target, kind: 'comment' } };
      expect(await find(facebook(), plain, beforeAttempt())).toBeUndefined();
    });

    it('pages back through newer comments to find ours', async () => {
      const comment = pageComment('Ship to Canada?');
      const request = publicly(comment.id, 'Yes, in 5 days.');
      meta.loseAnswers('POST', `/v21.0/${comment.id}/comments`);
      await expect(facebook().reply(request)).rejects.toMatchObject({ retryable: true });
      for (let i = 0; i < 120; i++) pageComment(`Me too, ${i}`, comment.id, otherCustomer);
      expect(await find(facebook(), request, beforeAttempt())).toEqual({
        externalId: meta.posted[0]!.id,
        url: undefined,
      });
    });

    it("finds our reply under an Instagram comment by our username, not a customer's with the same words", async () => {
      const comment = igComment('Price?');
      const request = publicly(comment.id, '25 € a day.');
      meta.loseAnswers('POST', `/v21.0/${comment.id}/replies`);
      await expect(instagram().reply(request)).rejects.toMatchObject({
        code: 'instagram.unreachable',
        retryable: true,
      });
      const stored = meta.posted.filter((p) => p.message === request.text);
      expect(stored).toMatchObject([{ parentId: comment.id }]);

      await expectOnlyOurs(instagram(), request, stored[0]!.id);
      const elsewhere = igComment('Price for kids?');
      igComment('25 € a day.', elsewhere.id, igOther);
      expect(await find(instagram(), publicly(elsewhere.id, '25 € a day.'), beforeAttempt())).toBeUndefined();
      expect(meta.posted).toHaveLength(1);
    });

    it('finds our answer to an Instagram reply under the top-level comment, where Instagram threads it', async () => {
      const top = igComment('Price?');
      const followUp = igComment('And for a week?', top.id);
      const request = publicly(followUp.id, '120 € a week.');
      meta.loseAnswers('POST', `/v21.0/${followUp.id}/replies`);
      await expect(instagram().reply(request)).rejects.toMatchObject({ retryable: true });
      const stored = meta.posted.filter((p) => p.message === request.text);
      expect(stored).toMatchObject([{ parentId: top.id }]);

      await expectOnlyOurs(instagram(), request, stored[0]!.id);
    });

    const conversations = [
      {
        name: 'Messenger',
        network: 'facebook' as const,
        inbox: PAGE,
        lost: '/v21.0/me/messages',
        connector: facebook,
        from: customer,
        other: otherCustomer,
      },
      {
        name: 'Instagram Direct',
        network: 'instagram' as const,
        inbox: IG_USER,
        lost: `/v21.0/${IG_USER}/messages`,
        connector: instagram,
        from: igCustomer,
        other: igOther,
      },
    ];

    it.each(conversations.map((c) => [c.name, c] as const))(
      "finds our message in the %s conversation, not the customer's with the same words",
      async (_name, { network, inbox, lost, connector, from, other }) => {
        const { mid } = meta.addDirectMessage({ network, inboxId: inbox, from, text: 'Open on Sunday?' });
        const request = inConversation(mid, from.id, 'Until six.');
        meta.loseAnswers('POST', lost);
        await expect(connector().reply(request)).rejects.toMatchObject({ retryable: true });
        const stored = meta.privateReplies.filter((m) => m.text === request.text);
        expect(stored).toMatchObject([{ recipientId: from.id, senderId: inbox }]);
        meta.addDirectMessage({ network, inboxId: inbox, from, text: 'Until six.' });

        await expectOnlyOurs(connector(), request, stored[0]!.messageId);
        const elsewhere = meta.addDirectMessage({ network, inboxId: inbox, from: other, text: 'Until six.' });
        const theirs = inConversation(elsewhere.mid, other.id, 'Until six.');
        expect(await find(connector(), theirs, beforeAttempt())).toBeUndefined();
        expect(meta.privateReplies).toHaveLength(1);
      },
    );

    it('says it cannot tell when more messages came since the attempt than Meta shows', async () => {
      const { mid } = meta.addDirectMessage({
        network: 'facebook',
        inboxId: PAGE,
        from: customer,
        text: 'Hi?',
      });
      const request = inConversation(mid, customer.id, 'Hello!');
      meta.loseAnswers('POST', '/v21.0/me/messages');
      await expect(facebook().reply(request)).rejects.toMatchObject({ retryable: true });
      for (let i = 0; i < 20; i++) {
        meta.addDirectMessage({
          network: 'facebook',
          inboxId: PAGE,
          from: customer,
          text: `Still there? ${i}`,
        });
      }
      await expect(find(facebook(), request, beforeAttempt())).rejects.toMatchObject({
        code: 'facebook.reply_unconfirmed',
        retryable: false,
      });
    });

    it('says it cannot tell whether a reply to an Instagram @mention went out, rather than post it twice', async () => {
      const mentioned = meta.addIgMention({
        igUserId: IG_USER,
        mediaId: '777',
        from: igCustomer,
        text: '@harbour.bikes best coffee',
      });
      const request = publicly(igMentionExternalId('777', mentioned.comment.id), 'Thank you!');
      meta.loseAnswers('POST', `/v21.0/${IG_USER}/mentions`);
      await expect(instagram().reply(request)).rejects.toMatchObject({ retryable: true });
      expect(meta.posted).toHaveLength(1);
      await expect(find(instagram(), request, beforeAttempt())).rejects.toMatchObject({
        code: 'instagram.reply_unconfirmed',
        retryable: false,
        message: expect.stringContaining('check on Instagram before sending it again'),
      });
    });

    it("leaves a private reply to a comment to Meta's once-per-comment rule", async () => {
      const comment = pageComment('Is my warranty still valid?');
      const request: ReplyRequest = {
        ...publicly(comment.id, 'Yes: send us your receipt.'),
        visibility: 'private',
      };
      meta.loseAnswers('POST', '/v21.0/me/messages');
      await expect(facebook().reply(request)).rejects.toMatchObject({ retryable: true });
      expect(await find(facebook(), request, beforeAttempt())).toBeUndefined();
      await expect(facebook().reply(request)).rejects.toMatchObject({
        code: 'facebook.private_reply_refused',
        retryable: false,
      });
      expect(meta.privateReplies).toHaveLength(1);
    });
  });
});

describe('a Facebook or Instagram reply whose answer was lost is published once', () => {
  const f = harbourTeamFixture('postgres', (q) =>
    Promise.all([q.replies, q.mentions].map((queue) => queue.obliterate({ force: true }))),
  );
  let meta: MetaStandin;
  beforeEach(async () => {
    meta = await startMetaStandin({
      tokens: [PAGE_TOKEN, IG_TOKEN],
      pages: { [PAGE_TOKEN]: PAGE },
      instagramAccounts: { [IG_USER]: IG_USERNAME },
    });
  });
  afterEach(() => meta.close());

  /** A routed mention with one reply written to it and stored as queued, and the worker's deps at `now`. */
  async function queuedReply(network: 'facebook' | 'instagram', externalId: string, kind: string) {
    const mention = await storeMention(
      f.database.db,
      'Ship to Canada?',
      { id: customer.id, handle: customer.name },
      { network, externalId, kind },
    );
    const row = await queuedReplyTo(f, mention.id, { text: 'Yes, in 5 days.' });
    const connector =
      network === 'facebook'
        ? createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN })
        : createInstagramConnector({ graphUrl: meta.graphUrl, token: IG_TOKEN, userId: IG_USER });
    const deps = (now: Date) => ({
      db: f.database.db,
      queues: f.queues,
      connectors: new Map([[network, connector]]),
      logger: pino({ level: 'silent' }),
      now: () => now,
    });
    return { reply: row, deps };
  }

  it('records the Facebook comment Graph took on the retry, instead of posting it again', async () => {
    const { comment } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: customer,
      message: 'Ship to Canada?',
    });
    const { reply, deps } = await queuedReply('facebook', comment.id, 'comment');
    const attempt = new Date();
    meta.loseAnswers('POST', `/v21.0/${comment.id}/comments`);
    await expect(postReply(deps(attempt), reply.id)).rejects.toMatchObject({ retryable: true });

    await postReply(deps(new Date(attempt.getTime() + EARLIER_REPLY_SETTLE_MS + 1000)), reply.id);
    expect(meta.posted).toHaveLength(1);
    expect(await findReply(f.database.db, reply.id)).toMatchObject({
      status: 'posted',
      networkReplyId: meta.posted[0]!.id,
    });
  });

  it('fails a lost reply to an Instagram @mention, telling the writer to check, and posts nothing more', async () => {
    const mentioned = meta.addIgMention({
      igUserId: IG_USER,
      mediaId: '777',
      from: igCustomer,
      text: '@harbour.bikes ship to Canada?',
    });
    const externalId = igMentionExternalId('777', mentioned.comment.id);
    const { reply, deps } = await queuedReply('instagram', externalId, 'mention');
    const attempt = new Date();
    meta.loseAnswers('POST', `/v21.0/${IG_USER}/mentions`);
    await expect(postReply(deps(attempt), reply.id)).rejects.toMatchObject({ retryable: true });

    const retry = deps(new Date(attempt.getTime() + EARLIER_REPLY_SETTLE_MS + 1000));
    await expect(postReply(retry, reply.id)).rejects.toMatchObject({ code: 'instagram.reply_unconfirmed' });
    expect(meta.posted).toHaveLength(1);
    expect(await findReply(f.database.db, reply.id)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('check on Instagram before sending it again'),
    });
    const told = (await owedToSlack(f.database.db)).map((row) => row.work);
    expect(told).toContainEqual(
      expect.objectContaining({
        type: 'ephemeral',
        user: SAM,
        text: expect.stringMatching(/^Your reply to @.+ may not have been posted: Instagram did not confirm/),
      }),
    );
  });
});

describe('Meta webhook over HTTP', () => {
  let meta: MetaStandin;
  let rig: WebhookRig;
  beforeAll(async () => {
    meta = await startMetaStandin({ tokens: [PAGE_TOKEN, IG_TOKEN], pages: { [PAGE_TOKEN]: PAGE } });
  });
  afterAll(async () => {
    await meta.close();
  });
  beforeEach(async () => {
    const instagram = createInstagramConnector({ graphUrl: meta.graphUrl, token: IG_TOKEN, userId: IG_USER });
    const facebook = createFacebookConnector({ graphUrl: meta.graphUrl, token: PAGE_TOKEN });
    rig = await startWebhookRig((deps) => ({
      'GET /ingest/meta/webhook': metaVerifyHandler({ verifyToken: 'meatyhamhock' }),
      'POST /ingest/meta/webhook': metaEventsHandler({
        ...deps,
        appSecret: APP_SECRET,
        resolveIgMention: instagram.resolveMention,
        senders: { facebook, instagram },
      }),
    }));
  });
  afterEach(async () => {
    await rig.close();
  });

  const post = (body: string, signature = metaSignature(APP_SECRET, body)) =>
    fetch(`${rig.url}/ingest/meta/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
    });

  it('answers the subscription handshake with the raw challenge, and 403 for a wrong token', async () => {
    const ok = await fetch(
      `${rig.url}/ingest/meta/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `${rig.url}/ingest/meta/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope`,
    );
    expect(wrong.status).toBe(403);
  });

  it('stores Page comments and visitor posts, Instagram comments and looked-up @mentions before answering 200', async () => {
    const fb = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: customer,
      message: 'Ship to Canada?',
    });
    const ig = meta.addIgComment({ igUserId: IG_USER, mediaId: '123123', from: igCustomer, text: 'Love it' });
    const mention = meta.addIgMention({
      igUserId: IG_USER,
      mediaId: '777',
      from: igCustomer,
      text: '@firsthand best coffee',
    });
    const visitor = meta.addVisitorPost({ pageId: PAGE, from: customer, message: 'Closed at 3pm?' });
    // The Page's own post in the same feed is not a customer's.
    const own = meta.addVisitorPost({
      pageId: PAGE,
      from: { id: PAGE, name: 'Firsthand Cafe' },
      message: 'New menu!',
    });
    for (const delivery of [fb.delivery, ig.delivery, mention.delivery, visitor.delivery]) {
      const response = await post(JSON.stringify(delivery));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });
    }
    expect(await (await post(JSON.stringify(own.delivery))).json()).toEqual({ accepted: 0, duplicate: 0 });
    const stored = await storedState(rig);
    expect(stored.mentions.map((m) => [m.network, m.externalId, m.inReplyTo, m.text, m.kind]).sort()).toEqual(
      [
        ['facebook', fb.comment.id, `${PAGE}_111`, 'Ship to Canada?', 'comment'],
        ['facebook', visitor.post.id, null, 'Closed at 3pm?', 'mention'],
        ['instagram', ig.comment.id, '123123', 'Love it', 'comment'],
        [
          'instagram',
          igMentionExternalId('777', mention.comment.id),
          '777',
          '@firsthand best coffee',
          'mention',
        ],
      ].sort(),
    );
    expect(stored.jobs).toBe(4);
  });

  it('refuses a bad signature with 401 and a malformed change with 400 naming the field', async () => {
    const fb = meta.addPageComment({ pageId: PAGE, postId: `${PAGE}_111`, from: customer, message: 'Hi' });
    const body = JSON.stringify(fb.delivery);
    expect((await post(body, metaSignature('wrong', body))).status).toBe(401);
    expect((await post(body, '')).status).toBe(401);
    const entry = (fb.delivery.entry as { changes: { value: Record<string, unknown> }[] }[])[0]!;
    const good = entry.changes[0]!;
    const broken = { ...good, value: { ...good.value, message: 42 } };
    const half = JSON.stringify({ object: 'page', entry: [{ ...entry, changes: [good, broken] }] });
    const response = await post(half);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('entry.0.changes.1.value.message');
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  const authors = () =>
    rig.db.db
      .select({
        id: mentions.authorId,
        handle: mentions.authorHandle,
        name: mentions.authorName,
        followers: mentions.authorFollowers,
      })
      .from(mentions)
      .orderBy(asc(mentions.postedAt));

  it("stores Messenger and Instagram Direct messages under their senders' names, skipping echoes and receipts", async () => {
    const fb = meta.addDirectMessage({
      network: 'facebook',
      inboxId: PAGE,
      from: { id: '8888', name: 'Ana Lima' },
      text: 'Is the shop open on Sunday?',
    });
    const fbEntry = (fb.delivery.entry as { messaging: Record<string, unknown>[] }[])[0]!;
    const at = fbEntry.messaging[0]!.timestamp as number;
    // Our own answer echoed back, and a read receipt: neither is the customer's to route.
    fbEntry.messaging.push(
      {
        sender: { id: PAGE },
        recipient: { id: '8888' },
        timestamp: at + 1,
        message: { mid: 'm_echo', text: 'Yes', is_echo: true },
      },
      { sender: { id: '8888' }, recipient: { id: PAGE }, timestamp: at + 2, read: { watermark: at + 1 } },
    );
    const ig = meta.addDirectMessage({
      network: 'instagram',
      inboxId: IG_USER,
      from: { id: '9999', username: 'ana.rides', name: 'Ana Rides', followers: 4200 },
      attachments: ['image'],
    });
    for (const delivery of [fb.delivery, ig.delivery]) {
      const response = await post(JSON.stringify(delivery));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });
    }
    const stored = await storedState(rig);
    expect(stored.mentions).toEqual([
      {
        network: 'facebook',
        externalId: fb.mid,
        inReplyTo: null,
        text: 'Is the shop open on Sunday?',
        kind: 'direct_message',
      },
      {
        network: 'instagram',
        externalId: ig.mid,
        inReplyTo: null,
        text: '(sent image)',
        kind: 'direct_message',
      },
    ]);
    expect(await authors()).toEqual([
      { id: '8888', handle: 'Ana Lima', name: 'Ana Lima', followers: null },
      { id: '9999', handle: 'ana.rides', name: 'Ana Rides', followers: 4200 },
    ]);
    expect(stored.jobs).toBe(2);
  });

  it("keeps a message under its sender's id when Meta will not name them, and refuses one without its id", async () => {
    const message = (mid?: string) => ({
      object: 'page',
      entry: [
        {
          id: PAGE,
          time: 1742667604000,
          messaging: [
            {
              sender: { id: 'unknown-psid' },
              recipient: { id: PAGE },
              timestamp: 1742667604000,
              message: { ...(mid ? { mid } : {}), text: 'Hello?' },
            },
          ],
        },
      ],
    });
    const broken = await post(JSON.stringify(message()));
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toContain('entry.0.messaging.0.message.mid');
    expect((await post(JSON.stringify(message('m_unknown')))).status).toBe(200);
    expect(await authors()).toEqual([
      { id: 'unknown-psid', handle: 'unknown-psid', name: null, followers: null },
    ]);
  });

  it('asks Meta to deliver again when an @mention cannot be looked up, storing nothing', async () => {
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: IG_USER,
          time: 1742667604,
          changes: [{ field: 'mentions', value: { media_id: '1', comment_id: 'missing' } }],
        },
      ],
    });
    expect((await post(body)).status).toBe(502);
    expect(await storedState(rig)).toEqual({ mentions: [], jobs: 0 });
  });

  it('never crashes or stores anything invalid for fuzzed signed bodies', async () => {
    const value = fc.record(
      {
        item: fc.constantFrom('comment', 'reaction', 7),
        verb: fc.constantFrom('add', 'remove'),
        comment_id: fc.string(),
        post_id: fc.string(),
        from: fc.record({ id: fc.string(), name: fc.string() }, { requiredKeys: [] }),
        message: fc.oneof(fc.string(), fc.integer()),
        created_time: fc.oneof(fc.integer(), fc.string()),
        id: fc.string(),
        text: fc.string(),
        media: fc.record({ id: fc.string() }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    const envelope = fc.record(
      {
        object: fc.constantFrom('page', 'instagram', 'user'),
        entry: fc.array(
          fc.record(
            {
              id: fc.oneof(fc.string(), fc.constant(PAGE)),
              time: fc.oneof(fc.integer({ min: 1, max: 2_000_000_000 }), fc.string()),
              changes: fc.array(fc.record({ field: fc.constantFrom('feed', 'comments', 'other'), value }), {
                maxLength: 3,
              }),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          envelope.map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const response = await post(body);
          expect([200, 400]).toContain(response.status);
        },
      ),
      { numRuns: 150 },
    );
    const stored = await storedState(rig);
    for (const mention of stored.mentions) {
      expect(['facebook', 'instagram']).toContain(mention.network);
      expect(mention.externalId.length).toBeGreaterThan(0);
    }
    expect(stored.jobs).toBe(stored.mentions.length);
  });
});
