import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { type SlackWork, slackWorkKey } from '../contract/slack-work.js';
import { compiledStatement, type Executor, fromJsonRow, queryRows } from './client.js';
import { slackOutbox } from './schema.js';

export type OutboxRow = typeof slackOutbox.$inferSelect;

/** The notification channel a commit that owes Slack something wakes the sender on. */
export const OUTBOX_WAKE = 'firsthand_slack_outbox';

/** Where a row waits its turn when the work itself does not say (see slackOutbox.lane). */
const LANE: Partial<Record<SlackWork['type'], string>> = {
  home: 'none',
  ephemeral: 'none',
  snooze_end: 'none',
  alert: 'main',
  spam_count: 'main',
  storm: 'main',
  storm_summary: 'main',
  storm_stories: 'main',
  cluster: 'main',
};

/** A DM waits in its person's lane, a line in its thread's channel; null: the conversation's card's. */
function laneOf(work: SlackWork): string | null {
  if (
    work.type === 'dm' ||
    work.type === 'digest' ||
    work.type === 'digest_chart' ||
    work.type === 'storm_owner'
  )
    return work.user;
  if (work.type === 'thread_line') return work.channel;
  return LANE[work.type] ?? null;
}

export interface Owed {
  work: SlackWork;
  /** Not before this time (a snooze's end). */
  at?: Date;
  /** For work that has no key of its own but must still be owed once (a surge's end). */
  key?: string;
  /** For work whose pace is chosen by the sender (a surge's root, in its channel). */
  lane?: string;
  priority?: number;
}

/**
 * Records, in the caller's transaction, what its change owes Slack. Work
 * about a conversation waits in the lane of the conversation's card (its
 * team's channel or the main one), the card of a conversation nobody holds
 * behind the rest; a conversation someone holds has its card first, as its
 * holder needs it to act. Work owed twice by one change (a retry) is one row.
 */
export async function oweSlack(db: Executor, items: readonly (Owed | SlackWork)[]): Promise<void> {
  if (items.length === 0) return;
  const owed = items.map((item): Owed => ('work' in item ? item : { work: item }));
  await oweStatement(db, {
    keys: owed.map(({ work, key }) => key ?? slackWorkKey(work) ?? `o-${randomUUID()}`),
    kinds: owed.map(({ work }) => work.type),
    works: owed.map(({ work }) => JSON.stringify(work)),
    conversations: owed.map(({ work }) => ('conversationId' in work ? work.conversationId : null)),
    mentions: owed.map(({ work }) => (work.type === 'mention' ? work.mentionId : null)),
    lanes: owed.map(({ work, lane }) => lane ?? laneOf(work)),
    needsCard: owed.map(({ work }) => ['refresh', 'log', 'dm', 'move'].includes(work.type)),
    priorities: owed.map(({ priority }) => priority ?? 0),
    notBefore: owed.map(({ at }) => at?.toISOString() ?? null),
  });
}

const p = sql.placeholder;
// One prepared statement for any number of rows: the values travel as arrays and are unnested.
const oweStatement = compiledStatement<
  unknown,
  {
    keys: string[];
    kinds: string[];
    works: string[];
    conversations: (string | null)[];
    mentions: (string | null)[];
    lanes: (string | null)[];
    needsCard: boolean[];
    priorities: number[];
    notBefore: (string | null)[];
  }
>(
  'outbox_owe',
  sql`with owed as (
      select * from unnest(${p('keys')}::text[], ${p('kinds')}::text[], ${p('works')}::text[],
        ${p('conversations')}::uuid[], ${p('mentions')}::uuid[], ${p('lanes')}::text[],
        ${p('needsCard')}::boolean[], ${p('priorities')}::int[], ${p('notBefore')}::timestamptz[])
        as o (key, kind, work, conversation_id, mention_id, lane, needs_card, priority, not_before)
    ), added as (
      insert into slack_outbox (key, kind, work, conversation_id, lane, needs_card, priority, not_before)
      select o.key, o.kind, o.work::jsonb, c.id,
        coalesce(o.lane, case when o.kind = 'move' then coalesce(c.channel, 'main')
          else coalesce(c.slack_channel, c.channel, 'main') end),
        -- A follow-up is a line in its conversation's thread.
        o.needs_card or (o.kind = 'mention' and c.first_mention_id <> m.id),
        case when o.kind = 'mention' and c.first_mention_id = m.id and c.assignee_id is null then 1
          else o.priority end,
        o.not_before
      from owed o
      left join mentions m on m.id = o.mention_id
      left join conversations c on c.id = coalesce(o.conversation_id, m.conversation_id)
      on conflict (key) do nothing
      returning 1
    ), hurried as (
      update slack_outbox set priority = 0
      where kind = 'mention' and done_at is null and priority > 0
        and conversation_id in (select o.conversation_id from owed o join conversations c
          on c.id = o.conversation_id and c.assignee_id is not null)
    )
    select pg_notify(${OUTBOX_WAKE}, '') from (select count(*) from added) as counted`,
);

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

/** Unsent rows of one kind about one conversation (redraws) or one person (Home): a new rendering covers them. */
export async function listPendingAlike(
  db: Executor,
  kind: 'refresh' | 'home',
  about: { conversationId: string } | { user: string },
): Promise<number[]> {
  const rows = await db
    .select({ id: slackOutbox.id })
    .from(slackOutbox)
    .where(
      and(
        isNull(slackOutbox.doneAt),
        eq(slackOutbox.kind, kind),
        'conversationId' in about
          ? eq(slackOutbox.conversationId, about.conversationId)
          : sql`${slackOutbox.work}->>'user' = ${about.user} and ${slackOutbox.work}->'notice' is null`,
      ),
    );
  return rows.map((r) => r.id);
}

/**
 * Other unsent rows of `row`'s kind whose work contains `about` (a cluster's
 * id, a reply batch's) and that are due by `now`: what `row` renders now covers them.
 */
export async function listDueAlike(
  db: Executor,
  row: OutboxRow,
  about: Record<string, unknown>,
  now: Date,
): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`select id from slack_outbox
      where kind = ${row.kind} and work @> ${JSON.stringify(about)}::jsonb and done_at is null and id <> ${row.id}
        and (not_before is null or not_before <= ${now.toISOString()}::timestamptz)`,
  );
  return rows.map((r) => Number(r.id));
}

/** Cards owed to a lane and not yet in Slack: how far its channel is behind. */
export async function countCardsBehind(db: Executor, lane: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from slack_outbox
      where lane = ${lane} and kind = 'mention' and not needs_card and done_at is null`,
  );
  return Number(row?.n ?? 0);
}

/** The lane's surge: the latest surge root not followed by its end line. */
export async function findOpenSurge(db: Executor, lane: string): Promise<OutboxRow | undefined> {
  const [row] = await queryRows<{ row: Record<string, unknown> }>(
    db,
    sql`select to_json(s) as row from slack_outbox s
      where s.lane = ${lane} and s.kind = 'surge' and s.outcome is distinct from 'failed'
        and not exists (select 1 from slack_outbox e where e.key = 'e-' || s.key)
      order by s.id desc limit 1`,
  );
  return row ? fromJsonRow(slackOutbox, row.row) : undefined;
}

/**
 * Whether the DM known by `key` is the one of a surge that tells the owner of
 * it: the first to ask, kept as a settled row, so a retry of that DM is still
 * the one and no other is.
 */
export async function claimSurgeNote(db: Executor, surgeKey: string, key: string): Promise<boolean> {
  await db
    .insert(slackOutbox)
    .values({
      key: `t-${surgeKey}`,
      kind: 'surge_note',
      work: { claimant: key },
      lane: 'none',
      doneAt: sql`now()`,
      outcome: 'skipped',
    })
    .onConflictDoNothing();
  const [row] = await db
    .select({ work: slackOutbox.work })
    .from(slackOutbox)
    .where(eq(slackOutbox.key, `t-${surgeKey}`));
  return (row?.work as { claimant?: string } | undefined)?.claimant === key;
}

/**
 * Housekeeping: work whose card never reached Slack in a day (its
 * conversation was dropped or closed first) ends as failed, and settled rows
 * past `keepUntil` go.
 */
export async function tidyOutbox(db: Executor, now: Date, keepUntil: Date): Promise<void> {
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await db
    .update(slackOutbox)
    .set({ doneAt: now, outcome: 'failed', lastError: 'its conversation never had a card in Slack' })
    .where(
      and(isNull(slackOutbox.doneAt), eq(slackOutbox.needsCard, true), lt(slackOutbox.createdAt, dayAgo)),
    );
  await db.delete(slackOutbox).where(lt(slackOutbox.doneAt, keepUntil));
}

/** For /metrics: what is due to Slack and not sent yet, and how long the oldest of it has been due. */
export async function outboxFigures(db: Executor): Promise<{ pending: number; oldestSeconds: number }> {
  const [row] = await queryRows<{ pending: number; oldest: number | null }>(
    db,
    sql`select count(*)::int as pending,
        extract(epoch from now() - min(coalesce(not_before, created_at)))::float8 as oldest
      from slack_outbox where done_at is null and (not_before is null or not_before <= now())`,
  );
  return { pending: Number(row?.pending ?? 0), oldestSeconds: Number(row?.oldest ?? 0) };
}
