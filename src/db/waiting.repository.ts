import { and, asc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Executor } from './client.js';
import { conversations } from './schema.js';

export type WaitingRow = typeof conversations.$inferSelect;

/** Open conversations nobody could take when they arrived, oldest first. */
export function listWaiting(db: Executor, limit: number): Promise<WaitingRow[]> {
  return db
    .select()
    .from(conversations)
    .where(and(isNull(conversations.assigneeId), isNull(conversations.closedAt)))
    .orderBy(asc(conversations.openedAt))
    .limit(limit);
}

/** Open conversations a colleague holds while the customer's usual contact is away. */
export function listCovered(db: Executor, limit: number): Promise<WaitingRow[]> {
  return db
    .select()
    .from(conversations)
    .where(and(isNotNull(conversations.coveringFor), isNull(conversations.closedAt)))
    .orderBy(asc(conversations.openedAt))
    .limit(limit);
}

/** Conditional: takes the conversation out of the queue only if it is still waiting. */
export async function assignWaiting(
  db: Executor,
  id: string,
  values: { assigneeId: string; reasons: string[]; coveringFor: string | null },
): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ assigneeId: values.assigneeId, routingReasons: values.reasons, coveringFor: values.coveringFor })
    .where(and(eq(conversations.id, id), isNull(conversations.assigneeId), isNull(conversations.closedAt)))
    .returning({ id: conversations.id });
  return rows.length === 1;
}

/** Conditional: gives the conversation back to its usual contact only if the colleague still holds it. */
export async function handBack(db: Executor, id: string, from: string, to: string): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ assigneeId: to, coveringFor: null })
    .where(
      and(
        eq(conversations.id, id),
        eq(conversations.assigneeId, from),
        eq(conversations.coveringFor, to),
        isNull(conversations.closedAt),
      ),
    )
    .returning({ id: conversations.id });
  return rows.length === 1;
}
