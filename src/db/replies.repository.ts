import { and, asc, eq, isNotNull, lt, ne } from 'drizzle-orm';
import type { Executor } from './client.js';
import { replies } from './schema.js';

export type ReplyRow = typeof replies.$inferSelect;

/** One modal submission is one reply: a resubmission returns the first row with `created: false`. */
export async function createReply(
  db: Executor,
  values: {
    conversationId: string;
    mentionId: string;
    staffId: string;
    submissionKey: string;
    text: string;
    visibility?: 'public' | 'private';
  },
): Promise<{ row: ReplyRow; created: boolean }> {
  const [row] = await db
    .insert(replies)
    .values(values)
    .onConflictDoNothing({ target: replies.submissionKey })
    .returning();
  if (row) return { row, created: true };
  const [existing] = await db.select().from(replies).where(eq(replies.submissionKey, values.submissionKey));
  if (!existing) throw new Error('reply vanished between insert and select');
  return { row: existing, created: false };
}

export async function findReply(db: Executor, id: string): Promise<ReplyRow | undefined> {
  const [row] = await db.select().from(replies).where(eq(replies.id, id));
  return row;
}

export function listConversationReplies(db: Executor, conversationId: string): Promise<ReplyRow[]> {
  return db
    .select()
    .from(replies)
    .where(eq(replies.conversationId, conversationId))
    .orderBy(replies.createdAt);
}

/** Conditional: only a queued reply becomes posted, so a retried job cannot record it twice. */
export async function markReplyPosted(
  db: Executor,
  id: string,
  result: { networkReplyId: string; networkReplyUrl: string | undefined },
  at: Date,
): Promise<ReplyRow | undefined> {
  const [row] = await db
    .update(replies)
    .set({
      status: 'posted',
      networkReplyId: result.networkReplyId,
      networkReplyUrl: result.networkReplyUrl ?? null,
      postedAt: at,
    })
    .where(and(eq(replies.id, id), eq(replies.status, 'queued')))
    .returning();
  return row;
}

/** Conditional like markReplyPosted: true only for the call that moved the reply out of the queue. */
export async function markReplyFailed(db: Executor, id: string, error: string): Promise<boolean> {
  const changed = await db
    .update(replies)
    .set({ status: 'failed', error })
    .where(and(eq(replies.id, id), eq(replies.status, 'queued')))
    .returning({ id: replies.id });
  return changed.length > 0;
}

/**
 * Notes when a post to the network began, before it is sent, so that if no answer comes back (a
 * timeout, a crash) the retry knows to look for it first; null once the network surely did not take it.
 */
export async function setReplyAttempt(db: Executor, id: string, at: Date | null): Promise<void> {
  await db.update(replies).set({ attemptedAt: at }).where(eq(replies.id, id));
}

/** The network's ids of the other replies to a mention already posted: a search for one reply must skip them. */
export async function otherPostedReplyIds(
  db: Executor,
  mentionId: string,
  replyId: string,
): Promise<Set<string>> {
  const rows = await db
    .select({ networkReplyId: replies.networkReplyId })
    .from(replies)
    .where(and(eq(replies.mentionId, mentionId), ne(replies.id, replyId), isNotNull(replies.networkReplyId)));
  return new Set(rows.flatMap((row) => (row.networkReplyId ? [row.networkReplyId] : [])));
}

/** Replies still waiting to be posted, written before `before`, oldest first. */
export function listQueuedReplies(db: Executor, before: Date, limit: number): Promise<ReplyRow[]> {
  return db
    .select()
    .from(replies)
    .where(and(eq(replies.status, 'queued'), lt(replies.createdAt, before)))
    .orderBy(asc(replies.createdAt))
    .limit(limit);
}
