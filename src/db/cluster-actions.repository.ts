import { and, eq, isNull, sql } from 'drizzle-orm';
import type { SlackWork } from '../contract/slack-work.js';
import { type Executor, queryRows } from './client.js';
import { clusterMembers, conversations, mentions, slackOutbox, storyClusters } from './schema.js';
import type { OutboxRow } from './slack-outbox.repository.js';
import { oweSlack } from './slack-owed.repository.js';
import type { ClusterRow } from './storms.repository.js';

/**
 * What people do to a storm's cluster from Slack (bot/cluster-actions.ts):
 * assign it, mark it spam, split a member off, answer every member at once.
 */

/** The cluster, locked for the rest of the transaction: two people acting on it at once take turns. */
export async function lockCluster(tx: Executor, id: number): Promise<ClusterRow | undefined> {
  const [row] = await tx.select().from(storyClusters).where(eq(storyClusters.id, id)).for('update');
  return row;
}

/** Conditional: an open cluster not already with `assigneeId`; false is "nothing changed". */
export async function setClusterAssignee(tx: Executor, id: number, assigneeId: string): Promise<boolean> {
  const rows = await tx
    .update(storyClusters)
    .set({ assigneeId })
    .where(
      and(
        eq(storyClusters.id, id),
        eq(storyClusters.status, 'open'),
        sql`${storyClusters.assigneeId} is distinct from ${assigneeId}`,
      ),
    )
    .returning({ id: storyClusters.id });
  return rows.length > 0;
}

/** Conditional: only an open cluster becomes spam, so a double click does it once. */
export async function markClusterSpam(tx: Executor, id: number): Promise<boolean> {
  const rows = await tx
    .update(storyClusters)
    .set({ status: 'spam' })
    .where(and(eq(storyClusters.id, id), eq(storyClusters.status, 'open')))
    .returning({ id: storyClusters.id });
  return rows.length > 0;
}

export interface ClusterMemberLine {
  mentionId: string;
  network: string;
  handle: string;
  text: string;
}

/** The cluster's members still counted in it, latest first: the split form's choices. */
export function listLatestMembers(
  db: Executor,
  clusterId: number,
  limit: number,
): Promise<ClusterMemberLine[]> {
  return db
    .select({
      mentionId: mentions.id,
      network: mentions.network,
      handle: mentions.authorHandle,
      text: mentions.text,
    })
    .from(clusterMembers)
    .innerJoin(mentions, eq(mentions.id, clusterMembers.mentionId))
    .where(and(eq(clusterMembers.clusterId, clusterId), isNull(clusterMembers.splitAt)))
    .orderBy(sql`${clusterMembers.joinedAt} desc`)
    .limit(limit);
}

/**
 * Takes a member out of its cluster, once: it is no longer counted, and it is
 * unrouted and unshown again, so the router gives it a card of its own
 * (joinCluster refuses a mention with a cluster_members row). False: it was
 * not a member still counted in this cluster.
 */
export async function splitMember(
  tx: Executor,
  clusterId: number,
  mentionId: string,
  at: Date,
): Promise<boolean> {
  const rows = await tx
    .update(clusterMembers)
    .set({ splitAt: at })
    .where(
      and(
        eq(clusterMembers.mentionId, mentionId),
        eq(clusterMembers.clusterId, clusterId),
        isNull(clusterMembers.splitAt),
      ),
    )
    .returning({ mentionId: clusterMembers.mentionId });
  if (rows.length === 0) return false;
  await tx
    .update(mentions)
    .set({ routedAt: null, notifiedAt: null })
    .where(and(eq(mentions.id, mentionId), isNull(mentions.conversationId)));
  return true;
}

export interface ReplyCandidate {
  mentionId: string;
  network: string;
  account: string;
  authorId: string;
  handle: string;
  postedAt: Date;
  /** The reply this batch made to it already (a resubmission of the same form). */
  batchReplyId: string | null;
  batchReplyStatus: 'queued' | 'posted' | 'failed' | null;
  /** Another reply to it is queued or posted: it is answered. */
  answered: boolean;
}

/** The members a reply to all is for: those still counted, each with what was already sent to it. */
export async function listReplyCandidates(
  tx: Executor,
  clusterId: number,
  batch: string,
): Promise<ReplyCandidate[]> {
  const rows = await queryRows<ReplyCandidate & { postedAt: string }>(
    tx,
    sql`select m.id as "mentionId", m.network, m.account, m.author_id as "authorId", m.author_handle as handle,
        m.posted_at as "postedAt", b.id as "batchReplyId", b.status as "batchReplyStatus",
        exists (select 1 from replies r where r.mention_id = m.id and r.status in ('queued', 'posted')
          and r.submission_key <> ${batch} || '-' || m.id::text) as answered
      from cluster_members c join mentions m on m.id = c.mention_id
        left join replies b on b.submission_key = ${batch} || '-' || m.id::text
      where c.cluster_id = ${clusterId} and c.split_at is null
      order by c.joined_at, m.id`,
  );
  return rows.map((r) => ({ ...r, postedAt: new Date(r.postedAt) }));
}

/**
 * The customer's open conversation, or a new one held by `assigneeId` that
 * the member opens, closed at `answeredAt` as answered by the story's reply:
 * it gets no card and weighs on nobody's load, and a customer who writes
 * again opens a conversation that routing gives to whoever answered them.
 * The open conversation per customer is unique: one opened by the router
 * meanwhile is found rather than doubled.
 */
export async function findOrOpenConversation(
  tx: Executor,
  member: Pick<ReplyCandidate, 'mentionId' | 'network' | 'account' | 'authorId' | 'handle' | 'postedAt'>,
  assigneeId: string,
  reasons: string[],
  answeredAt: Date,
): Promise<{ id: string; opened: boolean }> {
  const [inserted] = await tx
    .insert(conversations)
    .values({
      network: member.network,
      account: member.account,
      authorId: member.authorId,
      authorHandle: member.handle,
      assigneeId,
      firstMentionId: member.mentionId,
      openedAt: member.postedAt,
      routingReasons: reasons,
      status: 'resolved',
      closedAt: answeredAt,
    })
    .onConflictDoNothing()
    .returning({ id: conversations.id });
  if (inserted) return { id: inserted.id, opened: true };
  const [open] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.network, member.network),
        eq(conversations.authorId, member.authorId),
        isNull(conversations.closedAt),
      ),
    )
    .for('update');
  if (!open) throw new Error('the customer’s open conversation vanished between insert and select');
  return { id: open.id, opened: false };
}

/**
 * The member joins its conversation; `showAgain`: as a line in the thread of
 * the customer's open conversation, since the cluster only counted it.
 */
export async function attachMention(
  tx: Executor,
  mentionId: string,
  conversationId: string,
  showAgain: boolean,
): Promise<void> {
  await tx
    .update(mentions)
    .set({ conversationId, ...(showAgain ? { notifiedAt: null } : {}) })
    .where(and(eq(mentions.id, mentionId), isNull(mentions.conversationId)));
}

/** The first results row of a batch (`cr-<batch>`): the members it left out, and its ts once posted. */
export async function findBatchMessage(db: Executor, batch: string): Promise<OutboxRow | undefined> {
  const [row] = await db
    .select()
    .from(slackOutbox)
    .where(eq(slackOutbox.key, batchKey(batch)));
  return row;
}

export const batchKey = (batch: string) => `cr-${batch}`;

export interface BatchReply {
  status: 'queued' | 'posted' | 'failed';
  network: string;
  handle: string;
  error: string | null;
}

/** The replies of a batch, found by their submission keys from the members of the cluster (or the one it merged into). */
export function listBatchReplies(db: Executor, clusterId: number, batch: string): Promise<BatchReply[]> {
  return queryRows<BatchReply>(
    db,
    sql`select r.status, m.network, m.author_handle as handle, r.error
      from cluster_members c
        join replies r on r.submission_key = ${batch} || '-' || c.mention_id::text
        join mentions m on m.id = c.mention_id
      where c.cluster_id in (select id from story_clusters where id = ${clusterId}
        union select merged_into from story_clusters where id = ${clusterId} and merged_into is not null)
      order by r.created_at, r.id`,
  );
}

// A reply to all is keyed `cl.<cluster id>.<submission>-<mention id>`: the key alone says its batch.
const BATCH_REPLY_KEY = /^(cl\.(\d+)\..+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const batchOf = (clusterId: number, submission: string) => `cl.${clusterId}.${submission}`;
export const batchReplyKey = (batch: string, mentionId: string) => `${batch}-${mentionId}`;

export function parseBatchReplyKey(key: string): { batch: string; clusterId: number } | undefined {
  const found = BATCH_REPLY_KEY.exec(key);
  return found ? { batch: found[1]!, clusterId: Number(found[2]) } : undefined;
}

/**
 * A reply of a batch was posted or failed: its results message is owed an
 * update, in the transaction that recorded it. Nothing for other replies.
 */
export async function oweBatchOutcome(tx: Executor, replyId: string): Promise<void> {
  const [reply] = await queryRows<{ key: string }>(
    tx,
    sql`select submission_key as key from replies where id = ${replyId}::uuid`,
  );
  const batch = reply && parseBatchReplyKey(reply.key);
  if (!batch) return;
  const work: SlackWork = { type: 'cluster_replies', clusterId: batch.clusterId, batch: batch.batch };
  await oweSlack(tx, [{ work, key: `${batchKey(batch.batch)}-${replyId}` }]);
}
