import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Network } from '../contract/mention.js';
import { type NotifyJob, QUEUE, ReplyJobSchema } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { findConversation, markReplied } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { findMention } from '../db/mentions.repository.js';
import { findReply, markReplyFailed, markReplyPosted } from '../db/replies.repository.js';
import { AppError, toAppError } from '../errors.js';
import type { NetworkConnector } from '../network/connector.js';
import { deliverOwed, oweNotifications } from '../notify-outbox.js';
import { type QueueSettings, type Queues, startWorker } from '../queueing.js';

export interface ReplyDeps {
  db: Database;
  queues: Queues;
  connectors: Map<Network, NetworkConnector>;
  logger: Logger;
  now: () => Date;
}

/**
 * Posts one stored reply to its network. The reply id is the idempotency key,
 * so a retry after a crash between posting and recording is not posted twice
 * on networks that honour it (Mastodon keeps the key for an hour).
 */
export async function postReply(deps: ReplyDeps, replyId: string): Promise<void> {
  const reply = await findReply(deps.db, replyId);
  if (!reply) throw new AppError('reply.not_found', `reply ${replyId} is not stored`);
  if (reply.status !== 'queued') return;
  const mention = await findMention(deps.db, reply.mentionId);
  if (!mention) throw new AppError('reply.not_found', `mention ${reply.mentionId} is not stored`);
  const connector = deps.connectors.get(mention.network as Network);
  if (!connector) throw new AppError('reply.no_connector', `no ${mention.network} connector is configured`);

  let result: Awaited<ReturnType<NetworkConnector['reply']>>;
  try {
    result = await connector.reply({
      target: {
        externalId: mention.externalId,
        authorId: mention.authorId,
        authorHandle: mention.authorHandle,
        url: mention.url,
        kind: mention.kind,
      },
      text: reply.text,
      idempotencyKey: reply.id,
      visibility: reply.visibility,
    });
  } catch (error) {
    const failure = toAppError(error);
    if (!failure.retryable) await recordFailure(deps, reply, failure);
    throw error;
  }
  const at = deps.now();
  const owed = await deps.db.transaction(async (tx) => {
    const posted = await markReplyPosted(
      tx,
      reply.id,
      { networkReplyId: result.externalId, networkReplyUrl: result.url },
      at,
    );
    if (!posted) return [];
    await markReplied(tx, reply.conversationId, at);
    const { id: eventId } = await appendEvent(tx, {
      type: 'reply.posted',
      actor: reply.staffId,
      conversationId: reply.conversationId,
      mentionId: reply.mentionId,
      details: { replyId: reply.id, networkReplyId: result.externalId, url: result.url ?? null },
    });
    // Owed in the same commit: a retry of this job finds the reply posted and would queue nothing.
    return oweNotifications(tx, [
      { type: 'refresh', conversationId: reply.conversationId, eventId },
      { type: 'log', conversationId: reply.conversationId, eventId },
    ]);
  });
  await deliverOwed(deps, owed);
}

/** Marks the reply failed and tells its writer, once: a second caller finds it no longer queued. */
export async function recordFailure(
  deps: Pick<ReplyDeps, 'db' | 'queues'>,
  reply: { id: string; conversationId: string; staffId: string },
  failure: AppError,
): Promise<void> {
  const owed = await deps.db.transaction(async (tx) => {
    if (!(await markReplyFailed(tx, reply.id, failure.message))) return [];
    const event = await appendEvent(tx, {
      type: 'reply.failed',
      actor: 'bot',
      conversationId: reply.conversationId,
      details: { replyId: reply.id, code: failure.code, message: failure.message },
    });
    // The writer must hear that their words did not go out.
    const conversation = await findConversation(tx, reply.conversationId);
    const jobs: NotifyJob[] = [{ type: 'log', conversationId: reply.conversationId, eventId: event.id }];
    if (conversation?.slackChannel) {
      jobs.push({
        type: 'ephemeral',
        channel: conversation.slackChannel,
        user: reply.staffId,
        text: `Your reply to @${conversation.authorHandle} was not posted: ${failure.message}`,
      });
    }
    return oweNotifications(tx, jobs);
  });
  await deliverOwed(deps, owed);
}

export function startRepliesWorker(deps: ReplyDeps, settings: QueueSettings): Worker {
  return startWorker(
    settings,
    QUEUE.replies,
    ReplyJobSchema,
    ({ replyId }) => postReply(deps, replyId),
    deps.logger,
    {
      concurrency: 4,
    },
  );
}
