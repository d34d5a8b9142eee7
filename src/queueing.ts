import {
  type ConnectionOptions,
  DelayedError,
  type IRedisClient,
  type Job,
  Queue,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Network } from './contract/mention.js';
import {
  type MentionJob,
  mentionJobId,
  type NotifyJob,
  notifyJobId,
  QUEUE,
  type ReplyJob,
  replyJobId,
  rerouteJobId,
} from './contract/queues.js';
import { toAppError } from './errors.js';
import { retryAtOf } from './network/http.js';

/**
 * Queue settings in one place. Every queue is at-least-once: handlers are
 * idempotent, so a retry after a crash does no harm.
 */
export interface QueueSettings {
  redisUrl: string;
  prefix: string;
}

/** A Lua script run atomically on a queue's Redis connection; `name` must be unique to it. */
export interface RedisScript {
  name: string;
  numberOfKeys: number;
  lua: string;
}

const scriptsDefined = new WeakMap<IRedisClient, Set<string>>();

/** Runs `script` with its keys, then its arguments, defining it on this connection the first time. */
export function runScript(
  redis: IRedisClient,
  script: RedisScript,
  args: (string | number)[],
): Promise<unknown> {
  const defined = scriptsDefined.get(redis) ?? new Set<string>();
  if (!defined.has(script.name)) {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    defined.add(script.name);
    scriptsDefined.set(redis, defined);
  }
  return redis.runCommand(script.name, args);
}

function connection(settings: QueueSettings): ConnectionOptions {
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
  notify: Queue<NotifyJob>;
  replies: Queue<ReplyJob>;
  close(): Promise<void>;
}

export function openQueues(settings: QueueSettings): Queues {
  const options = { connection: connection(settings), prefix: settings.prefix, defaultJobOptions };
  const mentions = new Queue<MentionJob>(QUEUE.mentions, options);
  const notify = new Queue<NotifyJob>(QUEUE.notify, options);
  const replies = new Queue<ReplyJob>(QUEUE.replies, options);
  return {
    mentions,
    notify,
    replies,
    async close() {
      await Promise.all([mentions.close(), notify.close(), replies.close()]);
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

/**
 * For the recovery sweep: makes sure a job with this id will run. A missing
 * job is added; a job that used up its attempts is retried. A job still
 * waiting or active is left alone. True when the job had to be queued again.
 */
export async function ensureJob<T>(
  queue: Queue<T>,
  name: string,
  data: T,
  jobId: string,
  options: { priority?: number } = {},
): Promise<boolean> {
  const existing = await queue.getJob(jobId);
  if (!existing) {
    await queue.add(name as never, data as never, { ...options, jobId });
    return true;
  }
  const state = await existing.getState();
  if (state === 'failed') await existing.retry('failed');
  // A completed job whose effect is missing (its record was lost) must run again under the same id.
  if (state === 'completed') {
    await existing.remove();
    await queue.add(name as never, data as never, { ...options, jobId });
  }
  return state === 'failed' || state === 'completed';
}

/**
 * BullMQ takes jobs without a priority before prioritized ones, also as they
 * come back from a delay. Given this one, the card of a conversation nobody
 * holds yet lets everything else for the channel go first: in a surge of
 * thousands at Slack's pace of a message a second, the cards people were
 * given, their colleagues' actions and the owner's escalations are not
 * stuck behind hours of the queue's cards.
 */
const UNHELD_CARD_PRIORITY = 10;
const cardPriority = (unheld: boolean | undefined) => (unheld ? { priority: UNHELD_CARD_PRIORITY } : {});

/** Whether a notify job is the card of a conversation nobody holds, queued behind the rest. */
export const isUnheldCard = (job: Job): boolean => job.priority === UNHELD_CARD_PRIORITY;

export async function enqueueNotify(
  queues: Queues,
  job: NotifyJob,
  options: { at?: Date; fallbackId?: string; unheld?: boolean } = {},
): Promise<void> {
  const jobId = notifyJobId(job) ?? options.fallbackId;
  // A job due later (a snooze's end) waits in BullMQ's delayed set, kept as long as Redis keeps its data.
  const delay = options.at ? Math.max(0, options.at.getTime() - Date.now()) : 0;
  await queues.notify.add(job.type, job, {
    ...(jobId ? { jobId } : {}),
    ...(delay ? { delay } : {}),
    ...cardPriority(options.unheld),
  });
}

/** The recovery sweep's way back for a card: in the same place in the channel's line as enqueueNotify's. */
export function ensureCard(
  queues: Queues,
  mentionId: string,
  options: { unheld: boolean },
): Promise<boolean> {
  const job: NotifyJob = { type: 'mention', mentionId };
  return ensureJob(queues.notify, job.type, job, notifyJobId(job)!, cardPriority(options.unheld));
}

/**
 * The card of a conversation taken from the queue before it reached Slack
 * (a surge's backlog) stops waiting behind the queue's cards: its new holder
 * needs it to act.
 */
export async function putCardFirst(queues: Queues, mentionId: string): Promise<void> {
  const job = await queues.notify.getJob(notifyJobId({ type: 'mention', mentionId })!);
  if (!job?.opts.priority) return;
  // Gone meanwhile (shown and removed): nothing left to hurry.
  await job.changePriority({ priority: 0 }).catch(() => undefined);
}

export async function enqueueReply(queues: Queues, replyId: string): Promise<void> {
  await queues.replies.add('post', { replyId }, { jobId: replyJobId(replyId) });
}

export interface WorkerOptions {
  concurrency: number;
  /** Jobs a second across all workers of this queue, for queues that talk to Slack or a network. */
  limiter?: { max: number; duration: number };
}

/**
 * Starts a worker whose payloads are parsed before the handler sees them. A
 * payload that cannot parse, or a permanent AppError, fails without retry;
 * a rate limit waits until the network's own reset time.
 */
export function startWorker<S extends z.ZodType>(
  settings: QueueSettings,
  name: string,
  schema: S,
  handler: (payload: z.output<S>, job: Job) => Promise<void>,
  logger: Logger,
  options: WorkerOptions,
): Worker {
  const worker = new Worker(
    name,
    async (job, token) => {
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`bad ${name} payload: ${parsed.error.message}`);
      try {
        await handler(parsed.data, job);
      } catch (error) {
        const appError = toAppError(error);
        const retryAt = retryAtOf(error);
        if (retryAt && token) {
          await job.moveToDelayed(retryAt.getTime(), token);
          throw new DelayedError();
        }
        logger.warn({ queue: name, jobId: job.id, code: appError.code, err: appError.message }, 'job failed');
        if (!appError.retryable) throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
        throw appError;
      }
    },
    {
      connection: connection(settings),
      prefix: settings.prefix,
      concurrency: options.concurrency,
      ...(options.limiter ? { limiter: options.limiter } : {}),
    },
  );
  worker.on('error', (error) => logger.error({ queue: name, err: error.message }, 'worker error'));
  return worker;
}
