import type { Mention, Network } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import { lockOpenConversation, openConversation, recordAssignment } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { lockMention, markRouted, type MentionRow } from '../db/mentions.repository.js';
import { listRosterWithLoad } from '../db/staff.repository.js';
import { AppError } from '../errors.js';
import { enqueueNotify, type Queues } from '../queueing.js';
import { decide } from './decide.js';

export function mentionFromRow(row: MentionRow): Mention {
  return {
    network: row.network as Network,
    externalId: row.externalId,
    account: row.account,
    author: {
      id: row.authorId,
      handle: row.authorHandle,
      name: row.authorName ?? undefined,
      followers: row.authorFollowers ?? undefined,
      verified: row.authorVerified ?? undefined,
    },
    text: row.text,
    url: row.url ?? undefined,
    inReplyTo: row.inReplyTo ?? undefined,
    kind: (row.kind as Mention['kind']) ?? undefined,
    createdAt: row.postedAt.toISOString(),
  };
}

export type RouteOutcome = 'assigned' | 'joined' | 'already_routed';

/**
 * Routes one stored mention in one transaction: it joins the customer's open
 * conversation, or opens one assigned by decide(). The Slack notification is
 * queued after commit; a retry after a crash finds the mention routed and
 * only queues the (deduplicated) notification again.
 */
export async function routeMention(
  deps: { db: Database; queues: Queues; now: () => Date },
  mentionId: string,
): Promise<RouteOutcome> {
  const outcome = await deps.db.transaction(async (tx): Promise<RouteOutcome> => {
    const mention = await lockMention(tx, mentionId);
    if (!mention) throw new AppError('routing.mention_missing', `mention ${mentionId} is not stored`);
    if (mention.routedAt) return 'already_routed';
    const now = deps.now();

    const open = await lockOpenConversation(tx, mention.network, mention.authorId);
    if (open) {
      await markRouted(tx, mention.id, open.id, now);
      await appendEvent(tx, {
        type: 'conversation.followup',
        actor: 'router',
        conversationId: open.id,
        mentionId: mention.id,
        details: { assigneeId: open.assigneeId },
      });
      return 'joined';
    }

    const staff = await listRosterWithLoad(tx);
    const decision = decide(mentionFromRow(mention), { staff }, now);
    if (decision.action !== 'assign') {
      throw new AppError('routing.no_staff', decision.reasons.join('; '), true);
    }
    const conversation = await openConversation(tx, {
      network: mention.network,
      account: mention.account,
      authorId: mention.authorId,
      authorHandle: mention.authorHandle,
      firstMentionId: mention.id,
      assigneeId: decision.assigneeId,
      escalated: false,
      openedAt: mention.postedAt,
    });
    // Another router opened this customer's conversation a moment ago: retry and join it.
    if (!conversation)
      throw new AppError('routing.conversation_race', 'conversation opened concurrently', true);
    await recordAssignment(tx, {
      conversationId: conversation.id,
      staffId: decision.assigneeId,
      assignedBy: 'router',
      reasons: decision.reasons,
    });
    await markRouted(tx, mention.id, conversation.id, now);
    await appendEvent(tx, {
      type: 'conversation.assigned',
      actor: 'router',
      conversationId: conversation.id,
      mentionId: mention.id,
      details: { assigneeId: decision.assigneeId, reasons: decision.reasons },
    });
    return 'assigned';
  });
  await enqueueNotify(deps.queues, { type: 'mention', mentionId });
  return outcome;
}
