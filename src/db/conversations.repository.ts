import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { assignments, conversations } from './schema.js';

export type ConversationRow = typeof conversations.$inferSelect;

export async function findConversation(db: Executor, id: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

export async function recordAssignment(
  db: Executor,
  values: { conversationId: string; staffId: string; assignedBy: string; reasons: string[] },
  at: Date,
): Promise<void> {
  await db
    .update(assignments)
    .set({ endedAt: at })
    .where(and(eq(assignments.conversationId, values.conversationId), isNull(assignments.endedAt)));
  await db.insert(assignments).values({ ...values, assignedAt: at });
}

/** Conditional updates: an empty result means the conversation was already in that state. */
export async function escalateToOwner(
  db: Executor,
  id: string,
  ownerId: string,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ escalated: true, assigneeId: ownerId })
    .where(and(eq(conversations.id, id), eq(conversations.escalated, false), isNull(conversations.closedAt)))
    .returning();
  return row;
}

export async function resolveConversation(
  db: Executor,
  id: string,
  at: Date,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .update(conversations)
    .set({ status: 'resolved', closedAt: at })
    .where(and(eq(conversations.id, id), isNull(conversations.closedAt)))
    .returning();
  return row;
}

export async function markReplied(db: Executor, id: string, at: Date): Promise<void> {
  await db
    .update(conversations)
    .set({
      status: sql`case when ${conversations.status} = 'open' then 'replied' else ${conversations.status} end`,
      firstRepliedAt: sql`coalesce(${conversations.firstRepliedAt}, ${at.toISOString()}::timestamptz)`,
    })
    .where(eq(conversations.id, id));
}

/** A conversation we answered or that waited on the customer is open again once they write; false otherwise. */
export async function reopenConversation(db: Executor, id: string): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ status: 'open' })
    .where(
      and(
        eq(conversations.id, id),
        inArray(conversations.status, ['replied', 'waiting']),
        isNull(conversations.closedAt),
      ),
    )
    .returning({ id: conversations.id });
  return rows.length > 0;
}

/** The channel a conversation belongs in (null: the main channel), as routing or a reassignment chose it. */
export async function placeConversation(db: Executor, id: string, channel: string | null): Promise<void> {
  await db.update(conversations).set({ channel }).where(eq(conversations.id, id));
}

/**
 * Records the card posted in the conversation's new channel. Conditional on the card it replaces, so
 * a rerun of the move after it was recorded changes nothing.
 */
export async function recordMovedCard(
  db: Executor,
  id: string,
  from: { channel: string; ts: string },
  to: { channel: string; ts: string },
): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ slackChannel: to.channel, slackTs: to.ts })
    .where(
      and(
        eq(conversations.id, id),
        eq(conversations.slackChannel, from.channel),
        eq(conversations.slackTs, from.ts),
      ),
    )
    .returning({ id: conversations.id });
  return rows.length > 0;
}
