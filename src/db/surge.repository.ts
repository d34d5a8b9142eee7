import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { readCursor } from './cursors.repository.js';
import { cursors, mentions } from './schema.js';

/**
 * A surge is kept as one row of the cursors table per channel: `pending:<ms>`
 * while one worker posts the surge's root message, then the root's ts. The
 * insert decides which worker posts it, so a surge has one root however many
 * workers notice it at once.
 */
const NETWORK = 'slack';
const keyOf = (channel: string) => `surge:${channel}`;
// Which surge (by its root's ts) the owner was last told about, so a new surge tells them again.
const ownerToldKeyOf = (channel: string) => `surge-owner-told:${channel}`;

export type Surge = { state: 'posting'; since: number } | { state: 'open'; rootTs: string };

/**
 * How far the channel is behind (mentions routed but not yet in Slack) and
 * its surge, if any, in one round trip: every card asks.
 */
export async function readSurgeState(
  db: Executor,
  channel: string,
): Promise<{ backlog: number; surge: Surge | undefined }> {
  const [row] = await db
    .select({
      backlog: sql<number>`(select count(*)::int from ${mentions} where ${and(isNull(mentions.notifiedAt), isNotNull(mentions.routedAt))})`,
      value: sql<
        string | null
      >`(select ${cursors.value} from ${cursors} where ${and(eq(cursors.network, NETWORK), eq(cursors.key, keyOf(channel)))})`,
    })
    .from(sql`(select 1) as one`);
  const value = row?.value ?? null;
  const surge: Surge | undefined =
    value === null
      ? undefined
      : value.startsWith('pending:')
        ? { state: 'posting', since: Number(value.slice('pending:'.length)) }
        : { state: 'open', rootTs: value };
  return { backlog: Number(row?.backlog ?? 0), surge };
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

/**
 * Decides which of a surge's escalation DMs to the owner is the one that
 * goes (the surge known by its root's ts, the DM by its event): the first to
 * ask, atomically, so two sent at once cannot both go. The same DM asking
 * again, a retry after a failed or lost send, is still the one.
 */
export async function claimOwnerToldOfSurge(
  db: Executor,
  channel: string,
  rootTs: string,
  eventId: number,
): Promise<boolean> {
  const claim = `${rootTs} ${eventId}`;
  await db
    .insert(cursors)
    .values({ network: NETWORK, key: ownerToldKeyOf(channel), value: claim })
    .onConflictDoUpdate({
      target: [cursors.network, cursors.key],
      set: { value: claim, updatedAt: new Date() },
      // A claim stands for its own surge; a new surge starts afresh.
      setWhere: sql`split_part(${cursors.value}, ' ', 1) <> ${rootTs}`,
    });
  return (await readCursor(db, NETWORK, ownerToldKeyOf(channel))) === claim;
}
