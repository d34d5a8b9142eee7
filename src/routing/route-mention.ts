import type { Mention, Network } from '../contract/mention.js';
import type { Database, Tx } from '../db/client.js';
import { type ConversationRow, escalateToOwner, recordAssignment } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { type MentionRow, markRouted } from '../db/mentions.repository.js';
import { lockMentionAndReadFacts, lockStaffLoad, openRoutedConversation } from '../db/routing.repository.js';
import { findOwner } from '../db/staff.repository.js';
import { AppError } from '../errors.js';
import { enqueueNotify, type Queues } from '../queueing.js';
import { compilePolicy, linkedIdentities, type Policy } from './compiled-policy.js';
import { type Decision, decide } from './decide.js';
import { escalationReasons } from './escalation.js';
import { factWindows, loadSnapshot } from './load-snapshot.js';
import { DEFAULT_POLICY_FILE } from './policy.js';
import { type Understanding, understand } from './understand/index.js';

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

export type RouteOutcome =
  | 'assigned'
  | 'escalated'
  | 'queued'
  | 'dropped'
  | 'joined'
  | 'joined_escalated'
  | 'already_routed';

export interface RouteDeps {
  db: Database;
  queues: Queues;
  now: () => Date;
  /** The routing policy; without one, the defaults (no topics, no triggers, least loaded). */
  policy?: Policy;
}

const DEFAULT_POLICY = compilePolicy(DEFAULT_POLICY_FILE);

/** Another router filled the chosen person's last slot first: decide again on fresh numbers. */
const CAPACITY_CONFLICT = 'routing.capacity_conflict';
const MAX_ATTEMPTS = 5;

/**
 * Routes one stored mention in one transaction: it joins the customer's open
 * conversation, or opens one as decide() says (assign, escalate to the owner,
 * queue, or drop). Slack is told after commit; a retry after a crash finds
 * the mention routed and only queues the (deduplicated) notification again.
 */
export async function routeMention(deps: RouteDeps, mentionId: string): Promise<RouteOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const routed = await deps.db.transaction((tx) =>
        routeInTransaction(deps, deps.policy ?? DEFAULT_POLICY, tx, mentionId),
      );
      if (routed.outcome !== 'dropped') {
        // A dropped mention's notifiedAt was settled in the transaction; everything else is shown.
        await enqueueNotify(deps.queues, { type: 'mention', mentionId });
      }
      if (routed.refreshEventId !== undefined && routed.conversationId) {
        await enqueueNotify(deps.queues, {
          type: 'refresh',
          conversationId: routed.conversationId,
          eventId: routed.refreshEventId,
        });
      }
      return routed.outcome;
    } catch (error) {
      if (!(error instanceof AppError && error.code === CAPACITY_CONFLICT) || attempt >= MAX_ATTEMPTS)
        throw error;
    }
  }
}

interface Routed {
  outcome: RouteOutcome;
  conversationId?: string;
  refreshEventId?: number;
}

async function routeInTransaction(
  deps: RouteDeps,
  policy: Policy,
  tx: Tx,
  mentionId: string,
): Promise<Routed> {
  const now = deps.now();
  const locked = await lockMentionAndReadFacts(tx, mentionId, factWindows(policy, now));
  if (!locked) throw new AppError('routing.mention_missing', `mention ${mentionId} is not stored`);
  const row = locked.mention;
  // A retry of a dropped mention queues a notification too; notify skips it, its notifiedAt being set.
  if (row.routedAt) return { outcome: 'already_routed' };
  const mention = mentionFromRow(row);

  const readSnapshot = () => loadSnapshot(tx, policy, { ...mention, id: row.id }, now, locked.facts);
  if (locked.open) return joinOpenConversation(policy, tx, row, mention, locked.open, now, readSnapshot);

  const { snapshot, sameTextElsewhere } = await readSnapshot();
  const understanding = understand(mention, policy, { sameTextElsewhere });
  const decision = decide(mention, understanding, snapshot, policy, now);

  if (decision.action === 'assign' && decision.assigneeId) {
    const load = await lockStaffLoad(tx, decision.assigneeId);
    if (!load || load.openConversations >= load.capacity) {
      throw new AppError(CAPACITY_CONFLICT, `${decision.assigneeId} filled up while routing`, true);
    }
  }

  const conversation = await openRoutedConversation(
    tx,
    {
      network: row.network,
      account: row.account,
      authorId: row.authorId,
      authorHandle: row.authorHandle,
      firstMentionId: row.id,
      assigneeId: decision.assigneeId,
      escalated: decision.action === 'escalate',
      openedAt: row.postedAt,
      priority: decision.priority,
      responseTargetMinutes: decision.responseTargetMinutes,
      routingReasons: decision.reasons,
      coveringFor: decision.coveringFor,
      ...(decision.action === 'drop'
        ? { status: 'spam' as const, closedAt: now }
        : { status: 'open' as const, closedAt: null }),
    },
    {
      mentionId: row.id,
      routedAt: now,
      event: { type: EVENT_TYPE[decision.action], details: decisionDetails(decision, understanding) },
    },
  );
  // Another router opened this customer's conversation a moment ago: retry and join it.
  if (!conversation)
    throw new AppError('routing.conversation_race', 'conversation opened concurrently', true);

  return { outcome: OUTCOME[decision.action], conversationId: conversation.id };
}

// The Slack card reads its "Why" line from the first conversation.assigned event, escalations included.
const EVENT_TYPE: Record<Decision['action'], string> = {
  assign: 'conversation.assigned',
  escalate: 'conversation.assigned',
  queue: 'conversation.queued',
  drop: 'mention.dropped',
};
const OUTCOME: Record<Decision['action'], RouteOutcome> = {
  assign: 'assigned',
  escalate: 'escalated',
  queue: 'queued',
  drop: 'dropped',
};

// What the router read in the mention travels with the decision, so Slack can show it beside the reasons.
function decisionDetails(decision: Decision, understanding: Understanding): Record<string, unknown> {
  return {
    action: decision.action,
    language: understanding.language.code ?? null,
    sentiment: understanding.sentiment.label,
    intent: understanding.intent.primary,
    assigneeId: decision.assigneeId,
    priority: decision.priority,
    responseTargetMinutes: decision.responseTargetMinutes,
    reasons: decision.reasons,
    ...(decision.coveringFor ? { coveringFor: decision.coveringFor } : {}),
  };
}

/**
 * A follow-up joins the open conversation and its assignee. If it says what
 * only the owner can answer (a legal threat after a routine question), the
 * conversation is escalated there and then.
 */
async function joinOpenConversation(
  policy: Policy,
  tx: Tx,
  row: MentionRow,
  mention: Mention,
  open: ConversationRow,
  now: Date,
  readSnapshot: () => ReturnType<typeof loadSnapshot>,
): Promise<Routed> {
  await markRouted(tx, row.id, open.id, now);
  await appendEvent(tx, {
    type: 'conversation.followup',
    actor: 'router',
    conversationId: open.id,
    mentionId: row.id,
    details: { assigneeId: open.assigneeId },
  });
  if (open.escalated) return { outcome: 'joined' };
  const { snapshot, sameTextElsewhere } = await readSnapshot();
  const understanding = understand(mention, policy, { sameTextElsewhere });
  const identities = linkedIdentities(policy, mention.network, mention.author.handle);
  const reasons = escalationReasons(policy, mention, understanding, snapshot, identities);
  if (reasons.length === 0 || understanding.spam.likelihood >= policy.file.spam.dropAt) {
    return { outcome: 'joined' };
  }
  const owner = await findOwner(tx);
  if (!owner) return { outcome: 'joined' };
  const escalated = await escalateToOwner(tx, open.id, owner.id);
  if (!escalated) return { outcome: 'joined' };
  await recordAssignment(tx, { conversationId: open.id, staffId: owner.id, assignedBy: 'router', reasons });
  const event = await appendEvent(tx, {
    type: 'conversation.escalated',
    actor: 'router',
    conversationId: open.id,
    mentionId: row.id,
    details: { from: open.assigneeId, to: owner.id, reasons },
  });
  return { outcome: 'joined_escalated', conversationId: open.id, refreshEventId: event.id };
}
