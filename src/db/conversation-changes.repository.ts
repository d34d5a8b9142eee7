import { and, desc, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import type { Executor } from './client.js';
import type { ConversationRow } from './conversations.repository.js';
import type { EventRow } from './events.repository.js';
import { conversations, events } from './schema.js';

/**
 * The changes people make from Slack. Each is a conditional update: an
 * empty result means someone (or the same double click) got there first.
 */

/** Row lock, so the rights check and the change see the same assignee. */
export async function lockConversation(db: Executor, id: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).for('update');
  return row;
}

/** Takes an open conversation, but only from the assignee the claimer saw. */
export async function claimConversation(
  db: Executor,
  id: string,
  staffId: string,
  shownAssignee: string | null,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ assigneeId: staffId })
    .where(
      and(
        eq(conversations.id, id),
        isNull(conversations.closedAt),
        shownAssignee === null
          ? isNull(conversations.assigneeId)
          : eq(conversations.assigneeId, shownAssignee),
        or(isNull(conversations.assigneeId), ne(conversations.assigneeId, staffId)),
      ),
    )
    .returning();
  return row;
}

export async function reassignConversation(
  db: Executor,
  id: string,
  to: string,
  escalated: boolean,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ assigneeId: to, escalated })
    .where(
      and(
        eq(conversations.id, id),
        isNull(conversations.closedAt),
        or(isNull(conversations.assigneeId), ne(conversations.assigneeId, to)),
      ),
    )
    .returning();
  return row;
}

export async function markSpam(db: Executor, id: string, at: Date): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ status: 'spam', closedAt: at })
    .where(and(eq(conversations.id, id), isNull(conversations.closedAt)))
    .returning();
  return row;
}

/** An open or replied conversation now waits on the customer: its response clock stops. */
export async function markWaiting(db: Executor, id: string): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ status: 'waiting' })
    .where(
      and(
        eq(conversations.id, id),
        isNull(conversations.closedAt),
        inArray(conversations.status, ['open', 'replied']),
      ),
    )
    .returning();
  return row;
}

/** The latest event of any of `types` for each conversation given. */
export async function latestEvents(
  db: Executor,
  conversationIds: string[],
  types: string[],
): Promise<Map<string, EventRow>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(events)
    .where(and(inArray(events.conversationId, conversationIds), inArray(events.type, types)))
    .orderBy(desc(events.id));
  return latestByConversation(rows);
}

/** The first of `rows` (read newest first) for each conversation. */
function latestByConversation<T extends { conversationId: string | null }>(
  rows: readonly T[],
): Map<string, T> {
  const latest = new Map<string, T>();
  for (const row of rows)
    if (row.conversationId && !latest.has(row.conversationId)) latest.set(row.conversationId, row);
  return latest;
}

export async function findEvent(db: Executor, id: number): Promise<EventRow | undefined> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row;
}
