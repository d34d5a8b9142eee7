import { type ConnectionOptions, Queue } from 'bullmq';
import type { Network } from '../contract/mention.js';
import {
  heldJobId,
  type MentionJob,
  mentionJobId,
  QUEUE,
  type ReplyJob,
  replyJobId,
  rerouteJobId,
} from '../contract/queues.js';

/**
 * Queue settings in one place. Every queue is at-least-once: handlers are
 * idempotent, so a retry after a crash does no harm.
 */
export interface QueueSettings {
  redisUrl: string;
  prefix: string;
}

export function connection(settings: QueueSettings): ConnectionOptions {
  const url = new URL(settings.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    // BullMQ workers block on Redis; they must wait out a reconnect, not fail.
    maxRetriesPerRequest: null,
  };
}

const defaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  // Keep finished ids for a while so a duplicate add within the hour is a no-op.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface Queues {
  mentions: Queue<MentionJob>;
  replies: Queue<ReplyJob>;
  close(): Promise<void>;
}

export function openQueues(settings: QueueSettings): Queues {
  const options = { connection: connection(settings), prefix: settings.prefix, defaultJobOptions };
  const mentions = new Queue<MentionJob>(QUEUE.mentions, options);
  const replies = new Queue<ReplyJob>(QUEUE.replies, options);
  return {
    mentions,
    replies,
    async close() {
      await Promise.all([mentions.close(), replies.close()]);
    },
  };
}

export async function enqueueMention(
  queues: Queues,
  mention: { id: string; network: Network; externalId: string },
): Promise<void> {
  await queues.mentions.add(
    'route',
    { mentionId: mention.id },
    { jobId: mentionJobId(mention.network, mention.externalId) },
  );
}

/** Queues several mentions in one Redis round trip; each keeps its own job id, so duplicates stay no-ops. */
export async function enqueueMentions(
  queues: Queues,
  mentions: readonly { id: string; network: Network; externalId: string }[],
): Promise<void> {
  if (mentions.length === 0) return;
  if (mentions.length === 1) return enqueueMention(queues, mentions[0]!);
  await queues.mentions.addBulk(
    mentions.map((mention) => ({
      name: 'route' as const,
      data: { mentionId: mention.id },
      opts: { jobId: mentionJobId(mention.network, mention.externalId) },
    })),
  );
}

/** Routes a mention again (brought back from the spam filter by event `eventId`), under a job id of its own. */
export async function enqueueReroute(queues: Queues, mentionId: string, eventId: number): Promise<void> {
  await queues.mentions.add('route', { mentionId }, { jobId: rerouteJobId(mentionId, eventId) });
}

/** Routes a mention held in a storm again after `delayMs`, once. */
export async function enqueueHeld(queues: Queues, mentionId: string, delayMs: number): Promise<void> {
  await queues.mentions.add(
    'route',
    { mentionId, held: true },
    { jobId: heldJobId(mentionId), delay: delayMs },
  );
}

/**
 * For the recovery sweep: makes sure a job with this id will run. A missing
 * job is added; a job that used up its attempts is retried. A job still
 * waiting or active is left alone. True when the job had to be queued again.
 */
export async function ensureJob<T>(queue: Queue<T>, name: string, data: T, jobId: string): Promise<boolean> {
  const existing = await queue.getJob(jobId);
  if (!existing) {
    await queue.add(name as never, data as never, { jobId });
    return true;
  }
  const state = await existing.getState();
  if (state === 'failed') await existing.retry('failed');
  // A completed job whose effect is missing (its record was lost) must run again under the same id.
  if (state === 'completed') {
    await existing.remove();
    await queue.add(name as never, data as never, { jobId });
  }
  return state === 'failed' || state === 'completed';
}

export async function enqueueReply(queues: Queues, replyId: string): Promise<void> {
  await queues.replies.add('post', { replyId }, { jobId: replyJobId(replyId) });
}
