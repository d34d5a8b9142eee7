import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { mentions } from './schema.js';

export type MentionRow = typeof mentions.$inferSelect;
export type NewMentionRow = typeof mentions.$inferInsert;

/**
 * Stores a mention once per (network, external id). A second arrival, by
 * webhook retry or by polling, returns the stored row with `inserted: false`.
 */
export async function insertMention(
  db: Executor,
  values: NewMentionRow,
): Promise<{ row: MentionRow; inserted: boolean }> {
  const [inserted] = await db
    .insert(mentions)
    .values(values)
    .onConflictDoNothing({ target: [mentions.network, mentions.externalId] })
    .returning();
  if (inserted) return { row: inserted, inserted: true };
  const [existing] = await db
    .select()
    .from(mentions)
    .where(and(eq(mentions.network, values.network), eq(mentions.externalId, values.externalId)));
  if (!existing) throw new Error('mention vanished between insert and select');
  return { row: existing, inserted: false };
}

export async function findMention(db: Executor, id: string): Promise<MentionRow | undefined> {
  const [row] = await db.select().from(mentions).where(eq(mentions.id, id));
  return row;
}

export async function findMentionByExternalId(
  db: Executor,
  network: string,
  externalId: string,
): Promise<MentionRow | undefined> {
  const [row] = await db
    .select()
    .from(mentions)
    .where(and(eq(mentions.network, network), eq(mentions.externalId, externalId)));
  return row;
}

/** Row lock: two routers handed the same mention take turns, and the second sees it routed. */
export async function lockMention(db: Executor, id: string): Promise<MentionRow | undefined> {
  const [row] = await db.select().from(mentions).where(eq(mentions.id, id)).for('update');
  return row;
}

export async function markRouted(db: Executor, id: string, conversationId: string, at: Date): Promise<void> {
  await db.update(mentions).set({ conversationId, routedAt: at }).where(eq(mentions.id, id));
}

/** Conditional: true only for the call that records the notification. */
export async function markNotified(db: Executor, id: string, slackTs: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(mentions)
    .set({ notifiedAt: at, slackTs })
    .where(and(eq(mentions.id, id), isNull(mentions.notifiedAt)))
    .returning({ id: mentions.id });
  return rows.length === 1;
}

export function listConversationMentions(db: Executor, conversationId: string): Promise<MentionRow[]> {
  return db
    .select()
    .from(mentions)
    .where(eq(mentions.conversationId, conversationId))
    .orderBy(asc(mentions.postedAt), asc(mentions.receivedAt));
}

/** Mentions accepted but not yet shown in Slack, older than `before`: work a lost queue job left behind. */
export function listStalled(db: Executor, before: Date, limit: number): Promise<MentionRow[]> {
  return db
    .select()
    .from(mentions)
    .where(and(isNull(mentions.notifiedAt), lt(mentions.receivedAt, before)))
    .orderBy(asc(mentions.receivedAt))
    .limit(limit);
}

export async function countMentions(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(mentions);
  return row?.n ?? 0;
}
