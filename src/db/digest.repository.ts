import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from './client.js';

/**
 * What the owner's weekly digest reads, for one week [start, end). Every
 * figure is as things stood at `end`, so a digest rendered again later for
 * the same week says the same thing. Conversations the spam filter closed
 * (spam, and the closed twin of one brought back) are left out throughout.
 */
export interface DigestWindow {
  start: Date;
  end: Date;
  /** The owner's IANA time zone: days are the owner's days. */
  timezone: string;
}

export interface DayResponse {
  /** The owner's local date, YYYY-MM-DD. */
  day: string;
  opened: number;
  answered: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface PersonLoad {
  staffId: string;
  name: string;
  role: 'owner' | 'staff';
  /** Assignments that started in the week, escalations and reassignments included. */
  assigned: number;
  /** Their conversations closed in the week (resolved or marked spam by them). */
  closed: number;
  /** Their conversations still open at the end of the week. */
  openAtEnd: number;
  repliesPosted: number;
}

/** Why a conversation's response target passed with no answer. */
export type MissedReason = 'nobody_eligible' | 'snoozed' | 'closed_unanswered' | 'still_open';

export interface MissedConversation {
  conversationId: string;
  network: string;
  authorHandle: string;
  assigneeId: string | null;
  assigneeName: string | null;
  openedAt: Date;
  targetMinutes: number;
  reason: MissedReason;
  /** The router's first reason for queueing it, when nobody could take it. */
  queuedBecause: string | null;
  url: string | null;
}

export interface TopCustomer {
  network: string;
  authorId: string;
  handle: string;
  name: string | null;
  mentions: number;
  conversations: number;
}

export type OwnerLaneOutcome = 'open' | 'replied' | 'resolved' | 'spam' | 'not_spam';

export interface OwnerLaneCase {
  conversationId: string;
  network: string;
  authorHandle: string;
  escalatedAt: Date;
  /** The first reason given for sending it to the owner. */
  reason: string | null;
  outcome: OwnerLaneOutcome;
  url: string | null;
}

export interface DigestFacts {
  days: DayResponse[];
  load: PersonLoad[];
  /** The first `limits.missed`, oldest deadline first; missedTotal counts them all. */
  missed: MissedConversation[];
  missedTotal: number;
  topCustomers: TopCustomer[];
  ownerLane: OwnerLaneCase[];
  ownerLaneTotal: number;
}

const iso = (at: Date) => at.toISOString();
const toDate = (ms: number) => new Date(Number(ms));

export async function loadDigestFacts(
  db: Executor,
  window: DigestWindow,
  limits: { topCustomers?: number; missed?: number; ownerLane?: number } = {},
): Promise<DigestFacts> {
  const [days, load, missed, topCustomers, ownerLane] = await Promise.all([
    responseByDay(db, window),
    loadByPerson(db, window),
    missedConversations(db, window, limits.missed ?? 50),
    topCustomersOf(db, window, limits.topCustomers ?? 5),
    ownerLaneCases(db, window, limits.ownerLane ?? 50),
  ]);
  return {
    days,
    load,
    missed: missed.rows,
    missedTotal: missed.total,
    topCustomers,
    ownerLane: ownerLane.rows,
    ownerLaneTotal: ownerLane.total,
  };
}

/** First response: the first reply posted before the week's end, against when the conversation opened. */
export async function responseByDay(
  db: Executor,
  { start, end, timezone }: DigestWindow,
): Promise<DayResponse[]> {
  const rows = await queryRows<{
    day: string;
    opened: number;
    answered: number;
    median: number | null;
    p90: number | null;
  }>(
    db,
    sql`
      with opened as (
        select c.opened_at,
          (select min(r.posted_at) from replies r
            where r.conversation_id = c.id and r.status = 'posted' and r.posted_at < ${iso(end)}::timestamptz
          ) as first_reply
        from conversations c
        where c.opened_at >= ${iso(start)}::timestamptz and c.opened_at < ${iso(end)}::timestamptz
          and c.status not in ('spam', 'not_spam')
      )
      select to_char(opened_at at time zone ${timezone}::text, 'YYYY-MM-DD') as day,
        count(*)::int as opened,
        count(first_reply)::int as answered,
        (percentile_cont(0.5) within group (order by extract(epoch from first_reply - opened_at) / 60))::float8 as median,
        (percentile_cont(0.9) within group (order by extract(epoch from first_reply - opened_at) / 60))::float8 as p90
      from opened
      group by 1
      order by 1`,
  );
  return rows.map((r) => ({
    day: r.day,
    opened: r.opened,
    answered: r.answered,
    medianMinutes: r.median === null ? null : Number(r.median),
    p90Minutes: r.p90 === null ? null : Number(r.p90),
  }));
}

/** Everyone on the roster, and anyone dropped from it who still had work that week. */
export async function loadByPerson(db: Executor, { start, end }: DigestWindow): Promise<PersonLoad[]> {
  const from = iso(start);
  const to = iso(end);
  const rows = await queryRows<{
    staff_id: string;
    name: string;
    role: 'owner' | 'staff';
    assigned: number;
    closed: number;
    open_at_end: number;
    replies_posted: number;
  }>(
    db,
    sql`
      select * from (
        select s.id as staff_id, s.name, s.role, s.on_roster,
          (select count(*)::int from assignments a
            where a.staff_id = s.id and a.assigned_at >= ${from}::timestamptz and a.assigned_at < ${to}::timestamptz
          ) as assigned,
          (select count(*)::int from conversations c
            where c.assignee_id = s.id and c.closed_at >= ${from}::timestamptz and c.closed_at < ${to}::timestamptz
              and c.status <> 'not_spam'
          ) as closed,
          (select count(*)::int from conversations c
            where c.assignee_id = s.id and c.opened_at < ${to}::timestamptz
              and (c.closed_at is null or c.closed_at >= ${to}::timestamptz)
          ) as open_at_end,
          (select count(*)::int from replies r
            where r.staff_id = s.id and r.status = 'posted'
              and r.posted_at >= ${from}::timestamptz and r.posted_at < ${to}::timestamptz
          ) as replies_posted
        from staff s
      ) load
      where on_roster or assigned + closed + open_at_end + replies_posted > 0
      order by role, name`,
  );
  return rows.map((r) => ({
    staffId: r.staff_id,
    name: r.name,
    role: r.role,
    assigned: r.assigned,
    closed: r.closed,
    openAtEnd: r.open_at_end,
    repliesPosted: r.replies_posted,
  }));
}

/**
 * Conversations whose response target fell due in the week with no reply
 * posted by its end. Closed in time without a reply (someone decided it
 * needed none) is not missed. The reason is read at the deadline: nobody
 * held it yet, or a snooze covered it; otherwise it was closed late without
 * a reply, or is still open.
 */
export async function missedConversations(
  db: Executor,
  { start, end }: DigestWindow,
  limit: number,
): Promise<{ rows: MissedConversation[]; total: number }> {
  const to = iso(end);
  const rows = await queryRows<{
    id: string;
    network: string;
    author_handle: string;
    assignee_id: string | null;
    assignee_name: string | null;
    opened_ms: number;
    target: number;
    reason: MissedReason;
    queued_because: string | null;
    url: string | null;
    total: number;
  }>(
    db,
    sql`
      select count(*) over ()::int as total, c.id, c.network, c.author_handle, c.assignee_id, s.name as assignee_name,
        (extract(epoch from c.opened_at) * 1000)::float8 as opened_ms,
        c.response_target_minutes as target,
        case
          when not exists (
            select 1 from assignments a where a.conversation_id = c.id and a.assigned_at <= d.deadline
          ) then 'nobody_eligible'
          when exists (
            select 1 from events e
            where e.conversation_id = c.id and e.type = 'conversation.snoozed' and e.at <= d.deadline
              and (e.details ->> 'until')::timestamptz > d.deadline
              and not exists (
                select 1 from events x
                where x.conversation_id = c.id and x.type = 'conversation.snooze_ended'
                  and (x.details ->> 'snoozeEventId')::bigint = e.id and x.at <= d.deadline
              )
          ) then 'snoozed'
          when c.closed_at < ${to}::timestamptz then 'closed_unanswered'
          else 'still_open'
        end as reason,
        (select e.details -> 'reasons' ->> 0 from events e
          where e.conversation_id = c.id and e.type = 'conversation.queued' order by e.id limit 1
        ) as queued_because,
        m.url
      from conversations c
      cross join lateral (
        select c.opened_at + make_interval(mins => c.response_target_minutes) as deadline
      ) d
      left join staff s on s.id = c.assignee_id
      left join mentions m on m.id = c.first_mention_id
      where c.response_target_minutes is not null
        and d.deadline >= ${iso(start)}::timestamptz and d.deadline < ${to}::timestamptz
        and c.status not in ('spam', 'not_spam')
        and (c.closed_at is null or c.closed_at > d.deadline)
        and not exists (
          select 1 from replies r
          where r.conversation_id = c.id and r.status = 'posted' and r.posted_at < ${to}::timestamptz
        )
      order by d.deadline, c.id
      limit ${limit}`,
  );
  const shaped = rows.map((r) => ({
    conversationId: r.id,
    network: r.network,
    authorHandle: r.author_handle,
    assigneeId: r.assignee_id,
    assigneeName: r.assignee_name,
    openedAt: toDate(r.opened_ms),
    targetMinutes: r.target,
    reason: r.reason,
    queuedBecause: r.queued_because,
    url: r.url,
  }));
  return { rows: shaped, total: rows[0]?.total ?? 0 };
}

/** Who wrote most that week, by mentions posted, spam left out; a customer is a network's author id. */
export async function topCustomersOf(
  db: Executor,
  { start, end }: DigestWindow,
  limit: number,
): Promise<TopCustomer[]> {
  const rows = await queryRows<{
    network: string;
    author_id: string;
    handle: string;
    name: string | null;
    mentions: number;
    conversations: number;
  }>(
    db,
    sql`
      select m.network, m.author_id,
        (array_agg(m.author_handle order by m.posted_at desc))[1] as handle,
        (array_agg(m.author_name order by m.posted_at desc))[1] as name,
        count(*)::int as mentions,
        count(distinct m.conversation_id)::int as conversations
      from mentions m
      join conversations c on c.id = m.conversation_id
      where m.posted_at >= ${iso(start)}::timestamptz and m.posted_at < ${iso(end)}::timestamptz
        and c.status not in ('spam', 'not_spam')
      group by m.network, m.author_id
      order by count(*) desc, max(m.posted_at) desc
      limit ${limit}`,
  );
  return rows.map((r) => ({
    network: r.network,
    authorId: r.author_id,
    handle: r.handle,
    name: r.name,
    mentions: r.mentions,
    conversations: r.conversations,
  }));
}

/**
 * The owner lane: conversations sent to the owner that week, by the router
 * (conversation.assigned with action escalate) or later (conversation.escalated),
 * with how each stood at the week's end.
 */
export async function ownerLaneCases(
  db: Executor,
  { start, end }: DigestWindow,
  limit: number,
): Promise<{ rows: OwnerLaneCase[]; total: number }> {
  const to = iso(end);
  const rows = await queryRows<{
    id: string;
    network: string;
    author_handle: string;
    escalated_ms: number;
    reason: string | null;
    outcome: OwnerLaneOutcome;
    url: string | null;
    total: number;
  }>(
    db,
    sql`
      with lane as (
        select e.conversation_id,
          min(e.at) as escalated_at,
          (array_agg(e.details -> 'reasons' ->> 0 order by e.at, e.id))[1] as reason
        from events e
        where e.conversation_id is not null
          and e.at >= ${iso(start)}::timestamptz and e.at < ${to}::timestamptz
          and (
            e.type = 'conversation.escalated'
            or (e.type = 'conversation.assigned' and e.details ->> 'action' = 'escalate')
          )
        group by e.conversation_id
      )
      select count(*) over ()::int as total, c.id, c.network, c.author_handle,
        (extract(epoch from lane.escalated_at) * 1000)::float8 as escalated_ms,
        lane.reason,
        case
          when c.closed_at < ${to}::timestamptz then c.status
          when exists (
            select 1 from replies r
            where r.conversation_id = c.id and r.status = 'posted' and r.posted_at < ${to}::timestamptz
          ) then 'replied'
          else 'open'
        end as outcome,
        m.url
      from lane
      join conversations c on c.id = lane.conversation_id
      left join mentions m on m.id = c.first_mention_id
      order by lane.escalated_at, c.id
      limit ${limit}`,
  );
  const shaped = rows.map((r) => ({
    conversationId: r.id,
    network: r.network,
    authorHandle: r.author_handle,
    escalatedAt: toDate(r.escalated_ms),
    reason: r.reason,
    outcome: r.outcome,
    url: r.url,
  }));
  return { rows: shaped, total: rows[0]?.total ?? 0 };
}
