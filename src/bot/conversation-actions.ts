import type { Network } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import {
  escalateToOwner,
  findConversation,
  recordAssignment,
  resolveConversation,
} from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { findMention } from '../db/mentions.repository.js';
import { createReply } from '../db/replies.repository.js';
import { findOwner, findRosterMember, type StaffRow } from '../db/staff.repository.js';
import { AppError } from '../errors.js';
import { checkReply } from '../network/text-limits.js';
import { enqueueNotify, enqueueReply, type Queues } from '../queueing.js';

/**
 * The use cases behind Slack's buttons and modal. Each is a conditional
 * update plus an event, so a double click changes nothing the second time.
 */
export interface ActionDeps {
  db: Database;
  queues: Queues;
  now: () => Date;
}

/** Only people on the roster act; everyone else is told why. */
export async function requireRosterMember(db: Database, slackUserId: string): Promise<StaffRow> {
  const member = await findRosterMember(db, slackUserId);
  if (!member) {
    throw new AppError(
      'rights.not_on_roster',
      "You're not on this team's Firsthand roster, so you can't act on customer conversations. Ask the owner to add you to the team file.",
    );
  }
  return member;
}

export async function escalate(deps: ActionDeps, actorId: string, conversationId: string): Promise<boolean> {
  await requireRosterMember(deps.db, actorId);
  const owner = await findOwner(deps.db);
  if (!owner) throw new AppError('escalation.no_owner', 'The roster has no owner to escalate to.');
  const eventId = await deps.db.transaction(async (tx) => {
    const updated = await escalateToOwner(tx, conversationId, owner.id);
    if (!updated) return undefined;
    const reasons = [`escalated by <@${actorId}>`];
    await recordAssignment(tx, { conversationId, staffId: owner.id, assignedBy: actorId, reasons });
    const event = await appendEvent(tx, {
      type: 'conversation.escalated',
      actor: actorId,
      conversationId,
      details: { ownerId: owner.id },
    });
    return event.id;
  });
  if (eventId !== undefined) await enqueueNotify(deps.queues, { type: 'refresh', conversationId, eventId });
  return eventId !== undefined;
}

export async function resolve(deps: ActionDeps, actorId: string, conversationId: string): Promise<boolean> {
  await requireRosterMember(deps.db, actorId);
  const eventId = await deps.db.transaction(async (tx) => {
    const updated = await resolveConversation(tx, conversationId, deps.now());
    if (!updated) return undefined;
    const event = await appendEvent(tx, { type: 'conversation.resolved', actor: actorId, conversationId });
    return event.id;
  });
  if (eventId !== undefined) await enqueueNotify(deps.queues, { type: 'refresh', conversationId, eventId });
  return eventId !== undefined;
}

/** What the reply modal needs to open: the network's rules and the mention to answer. */
export async function prepareReply(deps: ActionDeps, actorId: string, conversationId: string) {
  await requireRosterMember(deps.db, actorId);
  const conversation = await findConversation(deps.db, conversationId);
  if (!conversation) throw new AppError('conversation.not_found', 'That conversation no longer exists.');
  if (conversation.closedAt)
    throw new AppError('conversation.closed', 'This conversation is already resolved.');
  return conversation;
}

/**
 * Accepts a reply from the modal: checks the text against the network's
 * limit, stores it once per modal submission and queues it for posting.
 */
export async function submitReply(
  deps: ActionDeps,
  input: { actorId: string; conversationId: string; mentionId: string; submissionKey: string; text: string },
): Promise<{ replyId: string; created: boolean }> {
  await requireRosterMember(deps.db, input.actorId);
  const mention = await findMention(deps.db, input.mentionId);
  if (!mention || mention.conversationId !== input.conversationId) {
    throw new AppError('reply.unknown_mention', 'That message is not part of this conversation.');
  }
  const check = checkReply(mention.network as Network, mention.authorHandle, input.text);
  if (!check.ok) throw new AppError('reply.invalid', check.message);
  const { row, created } = await deps.db.transaction(async (tx) => {
    const stored = await createReply(tx, {
      conversationId: input.conversationId,
      mentionId: input.mentionId,
      staffId: input.actorId,
      submissionKey: input.submissionKey,
      text: check.text,
    });
    if (stored.created) {
      await appendEvent(tx, {
        type: 'reply.requested',
        actor: input.actorId,
        conversationId: input.conversationId,
        mentionId: input.mentionId,
        details: { replyId: stored.row.id },
      });
    }
    return stored;
  });
  if (row.status === 'queued') await enqueueReply(deps.queues, row.id);
  return { replyId: row.id, created };
}
