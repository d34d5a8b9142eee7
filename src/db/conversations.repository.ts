import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { assignments, conversations } from './schema.js';

export type ConversationRow = typeof conversations.$inferSelect;

/** The customer's open conversation on this network, locked so a concurrent follow-up waits its turn. */
export async function lockOpenConversation(
  db: Executor,
  network: string,
  authorId: string,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.network, network),
        eq(conversations.authorId, authorId),
        isNull(conversations.closedAt),
      ),
    )
    .for('update');
  return row;
}

export async function findConversation(db: Executor, id: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

/**
 * Opens a conversation, or returns undefined when another router opened one
 * for the same customer first (the partial unique index decides).
 */
export async function openConversation(
  db: Executor,
  values: {
    network: string;
    account: string;
    authorId: string;
    authorHandle: string;
    firstMentionId: string;
    assigneeId: string;
    escalated: boolean;
    openedAt: Date;
  },
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .insert(conversations)
    .values(values)
    .onConflictDoNothing({
      target: [conversations.network, conversations.authorId],
      where: sql`${conversations.closedAt} is null`,
    })
    .returning();
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

/**
 * The first assignment of a conversation opened in the same transaction: it
 * has no earlier assignment to end, so this skips recordAssignment's UPDATE.
 */
export async function recordFirstAssignment(
  db: Executor,
  values: { conversationId: string; staffId: string; assignedBy: string; reasons: string[] },
): Promise<void> {
  await db.insert(assignments).values(values);
}

/** Conditional: only the first caller stores the Slack message; a retry gets false. */
export async function setSlackMessage(
  db: Executor,
  id: string,
  channel: string,
  ts: string,
): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ slackChannel: channel, slackTs: ts })
    .where(and(eq(conversations.id, id), isNull(conversations.slackTs)))
    .returning({ id: conversations.id });
  return rows.length === 1;
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
