import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REPLY_GIVE_UP_MS, recoverQueuedReplies } from '../../src/bot/recover-replies.js';
import { recordFailure } from '../../src/bot/replies.worker.js';
import { AppError } from '../../src/contract/errors.js';
import { QUEUE, ReplyJobSchema, replyJobId } from '../../src/contract/queues.js';
import { listConversationEvents } from '../../src/db/events.repository.js';
import { createReply, findReply, markReplyPosted } from '../../src/db/replies.repository.js';
import { startWorker } from '../../src/queue/worker.js';
import { waitFor } from '../support/app-harness.js';
import { DATABASE_KINDS } from '../support/database.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { harbourTeamFixture, owedToSlack, queuedReplyTo, storeMention } from './routing-support.js';

const ROUTED_AT = new Date('2025-05-06T10:00:00Z');
const inMinutes = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);

describe.each(DATABASE_KINDS)('replies whose job was lost or gave up, on %s', (kind) => {
  const f = harbourTeamFixture(kind, (q) => q.replies.obliterate({ force: true }));

  /** A routed conversation shown in Slack, with one reply written to it and stored as queued. */
  async function queuedReply(submissionKey: string) {
    const mention = await storeMention(f.database.db, 'Is my bike ready for pick-up?');
    const text = 'Yes, it is ready: come by any time before six.';
    return queuedReplyTo(f, mention.id, { text, submissionKey, routedAt: ROUTED_AT });
  }

  /** The job runs once against a network that answers 503, and is left failed. */
  async function failOnce(replyId: string) {
    await f.queues.replies.add('post', { replyId }, { jobId: replyJobId(replyId), attempts: 1 });
    const worker = startWorker(
      { redisUrl: TEST_REDIS_URL, prefix: f.prefix },
      QUEUE.replies,
      ReplyJobSchema,
      async () => {
        throw new AppError('x.unavailable', 'X answered 503', true);
      },
      pino({ level: 'silent' }),
      { concurrency: 1 },
    );
    await waitFor(async () => (await f.queues.replies.getJobCounts('failed')).failed === 1);
    await worker.close();
  }

  it('gives a reply whose job Redis lost its job back, once however often the sweep runs', async () => {
    const reply = await queuedReply('k-lost');
    const deps = { db: f.database.db, queues: f.queues, now: inMinutes(5) };

    expect(await recoverQueuedReplies(deps)).toEqual({ requeued: 1, failed: 0 });
    expect(await recoverQueuedReplies(deps)).toEqual({ requeued: 1, failed: 0 });
    const jobs = await f.queues.replies.getJobs(['waiting']);
    expect(jobs.map((job) => job.id)).toEqual([replyJobId(reply.id)]);
    expect(jobs[0]!.data).toEqual({ replyId: reply.id });
  });

  it('leaves a reply written a moment ago to the job that is about to post it', async () => {
    await queuedReply('k-fresh');
    expect(
      await recoverQueuedReplies({ db: f.database.db, queues: f.queues, now: () => new Date() }),
    ).toEqual({
      requeued: 0,
      failed: 0,
    });
    expect(await f.queues.replies.count()).toBe(0);
  });

  it('retries a reply whose attempts ran out while the network was down', async () => {
    const reply = await queuedReply('k-retry');
    await failOnce(reply.id);

    expect(await recoverQueuedReplies({ db: f.database.db, queues: f.queues, now: inMinutes(5) })).toEqual({
      requeued: 1,
      failed: 0,
    });
    expect(await f.queues.replies.getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: 1 });
    expect((await findReply(f.database.db, reply.id))!.status).toBe('queued');
  });

  it('hands a reply back to its writer, once, when no job has posted it within the hour', async () => {
    const reply = await queuedReply('k-stale');
    await failOnce(reply.id);
    const late = { db: f.database.db, queues: f.queues, now: inMinutes(REPLY_GIVE_UP_MS / 60_000 + 1) };

    expect(await recoverQueuedReplies(late)).toEqual({ requeued: 0, failed: 1 });
    const stored = await findReply(f.database.db, reply.id);
    expect(stored).toMatchObject({ status: 'failed' });
    expect(stored!.error).toBe('it could not be posted within 60 minutes: X answered 503');
    const failures = (await listConversationEvents(f.database.db, reply.conversationId)).filter(
      (e) => e.type === 'reply.failed',
    );
    expect(failures).toHaveLength(1);
    const told = (await owedToSlack(f.database.db)).map((row) => row.work);
    expect(told).toContainEqual(
      expect.objectContaining({
        type: 'ephemeral',
        channel: 'C0CUSTOMERS',
        user: 'U0SAM0001',
        text: expect.stringContaining('was not posted: it could not be posted within 60 minutes'),
      }),
    );
    expect(told).toContainEqual(expect.objectContaining({ type: 'log', eventId: failures[0]!.id }));

    // Nothing is queued any more, so the next sweep finds nothing to say, and a second
    // sweeper that read the reply before the first marked it tells the writer nothing more.
    expect(await recoverQueuedReplies(late)).toEqual({ requeued: 0, failed: 0 });
    await recordFailure(late, reply, new AppError('reply.gave_up', 'late'));
    const events = await listConversationEvents(f.database.db, reply.conversationId);
    expect(events.filter((e) => e.type === 'reply.failed')).toHaveLength(1);
    const toldAfter = (await owedToSlack(f.database.db)).map((row) => row.work);
    expect(toldAfter.filter((work) => work.type === 'ephemeral')).toHaveLength(1);
  });

  it('never fails a late reply whose job is still waiting to run, nor touches a posted one', async () => {
    const waiting = await queuedReply('k-waiting');
    await f.queues.replies.add('post', { replyId: waiting.id }, { jobId: replyJobId(waiting.id) });
    const posted = await createReply(f.database.db, {
      conversationId: waiting.conversationId,
      mentionId: waiting.mentionId,
      staffId: 'U0SAM0001',
      submissionKey: 'k-posted',
      text: 'See you then.',
    });
    await markReplyPosted(
      f.database.db,
      posted.row.id,
      { networkReplyId: '9', networkReplyUrl: undefined },
      new Date(),
    );
    const late = { db: f.database.db, queues: f.queues, now: inMinutes(REPLY_GIVE_UP_MS / 60_000 + 1) };

    expect(await recoverQueuedReplies(late)).toEqual({ requeued: 0, failed: 0 });
    expect((await findReply(f.database.db, waiting.id))!.status).toBe('queued');
    expect((await findReply(f.database.db, posted.row.id))!.status).toBe('posted');
  });
});
