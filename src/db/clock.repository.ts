import { sql } from 'drizzle-orm';
import { compiledStatement, type Executor, fromJsonRow, queryRows, type Tx } from './client.js';
import { clockSteps, conversations } from './schema.js';

export type ClockStepRow = typeof clockSteps.$inferSelect;
type Step = ClockStepRow['step'];

/**
 * Open conversations someone holds whose clock is not running: never
 * started, or started before the customer last wrote after our reply or a
 * snooze last ended. Each comes with the moment its clock starts.
 */
export async function listClocksToStart(
  db: Executor,
  limit: number,
): Promise<{ conversation: typeof conversations.$inferSelect; startAt: Date; reason: string }[]> {
  const rows = await queryRows<{ conversation: Record<string, unknown>; start_at: string; reason: string }>(
    db,
    sql`select to_json(c) as conversation, s.start_at, s.reason from conversations c
      cross join lateral (
        select
          (select e.at from events e where e.conversation_id = c.id
            and e.type in ('conversation.reopened', 'conversation.snooze_ended') order by e.id desc limit 1)
            as restarted_at,
          (select e.type from events e where e.conversation_id = c.id
            and e.type in ('conversation.reopened', 'conversation.snooze_ended') order by e.id desc limit 1)
            as restarted_by,
          (select min(e.at) from events e where e.conversation_id = c.id
            and e.type in ('conversation.assigned', 'conversation.claimed', 'conversation.reassigned'))
            as held_at
      ) r
      cross join lateral (
        select coalesce(r.restarted_at, r.held_at, c.opened_at) as start_at,
          case r.restarted_by when 'conversation.reopened' then 'the customer wrote again'
            when 'conversation.snooze_ended' then 'the snooze ended' else 'routed' end as reason
      ) s
      where c.closed_at is null and c.status = 'open' and c.assignee_id is not null
        and c.response_target_minutes is not null
        and not exists (select 1 from events k where k.conversation_id = c.id and k.type = 'clock.started'
          and k.at >= date_trunc('milliseconds', s.start_at))
      order by s.start_at limit ${limit}`,
  );
  return rows.map((r) => ({
    conversation: fromJsonRow(conversations, r.conversation),
    startAt: new Date(r.start_at),
    reason: r.reason,
  }));
}

/**
 * Conversations we answered or that wait on the customer, with no message
 * from the customer since `before`: they close themselves.
 */
export async function listQuietConversations(
  db: Executor,
  before: Date,
  limit: number,
): Promise<{ id: string; assigneeId: string | null }[]> {
  return queryRows<{ id: string; assigneeId: string | null }>(
    db,
    sql`select c.id, c.assignee_id as "assigneeId" from conversations c
      where c.closed_at is null and c.status in ('replied', 'waiting')
        and not exists (select 1 from mentions m where m.conversation_id = c.id
          and m.posted_at >= ${before.toISOString()}::timestamptz)
      order by c.opened_at limit ${limit}`,
  );
}

/** A clock to start: its conversation, whom its steps were counted for, its start and its steps. */
export interface ClockStart {
  conversationId: string;
  assigneeId: string;
  at: Date;
  reason: string;
  steps: readonly { step: Step; at: Date }[];
}

/**
 * Starts a batch of clocks in one transaction: each its event (dated at its
 * start) and its steps, each due at its time. Returns the clock event id of
 * each conversation it started. Started once: a conversation another sweeper
 * is starting (its row locked) is skipped, and one whose clock has started
 * since its start, or that someone else holds now, or that no longer waits on
 * us, is left for the next sweep to look at afresh.
 */
export async function startClockBatch(tx: Tx, starts: readonly ClockStart[]): Promise<Map<string, number>> {
  if (starts.length === 0) return new Map();
  // Its own statement, so the next one's snapshot sees any clock a sweeper that held these rows committed.
  const locked = await lockClocksStatement(tx, { conversations: starts.map((s) => s.conversationId) });
  const free = new Set(locked.map((row) => row.id));
  const mine = starts.filter((s) => free.has(s.conversationId));
  if (mine.length === 0) return new Map();
  const rows = await startClocksStatement(tx, {
    conversations: mine.map((s) => s.conversationId),
    assignees: mine.map((s) => s.assigneeId),
    startAts: mine.map((s) => s.at.toISOString()),
    details: mine.map((s) =>
      JSON.stringify({
        reason: s.reason,
        steps: s.steps.map((step) => ({ step: step.step, at: step.at.toISOString() })),
      }),
    ),
  });
  return new Map(rows.map((row) => [row.conversationId, Number(row.id)]));
}

const p = sql.placeholder;
const lockClocksStatement = compiledStatement<{ id: string }, { conversations: string[] }>(
  'clock_start_lock',
  sql`select c.id from conversations c where c.id = any(${p('conversations')}::uuid[])
    order by c.id for update skip locked`,
);
// One prepared statement for the whole batch: the clocks travel as arrays, their steps inside each event.
const startClocksStatement = compiledStatement<
  { id: number | string; conversationId: string },
  { conversations: string[]; assignees: string[]; startAts: string[]; details: string[] }
>(
  'clock_start',
  sql`with wanted as (
      select * from unnest(${p('conversations')}::uuid[], ${p('assignees')}::text[],
        ${p('startAts')}::timestamptz[], ${p('details')}::jsonb[]) with ordinality
        as w (conversation_id, assignee_id, start_at, details, ord)
    ), started as (
      insert into events (type, actor, conversation_id, details, at)
      select 'clock.started', 'router', w.conversation_id, w.details, w.start_at
      from wanted w join conversations c on c.id = w.conversation_id
      where c.assignee_id = w.assignee_id and c.closed_at is null and c.status = 'open'
        and not exists (select 1 from events k where k.conversation_id = w.conversation_id
          and k.type = 'clock.started' and k.at >= w.start_at)
      order by w.ord
      returning id, conversation_id
    ), scheduled as (
      insert into clock_steps (conversation_id, clock_event_id, step, due_at)
      select s.conversation_id, s.id, x.step, x.at
      from started s join wanted w on w.conversation_id = s.conversation_id
        cross join lateral jsonb_to_recordset(w.details->'steps') as x (step text, at timestamptz)
      on conflict do nothing
    )
    select id, conversation_id as "conversationId" from started`,
);

/** One due step, locked for this sweep; another sweeper skips it. */
export async function takeDueStep(tx: Tx, now: Date): Promise<ClockStepRow | undefined> {
  const [row] = await queryRows<{ row: Record<string, unknown> }>(
    tx,
    sql`select to_json(s) as row from clock_steps s
      where s.done_at is null and s.due_at <= ${now.toISOString()}::timestamptz
      order by s.due_at limit 1 for update skip locked`,
  );
  return row ? fromJsonRow(clockSteps, row.row) : undefined;
}

/**
 * What decides whether a due step still applies: the conversation's newest
 * clock, whether we replied since this one started, the snooze on it now,
 * and when this clock's next step is due.
 */
export async function readClockFacts(
  tx: Tx,
  step: ClockStepRow,
  now: Date,
): Promise<{
  newestClock: number | null;
  repliedSince: boolean;
  snoozed: boolean;
  nextDueAt: Date | undefined;
}> {
  const [row] = await queryRows<{
    newest_clock: number | null;
    replied_since: boolean;
    snoozed: boolean;
    next_due_at: string | null;
  }>(
    tx,
    sql`select
      (select max(e.id) from events e where e.conversation_id = ${step.conversationId}::uuid
        and e.type = 'clock.started') as newest_clock,
      exists (select 1 from events e where e.conversation_id = ${step.conversationId}::uuid
        and e.type = 'reply.posted' and e.id > ${step.clockEventId}) as replied_since,
      coalesce((select e.type = 'conversation.snoozed' and (e.details->>'until')::timestamptz > ${now.toISOString()}::timestamptz
        from events e where e.conversation_id = ${step.conversationId}::uuid
          and e.type in ('conversation.snoozed', 'conversation.snooze_ended')
        order by e.id desc limit 1), false) as snoozed,
      (select min(n.due_at) from clock_steps n where n.clock_event_id = ${step.clockEventId}
        and n.due_at > ${step.dueAt.toISOString()}::timestamptz) as next_due_at`,
  );
  return {
    newestClock:
      row?.newest_clock === null || row?.newest_clock === undefined ? null : Number(row.newest_clock),
    repliedSince: row?.replied_since === true,
    snoozed: row?.snoozed === true,
    nextDueAt: row?.next_due_at ? new Date(row.next_due_at) : undefined,
  };
}

/** The people a clock has offered its conversation to so far, in order. */
export async function listOffered(tx: Tx, clockEventId: number, conversationId: string): Promise<string[]> {
  const rows = await queryRows<{ to: string }>(
    tx,
    sql`select e.details->>'to' as "to" from events e
      where e.conversation_id = ${conversationId}::uuid and e.type = 'clock.step' and e.id > ${clockEventId}
        and e.details->>'outcome' = 'offered' order by e.id`,
  );
  return rows.map((r) => r.to);
}

/** Whom the response clock last offered the conversation to, and whose it was then. */
export async function findLatestOffer(
  db: Executor,
  conversationId: string,
): Promise<{ to: string; from: string | null } | undefined> {
  const [row] = await queryRows<{ to: string; from: string | null }>(
    db,
    sql`select e.details->>'to' as "to", e.details->>'from' as "from" from events e
      where e.conversation_id = ${conversationId}::uuid and e.type = 'clock.step'
        and e.details->>'outcome' = 'offered' order by e.id desc limit 1`,
  );
  return row;
}

/** Offers the conversation again, to the next person, at `at`: after a claim window, or at once on a pass. */
export async function scheduleOffer(
  tx: Tx,
  step: { conversationId: string; clockEventId: number },
  at: Date,
) {
  await tx
    .insert(clockSteps)
    .values({
      conversationId: step.conversationId,
      clockEventId: step.clockEventId,
      step: 'offer',
      dueAt: at,
    })
    .onConflictDoNothing();
}

/** A pass: the clock's pending offer round is due now. False when no offer is pending. */
export async function hurryOffer(tx: Tx, conversationId: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(clockSteps)
    .set({ dueAt: now })
    .where(
      sql`${clockSteps.conversationId} = ${conversationId}::uuid and ${clockSteps.step} = 'offer'
        and ${clockSteps.doneAt} is null and ${clockSteps.dueAt} > ${now.toISOString()}::timestamptz`,
    )
    .returning({ id: clockSteps.id });
  return rows.length > 0;
}

export async function settleStep(
  tx: Tx,
  id: number,
  outcome: NonNullable<ClockStepRow['outcome']>,
  at: Date,
): Promise<void> {
  await tx.update(clockSteps).set({ doneAt: at, outcome }).where(sql`${clockSteps.id} = ${id}`);
}
