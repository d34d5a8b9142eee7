import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EARLIER_REPLY_SETTLE_MS, postReply, startRepliesWorker } from '../../src/bot/replies.worker.js';
import { AppError, retryAtOf } from '../../src/contract/errors.js';
import { listConversationEvents } from '../../src/db/events.repository.js';
import { findReply } from '../../src/db/replies.repository.js';
import { createXConnector } from '../../src/network/x/connector.js';
import { enqueueReply } from '../../src/queue/queues.js';
import { startXStandin, type XStandin } from '../standins/x.standin.js';
import { waitFor } from '../support/app-harness.js';
import { DATABASE_KINDS } from '../support/database.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { harbourTeamFixture, queuedReplyTo, storeMention } from './routing-support.js';

const TOKEN = 'x-user-token';
const account = { id: '2244994945', username: 'harbourbikes', name: 'Harbour Street Bikes' };
const customer = { id: '6253282', username: 'rider_ana', name: 'Ana' };
const TEXT = 'It is ready, Ana: come by any time before six.';

describe.each(DATABASE_KINDS)(
  'a reply is published once on X, whatever became of the last attempt, on %s',
  (kind) => {
    const f = harbourTeamFixture(kind, (q) => q.replies.obliterate({ force: true }));
    let x: XStandin;
    beforeEach(async () => {
      x = await startXStandin({ token: TOKEN, account });
      x.addUser(customer);
    });
    afterEach(() => x.close());

    /** A routed X mention, public or a direct message, with one reply written to it and stored as queued. */
    async function queuedReply(visibility: 'public' | 'private' = 'public') {
      const post = x.addMention({ author: customer, text: '@harbourbikes is my bike ready?' });
      const mention = await storeMention(
        f.database.db,
        post.text,
        { id: customer.id, handle: customer.username },
        {
          network: 'x',
          externalId: post.id,
          ...(visibility === 'private' ? { kind: 'direct_message' } : {}),
        },
      );
      return queuedReplyTo(f, mention.id, { text: TEXT, visibility });
    }

    function deps(now: Date, fetchFn?: typeof fetch) {
      const connector = createXConnector({
        apiUrl: x.apiUrl,
        token: TOKEN,
        userId: account.id,
        fetch: fetchFn,
      });
      return {
        db: f.database.db,
        queues: f.queues,
        connectors: new Map([['x' as const, connector]]),
        logger: pino({ level: 'silent' }),
        now: () => now,
      };
    }
    const later = (at: Date, ms: number) => new Date(at.getTime() + ms);
    const lookups = () => x.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/tweets'));

    it('records the post X took although its answer was lost, instead of posting it again', async () => {
      const reply = await queuedReply();
      const attempt = new Date();
      x.loseAnswers('POST', '/2/tweets');
      const lost = await postReply(deps(attempt), reply.id).catch((error: unknown) => error);
      expect(lost).toMatchObject({ code: 'x.unreachable', retryable: true });
      expect(x.created).toHaveLength(1);
      expect((await findReply(f.database.db, reply.id))?.attemptedAt?.getTime()).toBe(attempt.getTime());

      // Too soon to trust that X would show it: the retry waits, without spending an attempt or posting.
      const early = await postReply(deps(later(attempt, 5000)), reply.id).catch((error: unknown) => error);
      expect(early).toBeInstanceOf(AppError);
      expect(retryAtOf(early)?.getTime()).toBe(attempt.getTime() + EARLIER_REPLY_SETTLE_MS);
      expect(lookups()).toHaveLength(0);

      await postReply(deps(later(attempt, EARLIER_REPLY_SETTLE_MS + 1000)), reply.id);
      expect(x.created).toHaveLength(1);
      const stored = await findReply(f.database.db, reply.id);
      expect(stored).toMatchObject({ status: 'posted', networkReplyId: x.created[0]!.id });
      expect(stored?.networkReplyUrl).toBe(`https://x.com/${account.username}/status/${x.created[0]!.id}`);
      const events = await listConversationEvents(f.database.db, reply.conversationId);
      expect(events.filter((e) => e.type === 'reply.posted')).toHaveLength(1);
      expect(lookups()).toHaveLength(1);
    });

    // The whole chain in BullMQ, once (it waits out the real settling time): the lost attempt, the
    // retry held until X can show the post, the look, the record.
    it.runIf(kind === 'postgres')(
      'the replies worker, left to its own retries, records the post without posting it twice',
      async () => {
        const reply = await queuedReply();
        x.loseAnswers('POST', '/2/tweets');
        const worker = startRepliesWorker(
          { ...deps(new Date()), now: () => new Date() },
          { redisUrl: TEST_REDIS_URL, prefix: f.prefix },
        );
        try {
          await enqueueReply(f.queues, reply.id);
          const posted = await waitFor(async () => {
            const stored = await findReply(f.database.db, reply.id);
            return stored?.status === 'posted' ? stored : undefined;
          }, EARLIER_REPLY_SETTLE_MS + 15_000);
          expect(posted.networkReplyId).toBe(x.created[0]!.id);
          expect(x.created).toHaveLength(1);
          expect(lookups()).toHaveLength(1);
        } finally {
          await worker.close();
        }
      },
      EARLIER_REPLY_SETTLE_MS + 30_000,
    );

    it('asks its writer to check, rather than say it was not posted, when the look missed a post X has', async () => {
      const reply = await queuedReply();
      const attempt = new Date();
      x.loseAnswers('POST', '/2/tweets');
      await expect(postReply(deps(attempt), reply.id)).rejects.toMatchObject({ code: 'x.unreachable' });
      // The post is not where the look reads (as when X's timeline lags), yet X holds its text.
      x.posts.find((p) => p.id === x.created[0]!.id)!.inReplyTo = undefined;

      const retry = deps(later(attempt, EARLIER_REPLY_SETTLE_MS + 1000));
      await expect(postReply(retry, reply.id)).rejects.toMatchObject({ code: 'x.reply_unconfirmed' });
      expect(x.created).toHaveLength(1);
      expect(await findReply(f.database.db, reply.id)).toMatchObject({
        status: 'failed',
        error: expect.stringContaining('check on X before sending it again'),
      });
    });

    it('posts again when the lost attempt never reached X', async () => {
      const reply = await queuedReply();
      const attempt = new Date();
      const refused: typeof fetch = () => Promise.reject(new TypeError('fetch failed: connect ECONNREFUSED'));
      await expect(postReply(deps(attempt, refused), reply.id)).rejects.toMatchObject({
        code: 'x.unreachable',
      });
      expect(x.created).toHaveLength(0);

      await postReply(deps(later(attempt, EARLIER_REPLY_SETTLE_MS + 1000)), reply.id);
      expect(x.created).toHaveLength(1);
      expect(lookups()).toHaveLength(1);
      expect(await findReply(f.database.db, reply.id)).toMatchObject({
        status: 'posted',
        networkReplyId: x.created[0]!.id,
      });
    });

    it('does not look after a rate limit, which X answers before writing anything', async () => {
      const reply = await queuedReply();
      x.rateLimitNext('/2/tweets', 1);
      await expect(postReply(deps(new Date()), reply.id)).rejects.toMatchObject({ code: 'x.rate_limited' });
      expect((await findReply(f.database.db, reply.id))?.attemptedAt).toBeNull();

      await postReply(deps(new Date()), reply.id);
      expect(x.created).toHaveLength(1);
      expect(lookups()).toHaveLength(0);
    });

    it('records a direct message X delivered although its answer was lost', async () => {
      const reply = await queuedReply('private');
      const attempt = new Date();
      x.loseAnswers('POST', '/2/dm_conversations/');
      await expect(postReply(deps(attempt), reply.id)).rejects.toMatchObject({ code: 'x.unreachable' });
      expect(x.directMessages).toHaveLength(1);

      await postReply(deps(later(attempt, EARLIER_REPLY_SETTLE_MS + 1000)), reply.id);
      expect(x.directMessages).toHaveLength(1);
      const [sent] = x.directMessages;
      expect(await findReply(f.database.db, reply.id)).toMatchObject({
        status: 'posted',
        networkReplyId: sent!.eventId,
        networkReplyUrl: `https://x.com/messages/${sent!.conversationId}`,
      });
    });
  },
);
