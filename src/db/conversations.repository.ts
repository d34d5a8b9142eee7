import { and, eq, isNull, sql } from 'drizzle-orm';
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
): Promise<void> {
  await db
    .update(assignments)
    .set({ endedAt: new Date() })
    .where(and(eq(assignments.conversationId, values.conversationId), isNull(assignments.endedAt)));
  await db.insert(assignments).values(values);
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
