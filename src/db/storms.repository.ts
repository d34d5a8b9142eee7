import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { StormFigures } from '../contract/events.js';
import { type Executor, queryRows } from './client.js';
import { appendEvent } from './events.repository.js';
import { clusterMembers, storms, storyClusters } from './schema.js';
import { oweSlack } from './slack-owed.repository.js';
import { findOwner } from './staff.repository.js';

export type StormRow = typeof storms.$inferSelect;
export type ClusterRow = typeof storyClusters.$inferSelect;

/** Mentions received in the minute before `now`, by any ingest. */
export async function countLastMinute(db: Executor, now: Date): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from mentions
      where received_at > ${new Date(now.getTime() - 60_000).toISOString()}::timestamptz
        and received_at <= ${now.toISOString()}::timestamptz`,
  );
  return Number(row?.n ?? 0);
}

/**
 * The usual mentions a minute for this hour of the week: the hour around
 * `now` in each of the four weeks before, averaged. Zero with no history.
 */
export async function usualPerMinute(db: Executor, now: Date): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from generate_series(1, 4) as week
      join mentions on received_at >= ${now.toISOString()}::timestamptz - week * interval '7 days' - interval '30 minutes'
        and received_at < ${now.toISOString()}::timestamptz - week * interval '7 days' + interval '30 minutes'`,
  );
  return Number(row?.n ?? 0) / (4 * 60);
}

export async function findOpenStorm(db: Executor): Promise<StormRow | undefined> {
  const [row] = await db.select().from(storms).where(isNull(storms.endedAt));
  return row;
}

export async function findStorm(db: Executor, id: number): Promise<StormRow | undefined> {
  const [row] = await db.select().from(storms).where(eq(storms.id, id));
  return row;
}

/**
 * Opens a storm unless one is open (two routers may see it at once), with
 * its event and what it owes Slack: its root message in the team channel and
 * one DM to the owner. Undefined: another router opened it first.
 */
export async function openStorm(
  db: Executor,
  at: Date,
  figures: StormFigures,
  reasons: string[],
): Promise<StormRow | undefined> {
  const [row] = await db
    .insert(storms)
    .values({ startedAt: at, startFigures: { ...figures, reasons } })
    .onConflictDoNothing()
    .returning();
  if (!row) return undefined;
  await appendEvent(db, {
    type: 'storm.started',
    actor: 'router',
    at,
    details: { stormId: row.id, reasons, figures },
  });
  const owner = await findOwner(db);
  await oweSlack(db, [
    { work: { type: 'storm', stormId: row.id }, priority: -2 },
    // The thread's first turn, once its first stories are old enough to show.
    {
      work: { type: 'storm_stories', stormId: row.id, turn: 0 },
      priority: -1,
      at: new Date(at.getTime() + SHOW_CLUSTERS_AFTER_MS),
    },
    ...(owner
      ? [
          {
            work: { type: 'storm_owner' as const, stormId: row.id, user: owner.id },
            key: `so-${row.id}`,
            priority: -1,
          },
        ]
      : []),
  ]);
  return row;
}

/** Notes when the storm turned calm (null: stormy again), for its end after a quiet spell. */
export async function setCalmSince(db: Executor, id: number, since: Date | null): Promise<void> {
  await db
    .update(storms)
    .set({ calmSince: since })
    .where(and(eq(storms.id, id), isNull(storms.endedAt)));
}

/** Ends the open storm once: its event, the summary in its thread, and the owner's DM brought up to date. */
export async function closeStorm(
  db: Executor,
  id: number,
  at: Date,
  figures: StormFigures,
  reasons: string[],
): Promise<boolean> {
  const [row] = await db
    .update(storms)
    .set({ endedAt: at, endFigures: { ...figures, reasons } })
    .where(and(eq(storms.id, id), isNull(storms.endedAt)))
    .returning({ id: storms.id });
  if (!row) return false;
  await appendEvent(db, {
    type: 'storm.ended',
    actor: 'router',
    at,
    details: { stormId: id, reasons, figures },
  });
  const owner = await findOwner(db);
  await oweSlack(db, [
    { type: 'storm_summary', stormId: id },
    ...(owner
      ? [{ work: { type: 'storm_owner' as const, stormId: id, user: owner.id }, key: `so-${id}-end` }]
      : []),
  ]);
  return true;
}

export async function recordStormTs(db: Executor, id: number, ts: string): Promise<void> {
  await db
    .update(storms)
    .set({ slackTs: ts })
    .where(and(eq(storms.id, id), isNull(storms.slackTs)));
}

export async function recordOwnerDm(db: Executor, id: number, channel: string, ts: string): Promise<void> {
  await db
    .update(storms)
    .set({ ownerChannel: channel, ownerTs: ts })
    .where(and(eq(storms.id, id), isNull(storms.ownerTs)));
}

// The advisory lock's first key: opening a cluster in a storm (the second key is the storm's id).
const CLUSTER_LOCK = 0x5707;

/** Held while a router opens a cluster, so two routers seeing one story open it once. */
export async function lockStorm(tx: Executor, stormId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${CLUSTER_LOCK}, ${stormId}::int)`);
}

/** A storm's clusters in the order they formed, for an index rebuilt from them. */
export function listClusters(db: Executor, stormId: number, afterId = 0): Promise<ClusterRow[]> {
  return db
    .select()
    .from(storyClusters)
    .where(and(eq(storyClusters.stormId, stormId), gt(storyClusters.id, afterId)))
    .orderBy(asc(storyClusters.id));
}

export async function findCluster(db: Executor, id: number): Promise<ClusterRow | undefined> {
  const [row] = await db.select().from(storyClusters).where(eq(storyClusters.id, id));
  return row;
}

/**
 * A new cluster. Its message is the storm thread's business (`storm_stories`):
 * shown once it is ten seconds old, so a cluster folded into another by then
 * (two routers found one story at once) is never posted.
 */
export async function createCluster(
  db: Executor,
  stormId: number,
  signatures: number[][],
  at: Date,
): Promise<ClusterRow> {
  const [row] = await db.insert(storyClusters).values({ stormId, signatures, createdAt: at }).returning();
  return row!;
}

/** A cluster younger than this is not shown yet. */
export const SHOW_CLUSTERS_AFTER_MS = 10_000;

/**
 * Counts a routed mention in a cluster instead of giving it a card: the
 * mention is routed, and the storm thread's next turns show it.
 */
export async function joinCluster(
  db: Executor,
  join: {
    mentionId: string;
    clusterId: number;
    sentiment: string;
    at: Date;
    /** Routing sent it to the owner: why, and who; a story nobody holds goes to the owner with it. */
    forOwner?: { ownerId: string; why: string } | undefined;
  },
): Promise<boolean> {
  const routed = await queryRows<{ clusterId: number }>(
    db,
    sql`with target as (
        -- A router that has not heard of a merge yet joins the cluster it went into. Shared-locked, so a
        -- merge under way finishes first (and is read here) or waits for this member (and moves it).
        select coalesce(merged_into, id) as id from story_clusters where id = ${join.clusterId} for share
      ), routed as (
        update mentions set routed_at = ${join.at.toISOString()}::timestamptz
        where id = ${join.mentionId}::uuid and routed_at is null and exists (select 1 from target)
          -- One split off its cluster is routed again on its own.
          and not exists (select 1 from cluster_members where mention_id = ${join.mentionId}::uuid)
        returning id
      )
      insert into cluster_members (mention_id, cluster_id, sentiment, for_owner, joined_at)
      select routed.id, target.id, ${join.sentiment}, ${join.forOwner?.why ?? null},
        ${join.at.toISOString()}::timestamptz
      from routed, target
      returning cluster_id::int as "clusterId"`,
  );
  const clusterId = routed[0]?.clusterId;
  if (clusterId === undefined) return false;
  if (join.forOwner)
    await db
      .update(storyClusters)
      .set({ assigneeId: join.forOwner.ownerId })
      .where(and(eq(storyClusters.id, clusterId), isNull(storyClusters.assigneeId)));
  return true;
}

/**
 * What a cluster's message counted once it is in Slack: its members are
 * shown, as a card would be, and the count is kept for the next turn.
 */
export async function markClusterShown(
  db: Executor,
  clusterId: number,
  shown: { upTo: Date; count: number },
  at: Date,
): Promise<void> {
  await db.update(storyClusters).set({ shownCount: shown.count }).where(eq(storyClusters.id, clusterId));
  await db.execute(
    sql`update mentions m set notified_at = ${at.toISOString()}::timestamptz
      from ${clusterMembers} c
      where c.cluster_id = ${clusterId} and c.mention_id = m.id and c.joined_at <= ${shown.upTo.toISOString()}::timestamptz
        and c.split_at is null and m.notified_at is null`,
  );
}

/** Every cluster of a storm, without signatures: which are still open, and where merged ones went. */
export function listClusterStates(
  db: Executor,
  stormId: number,
): Promise<{ id: number; status: ClusterRow['status']; mergedInto: number | null }[]> {
  return db
    .select({ id: storyClusters.id, status: storyClusters.status, mergedInto: storyClusters.mergedInto })
    .from(storyClusters)
    .where(eq(storyClusters.stormId, stormId));
}

/**
 * Folds clusters a mention showed to tell one story into `into`: their
 * members move there and they point to it; the storm thread's next turns
 * update the messages (a folded one that was shown says where its story went).
 */
export async function mergeClusters(
  db: Executor,
  into: number,
  from: readonly number[],
  signatures: number[][],
): Promise<void> {
  if (from.length === 0) return;
  const ids = [...from];
  await db
    .update(storyClusters)
    .set({ status: 'merged', mergedInto: into })
    .where(and(inArray(storyClusters.id, ids), eq(storyClusters.status, 'open')));
  await db.update(storyClusters).set({ mergedInto: into }).where(inArray(storyClusters.mergedInto, ids));
  await db.update(clusterMembers).set({ clusterId: into }).where(inArray(clusterMembers.clusterId, ids));
  await saveClusterSignatures(db, into, signatures);
}

/**
 * The story the storm thread should show next: the one whose message is
 * furthest from its count (never shown first, by size), among those at least
 * `SHOW_CLUSTERS_AFTER_MS` old; a folded one that was shown, once, to say so.
 */
export async function nextStoryToShow(db: Executor, stormId: number, now: Date): Promise<number | undefined> {
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`select k.id::int as id from story_clusters k
      left join cluster_members c on c.cluster_id = k.id and c.split_at is null
      where k.storm_id = ${stormId}
        and k.created_at <= ${new Date(now.getTime() - SHOW_CLUSTERS_AFTER_MS).toISOString()}::timestamptz
        and (k.status <> 'merged' or k.slack_ts is not null)
      group by k.id
      having count(c.mention_id) <> k.shown_count
      order by abs(count(c.mention_id) - k.shown_count) desc, k.id
      limit 1`,
  );
  return row?.id;
}

/** The cluster's exemplars changed: a router rebuilding its index finds the new ones. */
export async function saveClusterSignatures(db: Executor, id: number, signatures: number[][]): Promise<void> {
  await db.update(storyClusters).set({ signatures }).where(eq(storyClusters.id, id));
}

export async function recordClusterTs(db: Executor, id: number, ts: string): Promise<void> {
  await db
    .update(storyClusters)
    .set({ slackTs: ts })
    .where(and(eq(storyClusters.id, id), isNull(storyClusters.slackTs)));
}
