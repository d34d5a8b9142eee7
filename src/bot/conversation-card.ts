import type { Database } from '../db/client.js';
import { findConversation } from '../db/conversations.repository.js';
import { listConversationEvents } from '../db/events.repository.js';
import { listConversationMentions } from '../db/mentions.repository.js';
import { listConversationReplies } from '../db/replies.repository.js';
import { AppError } from '../errors.js';
import type { ConversationCard, ModalTurn } from './blocks.js';

/** Everything the Slack surfaces show about one conversation, read in one place. */
export async function loadConversation(db: Database, conversationId: string) {
  const conversation = await findConversation(db, conversationId);
  if (!conversation)
    throw new AppError('conversation.not_found', `conversation ${conversationId} does not exist`);
  const [mentions, replies, events] = await Promise.all([
    listConversationMentions(db, conversationId),
    listConversationReplies(db, conversationId),
    listConversationEvents(db, conversationId),
  ]);
  return { conversation, mentions, replies, events };
}
export type LoadedConversation = Awaited<ReturnType<typeof loadConversation>>;

export function toCard({ conversation, mentions, replies, events }: LoadedConversation): ConversationCard {
  const first = mentions.find((m) => m.id === conversation.firstMentionId) ?? mentions[0];
  if (!first) throw new AppError('conversation.empty', `conversation ${conversation.id} has no mention`);
  const posted = replies.filter((r) => r.status === 'posted' && r.postedAt);
  const last = posted.at(-1);
  const assigned = events.find((e) => e.type === 'conversation.assigned');
  const resolved = events.findLast((e) => e.type === 'conversation.resolved');
  return {
    conversationId: conversation.id,
    network: conversation.network,
    status: conversation.status,
    escalated: conversation.escalated,
    assigneeId: conversation.assigneeId,
    author: {
      handle: first.authorHandle,
      name: first.authorName,
      followers: first.authorFollowers,
      verified: first.authorVerified,
    },
    text: first.text,
    url: first.url,
    reasons: (assigned?.details.reasons as string[] | undefined) ?? [],
    openedAt: conversation.openedAt,
    lastReply: last?.postedAt ? { staffId: last.staffId, postedAt: last.postedAt } : undefined,
    firstRepliedAt: conversation.firstRepliedAt,
    closedBy: resolved?.actor,
  };
}

/** The conversation so far, oldest first: the customer's messages and our replies. */
export function toTurns({ mentions, replies }: LoadedConversation): ModalTurn[] {
  const turns = [
    ...mentions.map((m) => ({ at: m.postedAt, turn: { from: `@${m.authorHandle}`, text: m.text } })),
    ...replies
      .filter((r) => r.status === 'posted')
      .map((r) => ({
        at: r.postedAt ?? r.createdAt,
        turn: { from: `Our reply (by staff ${r.staffId})`, text: r.text },
      })),
  ];
  return turns.sort((a, b) => a.at.getTime() - b.at.getTime()).map((t) => t.turn);
}
