import { asc, inArray, lt } from 'drizzle-orm';
import type { Executor } from './client.js';
import { notifyOutbox } from './schema.js';

export type OutboxRow = typeof notifyOutbox.$inferSelect;

/** Records, in the caller's transaction, the Slack work its change owes; returns the rows to clear once queued. */
export async function addToOutbox(
  db: Executor,
  entries: readonly { job: unknown; runAt?: Date }[],
): Promise<OutboxRow[]> {
  if (entries.length === 0) return [];
  return db
    .insert(notifyOutbox)
    .values(entries.map((e) => ({ job: e.job, runAt: e.runAt ?? null })))
    .returning();
}

export async function removeFromOutbox(db: Executor, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await db.delete(notifyOutbox).where(inArray(notifyOutbox.id, [...ids]));
}

/** Rows written before `before` and still there: their change committed but never reached the queue. */
export function listOutbox(db: Executor, before: Date, limit: number): Promise<OutboxRow[]> {
  return db
    .select()
    .from(notifyOutbox)
    .where(lt(notifyOutbox.createdAt, before))
    .orderBy(asc(notifyOutbox.id))
    .limit(limit);
}
