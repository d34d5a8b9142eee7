import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { AppError, toAppError } from '../contract/errors.js';
import type { Network } from '../contract/mention.js';
import { QUEUE, ReplyJobSchema } from '../contract/queues.js';
import type { SlackWork } from '../contract/slack-work.js';
import type { Database } from '../db/client.js';
import { oweBatchOutcome } from '../db/cluster-actions.repository.js';
import { commitChange } from '../db/conversation-change.js';
import { findConversation, markReplied } from '../db/conversations.repository.js';
import { findMention } from '../db/mentions.repository.js';
import {
  findReply,
  markReplyFailed,
  markReplyPosted,
  otherPostedReplyIds,
  type ReplyRow,
  setReplyAttempt,
} from '../db/replies.repository.js';
import type { NetworkConnector, ReplyRequest, ReplyResult } from '../network/connector.js';
import type { QueueSettings } from '../queue/queues.js';
import { startWorker } from '../queue/worker.js';
import { replyFailedNotice } from './blocks.js';

export interface ReplyDeps {
  db: Database;
  connectors: Map<Network, NetworkConnector>;
  logger: Logger;
  now: () => Date;
}

// The network may show a post a moment after taking it; a retry looks for it only after this long.
export const EARLIER_REPLY_SETTLE_MS = 15_000;
// The network's clock is not ours: a post it dates a little before the attempt began may still be it.
const CLOCK_SKEW_MS = 2 * 60_000;

/**
 * Posts one stored reply to its network, once. Where the network keeps an
 * idempotency key (Mastodon for an hour, the generic webhook) the reply id is
 * that key. Elsewhere the attempt is noted before the post is sent, and a
 * retry after an attempt whose answer never came looks for the post first,
 * so a timeout or a crash between posting and recording does not publish it twice.
 */
export async function postReply(deps: ReplyDeps, replyId: string): Promise<void> {
  const reply = await findReply(deps.db, replyId);
  if (!reply) throw new AppError('reply.not_found', `reply ${replyId} is not stored`);
  if (reply.status !== 'queued') return;
  const mention = await findMention(deps.db, reply.mentionId);
  if (!mention) throw new AppError('reply.not_found', `mention ${reply.mentionId} is not stored`);
  const connector = deps.connectors.get(mention.network as Network);
  if (!connector) throw new AppError('reply.no_connector', `no ${mention.network} connector is configured`);
  const request: ReplyRequest = {
    target: {
      externalId: mention.externalId,
      authorId: mention.authorId,
      authorHandle: mention.authorHandle,
      url: mention.url,
      kind: mention.kind,
      inReplyTo: mention.inReplyTo,
    },
    text: reply.text,
    idempotencyKey: reply.id,
    visibility: reply.visibility,
  };

  let result: ReplyResult;
  try {
    result =
      (await findEarlierPost(deps, connector, request, reply)) ??
      (await publish(deps, connector, reply, request));
  } catch (error) {
    const failure = toAppError(error);
    if (!failure.retryable) await recordFailure(deps, reply, failure);
    throw error;
  }
  const at = deps.now();
  await deps.db.transaction(async (tx) => {
    const posted = await markReplyPosted(
      tx,
      reply.id,
      { networkReplyId: result.externalId, networkReplyUrl: result.url },
      at,
    );
    if (!posted) return;
    await markReplied(tx, reply.conversationId, at);
    // A conversation answered from a storm's story has no card of its own to redraw or thread under.
    const carded = (await findConversation(tx, reply.conversationId))?.slackTs != null;
    await oweBatchOutcome(tx, reply.id); // a reply to all's results are updated with it
    // Owed in the same commit: a retry of this job finds the reply posted and would owe nothing.
    await commitChange(tx, reply.conversationId, {
      event: {
        type: 'reply.posted',
        at,
        actor: reply.staffId,
        mentionId: reply.mentionId,
        details: { replyId: reply.id, networkReplyId: result.externalId, url: result.url ?? null },
      },
      tell: { card: carded, thread: carded },
    });
  });
}

/** The post an earlier attempt of this reply published, when one may have and the network can be asked. */
async function findEarlierPost(
  deps: ReplyDeps,
  connector: NetworkConnector,
  request: ReplyRequest,
  reply: ReplyRow,
): Promise<ReplyResult | undefined> {
  if (!reply.attemptedAt || !connector.findEarlierReply) return undefined;
  const settled = reply.attemptedAt.getTime() + EARLIER_REPLY_SETTLE_MS;
  if (deps.now().getTime() < settled) {
    const waiting = new AppError(
      'reply.settling',
      'waiting to see whether the last attempt was published',
      true,
    );
    throw Object.assign(waiting, { retryAt: new Date(settled) });
  }
  const skip = await otherPostedReplyIds(deps.db, reply.mentionId, reply.id);
  const since = new Date(reply.attemptedAt.getTime() - CLOCK_SKEW_MS);
  const found = await connector.findEarlierReply(request, since, skip);
  if (found)
    deps.logger.info({ replyId: reply.id }, 'an earlier attempt had published the reply; recording it');
  return found;
}

/** Sends the reply, noting the attempt first where a retry would have to look for it. */
async function publish(
  deps: ReplyDeps,
  connector: NetworkConnector,
  reply: ReplyRow,
  request: ReplyRequest,
): Promise<ReplyResult> {
  if (!connector.findEarlierReply) return connector.reply(request);
  await setReplyAttempt(deps.db, reply.id, deps.now());
  try {
    return await connector.reply({ ...request, retrying: reply.attemptedAt !== null });
  } catch (error) {
    // A rate limit refuses the call before anything is written: the retry has nothing to look for.
    if (toAppError(error).code.endsWith('.rate_limited')) await setReplyAttempt(deps.db, reply.id, null);
    throw error;
  }
}

/** Marks the reply failed and tells its writer, once: a second caller finds it no longer queued. */
export async function recordFailure(
  deps: Pick<ReplyDeps, 'db' | 'now'>,
  reply: { id: string; conversationId: string; staffId: string },
  failure: AppError,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (!(await markReplyFailed(tx, reply.id, failure.message))) return;
    await oweBatchOutcome(tx, reply.id); // a reply to all's results are updated with it
    // The writer must hear that their words did not go out.
    const conversation = await findConversation(tx, reply.conversationId);
    const notice: SlackWork[] = conversation?.slackChannel
      ? [
          {
            type: 'ephemeral',
            channel: conversation.slackChannel,
            user: reply.staffId,
            text: replyFailedNotice({
              handle: conversation.authorHandle,
              code: failure.code,
              message: failure.message,
            }),
          },
        ]
      : [];
    await commitChange(tx, reply.conversationId, {
      event: {
        type: 'reply.failed',
        at: deps.now(),
        actor: 'bot',
        details: { replyId: reply.id, code: failure.code, message: failure.message },
      },
      tell: { card: false, thread: conversation?.slackTs != null, more: () => notice },
    });
  });
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
