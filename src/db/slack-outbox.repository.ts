import { eq, sql } from 'drizzle-orm';
import { compiledStatement, type Executor, fromJsonRow } from './client.js';
import { slackOutbox } from './schema.js';

export type OutboxRow = typeof slackOutbox.$inferSelect;

const p = sql.placeholder;

/**
 * What the sender may send now: in each lane, the first `perLane` rows in
 * their order that are due and whose card, if they need one, is in Slack.
 * The lanes are found by skipping through the pending rows' index (a loose
 * index scan), and each lane is read from the head of its order, so the cost
 * follows the number of lanes, not the thousands of cards a surge leaves owed.
 */
export async function listSendable(db: Executor, now: Date, perLane: number): Promise<OutboxRow[]> {
  const rows = await sendableStatement(db, { now: now.toISOString(), perLane });
  return rows.map((r) => fromJsonRow(slackOutbox, r.row));
}

const sendableStatement = compiledStatement<
  { row: Record<string, unknown> },
  { now: string; perLane: number }
>(
  'outbox_sendable',
  sql`with recursive lanes (lane) as (
      (select lane from slack_outbox where done_at is null order by lane limit 1)
      union all
      select (select o.lane from slack_outbox o where o.done_at is null and o.lane > lanes.lane
        order by o.lane limit 1)
      from lanes where lanes.lane is not null
    )
    select to_json(head) as row from lanes cross join lateral (
      select o.* from slack_outbox o left join conversations c on c.id = o.conversation_id
      where o.lane = lanes.lane and o.done_at is null
        and (o.not_before is null or o.not_before <= ${p('now')}::timestamptz)
        and (not o.needs_card or c.slack_ts is not null)
      order by o.priority, o.id limit ${p('perLane')}::int
    ) head
    order by head.priority, head.id limit 500`,
);

export interface Attempt {
  at: Date;
  channel: string;
  threadTs: string | null;
}

/**
 * Takes a row for one attempt, as the sender read it, noting where a post
 * goes before it leaves (`note`), and hands back the note of the attempt
 * before, if one may have posted. The update holds only if nobody took the
 * row since it was read (its attempts unchanged), so two senders overlapping
 * at a lease's hand-over cannot both send it. Undefined: settled or taken.
 */
export async function takeRow(
  db: Executor,
  row: OutboxRow,
  note: Attempt | undefined,
): Promise<{ earlier: Attempt | undefined } | undefined> {
  const taken = await takeStatement(db, {
    id: row.id,
    attempts: row.attempts,
    at: note?.at.toISOString() ?? null,
    channel: note?.channel ?? null,
    threadTs: note?.threadTs ?? null,
  });
  if (taken.length === 0) return undefined;
  const earlier =
    row.attemptedAt && row.attemptChannel
      ? { at: row.attemptedAt, channel: row.attemptChannel, threadTs: row.attemptThreadTs }
      : undefined;
  return { earlier };
}

const takeStatement = compiledStatement<
  unknown,
  { id: number; attempts: number; at: string | null; channel: string | null; threadTs: string | null }
>(
  'outbox_take',
  sql`update slack_outbox set attempts = attempts + 1,
      attempted_at = coalesce(${p('at')}::timestamptz, attempted_at),
      attempt_channel = coalesce(${p('channel')}::text, attempt_channel),
      attempt_thread_ts = case when ${p('at')}::timestamptz is null then attempt_thread_ts
        else ${p('threadTs')}::text end
    where id = ${p('id')}::bigint and done_at is null and attempts = ${p('attempts')}::int
    returning id`,
);

/** A mention a post showed, recorded when its row is settled: the mention's ts, and the conversation's if it opened it. */
export interface Shown {
  mentionId: string;
  conversationId: string;
  opensConversation: boolean;
  channel: string;
}

/**
 * How a row ended, in one statement: rows it made redundant (`superseded`,
 * e.g. older redraws of one card) end with it, and a mention it showed is
 * recorded with a slack.notified event. Only the first record of a mention
 * counts: its event's id is returned, a retry's is undefined, and the
 * conversation keeps the first message it was given.
 */
export async function settleRow(
  db: Executor,
  id: number,
  ended: {
    outcome: 'sent' | 'skipped' | 'failed';
    at: Date;
    ts?: string;
    error?: string;
    superseded?: readonly number[];
    shows?: Shown;
  },
): Promise<number | undefined> {
  const [row] = await settleStatement(db, {
    id,
    at: ended.at.toISOString(),
    outcome: ended.outcome,
    ts: ended.ts ?? null,
    error: ended.error ?? null,
    superseded: [...(ended.superseded ?? [])],
    mentionId: ended.shows?.mentionId ?? null,
    conversationId: ended.shows?.conversationId ?? null,
    opensConversation: ended.shows?.opensConversation ?? false,
    channel: ended.shows?.channel ?? null,
    details: JSON.stringify({ ts: ended.ts }),
  });
  return row ? Number(row.id) : undefined;
}

const settleStatement = compiledStatement<
  { id: number },
  {
    id: number;
    at: string;
    outcome: string;
    ts: string | null;
    error: string | null;
    superseded: number[];
    mentionId: string | null;
    conversationId: string | null;
    opensConversation: boolean;
    channel: string | null;
    details: string;
  }
>(
  'outbox_settle',
  sql`with settled as (
      update slack_outbox set done_at = ${p('at')}::timestamptz, outcome = ${p('outcome')}::text,
        ts = ${p('ts')}::text, last_error = ${p('error')}::text where id = ${p('id')}::bigint
    ), superseded as (
      update slack_outbox set done_at = ${p('at')}::timestamptz, outcome = 'superseded'
      where id = any(${p('superseded')}::bigint[]) and done_at is null
    ), placed as (
      update conversations set slack_channel = ${p('channel')}, slack_ts = ${p('ts')}
      where id = ${p('conversationId')}::uuid and slack_ts is null and ${p('opensConversation')}::boolean
    ), marked as (
      -- Not 'notified_at is null': the planner would then reach the row through mentions_pending_idx,
      -- which the statistics (taken when little was pending) show as empty, and scan the whole
      -- backlog on every notification, thousands of rows in a surge. This form leaves it the key.
      update mentions set notified_at = ${p('at')}::timestamptz, slack_ts = ${p('ts')}
      where id = ${p('mentionId')}::uuid and coalesce(notified_at, '-infinity') = '-infinity'
      returning id
    )
    insert into events (conversation_id, mention_id, actor, type, details)
    select ${p('conversationId')}::uuid, id, 'bot', 'slack.notified', ${p('details')}::jsonb
    from marked
    returning id`,
);

/** A failed attempt tries again at `until`; a refusal (nothing posted) forgets its note. */
export async function postponeRow(
  db: Executor,
  id: number,
  until: Date,
  error: string,
  posted: 'maybe' | 'no',
): Promise<void> {
  await db
    .update(slackOutbox)
    .set({
      notBefore: until,
      lastError: error,
      ...(posted === 'no' ? { attemptedAt: null, attemptChannel: null, attemptThreadTs: null } : {}),
    })
    .where(eq(slackOutbox.id, id));
}
