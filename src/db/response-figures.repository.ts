import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { conversations, events, replies, staff } from './schema.js';

/** What response-time figures are computed from: one row per conversation, one per timeout event. */

export interface ConversationResponseFacts {
  id: string;
  network: string;
  openedAt: Date;
  targetMinutes: number | null;
  /** When its first response clock offered it on: the target in the assignee's working hours. */
  clockDueAt?: Date | null;
  /** The first posted reply's time (or first_replied_at where no reply row says so); null: unanswered. */
  firstResponseAt: Date | null;
  /** Who posted that first reply. */
  firstResponderId: string | null;
  assigneeId: string | null;
  open: boolean;
  /** The latest snooze's end, when the latest snooze event is a snooze (it may be over already). */
  snoozedUntil: Date | null;
}

export interface TimeoutEventFacts {
  /** Handed to the next person at the target, or the owner told at the chain's last step. */
  type: 'handed_over' | 'owner_told';
  at: Date;
  network: string;
  /** Who it was taken from (previousAssigneeId), else whoever holds the conversation now. */
  staffId: string | null;
}

const SNOOZE_EVENT_TYPES = ['conversation.snoozed', 'conversation.snooze_ended'];

/**
 * Conversations opened in [since, now], and every open unanswered one
 * whenever opened (they may be overdue now). A mention brought back from the
 * spam filter opened a second conversation; the first (not_spam) is left out.
 */
export async function listConversationResponseFacts(
  db: Executor,
  since: Date,
  now: Date,
): Promise<ConversationResponseFacts[]> {
  const firstReply = db
    .select({ staffId: replies.staffId, postedAt: replies.postedAt })
    .from(replies)
    .where(
      and(
        eq(replies.conversationId, conversations.id),
        eq(replies.status, 'posted'),
        isNotNull(replies.postedAt),
      ),
    )
    .orderBy(asc(replies.postedAt), asc(replies.createdAt))
    .limit(1)
    .as('first_reply');
  const lastSnooze = db
    .select({ type: events.type, until: sql<string | null>`${events.details}->>'until'`.as('until') })
    .from(events)
    .where(and(eq(events.conversationId, conversations.id), inArray(events.type, SNOOZE_EVENT_TYPES)))
    .orderBy(desc(events.id))
    .limit(1)
    .as('last_snooze');
  const rows = await db
    .select({
      id: conversations.id,
      network: conversations.network,
      openedAt: conversations.openedAt,
      targetMinutes: conversations.responseTargetMinutes,
      firstRepliedAt: conversations.firstRepliedAt,
      firstReplyAt: firstReply.postedAt,
      firstResponderId: firstReply.staffId,
      assigneeId: conversations.assigneeId,
      closedAt: conversations.closedAt,
      snoozeType: lastSnooze.type,
      snoozeUntil: lastSnooze.until,
      clockDueAt: sql<string | null>`(select s->>'at' from ${events} e
        cross join jsonb_array_elements(e.details->'steps') s
        where e.conversation_id = ${conversations.id} and e.type = 'clock.started' and s->>'step' = 'offer'
        order by e.id limit 1)`,
    })
    .from(conversations)
    .leftJoinLateral(firstReply, sql`true`)
    .leftJoinLateral(lastSnooze, sql`true`)
    .where(
      and(
        ne(conversations.status, 'not_spam'),
        or(
          and(gte(conversations.openedAt, since), lte(conversations.openedAt, now)),
          and(isNull(conversations.closedAt), isNull(conversations.firstRepliedAt)),
        ),
      ),
    );
  return rows.map((r) => {
    const until = r.snoozeType === 'conversation.snoozed' && r.snoozeUntil ? new Date(r.snoozeUntil) : null;
    return {
      id: r.id,
      network: r.network,
      openedAt: r.openedAt,
      targetMinutes: r.targetMinutes,
      clockDueAt: r.clockDueAt ? new Date(r.clockDueAt) : null,
      firstResponseAt: r.firstReplyAt ?? r.firstRepliedAt,
      firstResponderId: r.firstResponderId,
      assigneeId: r.assigneeId,
      open: r.closedAt === null,
      snoozedUntil: until && !Number.isNaN(until.getTime()) ? until : null,
    };
  });
}

/**
 * What the response clock (routing/clock-sweep.ts) did in [since, now] because nobody answered in time:
 * conversations claimed on its offer at the target, and the owner told at the last step.
 */
export async function listTimeoutEvents(db: Executor, since: Date, now: Date): Promise<TimeoutEventFacts[]> {
  const rows = await db
    .select({
      type: events.type,
      at: events.at,
      network: conversations.network,
      previousAssigneeId: sql<string | null>`${events.details}->>'previousAssigneeId'`,
      assigneeId: conversations.assigneeId,
    })
    .from(events)
    .innerJoin(conversations, eq(conversations.id, events.conversationId))
    .where(
      and(
        sql`((${events.type} in ('conversation.reassigned', 'conversation.claimed')
            and ${events.details}->>'reason' = 'response_timeout')
          or (${events.type} = 'clock.step' and ${events.details}->>'outcome' = 'owner_told'))`,
        gte(events.at, since),
        lte(events.at, now),
      ),
    );
  return rows.map((r) => ({
    type: r.type === 'clock.step' ? 'owner_told' : 'handed_over',
    at: r.at,
    network: r.network,
    staffId: r.previousAssigneeId ?? r.assigneeId,
  }));
}

/** Everyone's name, on the roster or not: figures may name someone since dropped from it. */
export async function staffNames(db: Executor): Promise<Map<string, string>> {
  const rows = await db.select({ id: staff.id, name: staff.name }).from(staff);
  return new Map(rows.map((r) => [r.id, r.name]));
}
