import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { cursors, mentions } from './schema.js';

/**
 * A surge is kept as one row of the cursors table per channel: `pending:<ms>`
 * while one worker posts the surge's root message, then the root's ts. The
 * insert decides which worker posts it, so a surge has one root however many
 * workers notice it at once.
 */
const NETWORK = 'slack';
const keyOf = (channel: string) => `surge:${channel}`;

export type Surge = { state: 'posting'; since: number } | { state: 'open'; rootTs: string };

/** Mentions routed but not yet in Slack: how far the channel is behind. */
export async function countSlackBacklog(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(mentions)
    .where(and(isNull(mentions.notifiedAt), isNotNull(mentions.routedAt)));
  return row?.n ?? 0;
}

export async function findSurge(db: Executor, channel: string): Promise<Surge | undefined> {
  const [row] = await db
    .select({ value: cursors.value })
    .from(cursors)
    .where(and(eq(cursors.network, NETWORK), eq(cursors.key, keyOf(channel))));
  if (!row) return undefined;
  return row.value.startsWith('pending:')
    ? { state: 'posting', since: Number(row.value.slice('pending:'.length)) }
    : { state: 'open', rootTs: row.value };
}

/** True for the one caller that gets to post the surge's root message. */
export async function claimSurge(db: Executor, channel: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(cursors)
    .values({ network: NETWORK, key: keyOf(channel), value: `pending:${now.getTime()}` })
    .onConflictDoNothing()
    .returning({ key: cursors.key });
  return rows.length === 1;
}

export async function openSurge(db: Executor, channel: string, rootTs: string): Promise<void> {
  await db
    .update(cursors)
    .set({ value: rootTs, updatedAt: new Date() })
    .where(and(eq(cursors.network, NETWORK), eq(cursors.key, keyOf(channel))));
}

export async function endSurge(db: Executor, channel: string): Promise<void> {
  await db.delete(cursors).where(and(eq(cursors.network, NETWORK), eq(cursors.key, keyOf(channel))));
}
