import { AppError } from '../contract/errors.js';
import type { Network } from '../contract/mention.js';
import type { Database, Tx } from '../db/client.js';
import { findLatestOffer, hurryOffer } from '../db/clock.repository.js';
import { changeConversation, type UndatedChange } from '../db/conversation-change.js';
import {
  claimConversation,
  lockConversation,
  markSpam,
  markWaiting,
  reassignConversation,
} from '../db/conversation-changes.repository.js';
import {
  type ConversationRow,
  escalateToOwner,
  placeConversation,
  resolveConversation,
} from '../db/conversations.repository.js';
import { appendEvent, listConversationEvents } from '../db/events.repository.js';
import { findMention } from '../db/mentions.repository.js';
import { createReply } from '../db/replies.repository.js';
import { findOwner, findRosterMember, type StaffRow } from '../db/staff.repository.js';
import { allowsPrivateReply, checkReply, requiresPrivateReply } from '../network/text-limits.js';
import { enqueueReply, type Queues } from '../queue/queues.js';
import type { SnoozeOption } from './action-ids.js';
import { snoozeUntil } from './clock.js';
import { routingFacts } from './conversation-card.js';
import { nameText } from './mrkdwn.js';

/**
 * The use cases behind Slack's buttons, menus and modal. Each one locks the
 * conversation, checks the rights against what it finds, makes a
 * conditional update and writes an event in one transaction; a double
 * click finds the work done and changes nothing. Slack is told afterwards,
 * through the Slack outbox, in the same transaction: the card redrawn, a line in the thread, DMs.
 */
export interface ActionDeps {
  db: Database;
  queues: Queues;
  now: () => Date;
  /**
   * Where a conversation goes when handed to `person` from `current` (null: the main channel): a
   * channel, null for the main one, or undefined to stay. Without it, conversations never move.
   */
  channelOnHandover?: (
    current: string | null,
    person: { id: string; skills: readonly string[] },
  ) => string | null | undefined;
}

export interface Outcome {
  changed: boolean;
}

/** Only people on the roster act; everyone else is told why. */
export async function requireRosterMember(db: Database | Tx, slackUserId: string): Promise<StaffRow> {
  const member = await findRosterMember(db, slackUserId);
  if (!member) {
    throw new AppError(
      'rights.not_on_roster',
      "You're not on this team's Firsthand roster, so you can't act on customer conversations. Ask the owner to add you to the team file.",
    );
  }
  return member;
}

function requireOpen(conversation: ConversationRow | undefined): ConversationRow {
  if (!conversation) throw new AppError('conversation.not_found', 'That conversation no longer exists.');
  if (conversation.closedAt) {
    const state = conversation.status === 'spam' ? 'marked as spam' : 'resolved';
    throw new AppError(
      'conversation.closed',
      `This conversation is already ${state}, so there is nothing to do.`,
    );
  }
  return conversation;
}

/** The assignee or the owner may answer; anyone else on the roster claims first. */
function requireMayAnswer(actor: StaffRow, conversation: ConversationRow, doing: string): void {
  if (actor.role === 'owner' || conversation.assigneeId === actor.id) return;
  if (conversation.escalated) {
    throw new AppError(
      'rights.escalated',
      `This conversation is escalated to the owner <@${conversation.assigneeId}>, so only they can ${doing} it or hand it back.`,
    );
  }
  if (!conversation.assigneeId) {
    throw new AppError(
      'rights.claim_first',
      `Nobody has this conversation yet. Click *Claim* first, then you can ${doing} it.`,
    );
  }
  throw new AppError(
    'rights.not_assignee',
    `This conversation is <@${conversation.assigneeId}>'s: only they or the owner can ${doing} it. Click *Claim* if you are taking it over.`,
  );
}

/**
 * Runs one change (db/conversation-change.ts) for a person on the roster.
 * `decide` returns undefined when there is nothing to do (the double click),
 * or throws a refusal that says why.
 */
async function change(
  deps: ActionDeps,
  actorId: string,
  conversationId: string,
  decide: (
    tx: Tx,
    actor: StaffRow,
    conversation: ConversationRow | undefined,
  ) => Promise<UndatedChange | undefined>,
): Promise<Outcome> {
  const eventId = await changeConversation(deps.db, conversationId, async (tx, conversation) => {
    const decided = await decide(tx, await requireRosterMember(tx, actorId), conversation);
    // A person's change happens when they make it, by the app's one clock.
    return decided && { ...decided, event: { ...decided.event, at: deps.now() } };
  });
  return { changed: eventId !== undefined };
}

export function claim(
  deps: ActionDeps,
  actorId: string,
  conversationId: string,
  shownAssignee: string | null,
): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    if (conversation.assigneeId === actor.id) return undefined;
    if (conversation.escalated && actor.role !== 'owner') {
      throw new AppError(
        'rights.escalated',
        `This conversation is escalated to the owner <@${conversation.assigneeId}>; only they can hand it back.`,
      );
    }
    if (conversation.assigneeId !== shownAssignee) {
      throw new AppError(
        'conversation.claimed_meanwhile',
        `<@${conversation.assigneeId}> took this conversation a moment ago, so your claim was not applied. Ask them, or click Claim again to take it over.`,
      );
    }
    if (!(await claimConversation(tx, conversation.id, actor.id, shownAssignee))) return undefined;
    // Taken up on the response clock's offer: it changed hands because nobody answered in time.
    const offer = await findLatestOffer(tx, conversation.id);
    const onOffer = offer?.to === actor.id && offer.from === conversation.assigneeId;
    return {
      assignment: { staffId: actor.id, assignedBy: actor.id, reasons: [`claimed by <@${actor.id}>`] },
      event: {
        type: 'conversation.claimed',
        actor: actor.id,
        details: {
          assigneeId: actor.id,
          previousAssigneeId: conversation.assigneeId,
          ...(onOffer ? { reason: 'response_timeout' } : {}),
        },
      },
      tell: { homes: [actor.id, conversation.assigneeId] },
    };
  });
}

export function reassign(
  deps: ActionDeps,
  actorId: string,
  conversationId: string,
  toId: string,
): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    const target = await findRosterMember(tx, toId);
    if (!target) {
      throw new AppError(
        'rights.target_not_on_roster',
        `<@${toId}> is not on the Firsthand roster, so they can't take customer conversations. Pick someone on the team.`,
      );
    }
    if (conversation.assigneeId === target.id) return undefined;
    if (actor.role !== 'owner' && conversation.assigneeId && conversation.assigneeId !== actor.id) {
      throw new AppError(
        'rights.not_assignee',
        `Only <@${conversation.assigneeId}>, who has this conversation, or the owner can hand it over. Click *Claim* to take it yourself.`,
      );
    }
    // Handing an escalation to anyone but the owner ends it; the owner decided.
    const escalated = conversation.escalated && target.role === 'owner';
    if (!(await reassignConversation(tx, conversation.id, target.id, escalated))) return undefined;
    // Handed to someone of another team's channel, the conversation follows them there; the move's
    // Slack work (new card, pointer in the old thread) is owed with the rest, in this transaction.
    const moveTo = escalated ? undefined : deps.channelOnHandover?.(conversation.channel, target);
    if (moveTo !== undefined) await placeConversation(tx, conversation.id, moveTo);
    return {
      assignment: { staffId: target.id, assignedBy: actor.id, reasons: [`handed over by <@${actor.id}>`] },
      event: {
        type: 'conversation.reassigned',
        actor: actor.id,
        details: {
          assigneeId: target.id,
          previousAssigneeId: conversation.assigneeId,
          ...(moveTo !== undefined ? { channel: moveTo } : {}),
        },
      },
      tell: {
        dms: target.id === actor.id ? [] : [{ kind: 'reassigned', user: target.id }],
        homes: [target.id, conversation.assigneeId],
        ...(moveTo !== undefined
          ? { more: (eventId: number) => [{ type: 'move' as const, conversationId, eventId }] }
          : {}),
      },
    };
  });
}

export function escalate(deps: ActionDeps, actorId: string, conversationId: string): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    if (conversation.escalated) return undefined;
    const owner = await findOwner(tx);
    if (!owner) throw new AppError('escalation.no_owner', 'The roster has no owner to escalate to.');
    if (!(await escalateToOwner(tx, conversation.id, owner.id))) return undefined;
    const events = await listConversationEvents(tx, conversation.id);
    const assigned = events.find((e) => e.type === 'conversation.assigned');
    const reasons = [
      `escalated by <@${actor.id}>`,
      ...routingFacts(conversation, assigned?.details ?? {}).reasons,
    ];
    return {
      assignment: { staffId: owner.id, assignedBy: actor.id, reasons },
      event: {
        type: 'conversation.escalated',
        actor: actor.id,
        details: { ownerId: owner.id, previousAssigneeId: conversation.assigneeId, reasons },
      },
      tell: {
        dms: owner.id === actor.id ? [] : [{ kind: 'escalated', user: owner.id }],
        homes: [owner.id, conversation.assigneeId],
      },
    };
  });
}

export function resolve(deps: ActionDeps, actorId: string, conversationId: string): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    if (!found) throw new AppError('conversation.not_found', 'That conversation no longer exists.');
    if (found.closedAt) return undefined;
    if (!(await resolveConversation(tx, found.id, deps.now()))) return undefined;
    return {
      event: { type: 'conversation.resolved', actor: actor.id },
      tell: { homes: [found.assigneeId] },
    };
  });
}

export function markAsSpam(deps: ActionDeps, actorId: string, conversationId: string): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    if (!found) throw new AppError('conversation.not_found', 'That conversation no longer exists.');
    if (found.closedAt) return undefined;
    if (!(await markSpam(tx, found.id, deps.now()))) return undefined;
    return {
      event: { type: 'conversation.spam', actor: actor.id },
      tell: { homes: [found.assigneeId] },
    };
  });
}

/** We asked the customer something: the conversation waits on them, and its response clock stops. */
export function waitOnCustomer(deps: ActionDeps, actorId: string, conversationId: string): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    requireMayAnswer(actor, conversation, 'mark as waiting');
    if (!(await markWaiting(tx, conversation.id))) return undefined;
    return {
      event: { type: 'conversation.waiting', actor: actor.id },
      tell: { homes: [conversation.assigneeId] },
    };
  });
}

/**
 * The person a conversation was offered to at its response target declines
 * it: the next person is asked at the clock's next sweep, not after the
 * claim window. Only the latest person offered may pass, once.
 */
export function passOffer(deps: ActionDeps, actorId: string, conversationId: string): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    const offer = await findLatestOffer(tx, conversation.id);
    if (offer?.to !== actor.id || conversation.assigneeId === actor.id) {
      throw new AppError(
        'offer.not_yours',
        'This conversation is not offered to you now, so there is nothing to pass.',
      );
    }
    const now = deps.now();
    if (!(await hurryOffer(tx, conversation.id, now))) return undefined;
    return {
      event: {
        type: 'clock.step',
        actor: actor.id,
        details: { step: 'offer', outcome: 'passed', dueAt: now.toISOString(), from: actor.id },
      },
      tell: { card: false },
    };
  });
}

/** A snooze chosen twice within a minute is the same snooze. */
const SAME_SNOOZE_MS = 60_000;

export function snooze(
  deps: ActionDeps,
  actorId: string,
  conversationId: string,
  option: SnoozeOption,
): Promise<Outcome> {
  return change(deps, actorId, conversationId, async (tx, actor, found) => {
    const conversation = requireOpen(found);
    requireMayAnswer(actor, conversation, 'snooze');
    const now = deps.now();
    const events = await listConversationEvents(tx, conversation.id);
    const last = events.findLast((e) => e.type === 'conversation.snoozed');
    if (last && last.details.option === option && now.getTime() - last.at.getTime() < SAME_SNOOZE_MS) {
      return undefined;
    }
    const until = snoozeUntil(option, now, actor.timezone);
    return {
      event: {
        type: 'conversation.snoozed',
        actor: actor.id,
        details: { until: until.toISOString(), option },
      },
      tell: {
        // App Home lists the assignee's conversations with their snoozes.
        homes: [conversation.assigneeId],
        // Its end is owed for its time, by the app's clock.
        more: (eventId: number) => [{ work: { type: 'snooze_end', conversationId, eventId }, at: until }],
      },
    };
  });
}

/** What the reply modal needs to open: the conversation, if this person may answer it. */
export async function prepareReply(deps: ActionDeps, actorId: string, conversationId: string) {
  const actor = await requireRosterMember(deps.db, actorId);
  const conversation = requireOpen(await lockConversationRead(deps.db, conversationId));
  requireMayAnswer(actor, conversation, 'reply to');
  return conversation;
}

const lockConversationRead = (db: Database, id: string) => db.transaction((tx) => lockConversation(tx, id));

/**
 * Accepts a reply from the modal: checks the rights again (the conversation
 * may have changed hands while the modal was open) and the text against the
 * network's limit, stores it once per modal submission and queues it.
 */
export async function submitReply(
  deps: ActionDeps,
  input: {
    actorId: string;
    conversationId: string;
    mentionId: string;
    submissionKey: string;
    text: string;
    visibility?: 'public' | 'private';
  },
): Promise<{ replyId: string; created: boolean }> {
  const actor = await requireRosterMember(deps.db, input.actorId);
  const mention = await findMention(deps.db, input.mentionId);
  if (!mention || mention.conversationId !== input.conversationId) {
    throw new AppError('reply.unknown_mention', 'That message is not part of this conversation.');
  }
  const privateOnly = requiresPrivateReply(mention);
  const visibility = input.visibility ?? (privateOnly ? 'private' : 'public');
  if (visibility === 'public' && privateOnly) {
    throw new AppError(
      'reply.private_only',
      `@${nameText(mention.authorHandle, 100)} wrote to us privately, so the answer goes back as a private message.`,
    );
  }
  if (visibility === 'private' && !allowsPrivateReply(mention)) {
    throw new AppError('reply.private_unsupported', `${mention.network} replies can only be public here.`);
  }
  const check = checkReply(mention.network as Network, mention.authorHandle, input.text, visibility);
  if (!check.ok) throw new AppError('reply.invalid', check.message);
  const { row, created } = await deps.db.transaction(async (tx) => {
    const conversation = requireOpen(await lockConversation(tx, input.conversationId));
    requireMayAnswer(actor, conversation, 'reply to');
    const stored = await createReply(tx, {
      conversationId: input.conversationId,
      mentionId: input.mentionId,
      staffId: input.actorId,
      submissionKey: input.submissionKey,
      text: check.text,
      visibility,
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
