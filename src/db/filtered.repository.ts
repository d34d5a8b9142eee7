import { and, desc, eq, exists, gte, sql } from 'drizzle-orm';
import { type Executor, queryRows } from './client.js';
import type { MentionRow } from './mentions.repository.js';
import { conversations, cursors, events, mentions, spamExemptions } from './schema.js';

/**
 * Mentions the router filtered as spam: conversations born closed with
 * status 'spam' and a mention.dropped event. A conversation someone marked as
 * spam from Slack has no such event and is not listed: a person decided it.
 */

/** The router's drop of this conversation, as its event records it. */
const droppedEvent = and(eq(events.conversationId, conversations.id), eq(events.type, 'mention.dropped'));

export interface FilteredRow {
  conversationId: string;
  network: string;
  authorHandle: string;
  text: string;
  filteredAt: Date;
  reasons: string[];
}

/** The latest mentions still filtered, newest first, dropped from `since` on. */
export async function listFiltered(db: Executor, since: Date, limit: number): Promise<FilteredRow[]> {
  const rows = await db
    .select({
      conversationId: conversations.id,
      network: conversations.network,
      authorHandle: conversations.authorHandle,
      text: mentions.text,
      filteredAt: conversations.closedAt,
      details: events.details,
    })
    .from(conversations)
    .innerJoin(events, droppedEvent)
    .leftJoin(mentions, eq(mentions.id, conversations.firstMentionId))
    .where(and(eq(conversations.status, 'spam'), gte(conversations.closedAt, since)))
    .orderBy(desc(conversations.closedAt))
    .limit(limit);
  return rows.map((r) => ({
    conversationId: r.conversationId,
    network: r.network,
    authorHandle: r.authorHandle,
    text: r.text ?? '',
    filteredAt: r.filteredAt ?? new Date(0),
    reasons: Array.isArray(r.details.reasons)
      ? r.details.reasons.filter((x): x is string => typeof x === 'string')
      : [],
  }));
}

/** How many mentions still filtered were dropped from `recent` on, and from `since` on. */
export async function countFiltered(
  db: Executor,
  since: Date,
  recent: Date,
): Promise<{ since: number; recent: number }> {
  const [row] = await db
    .select({
      since: sql<number>`count(*)::int`,
      recent: sql<number>`(count(*) filter (where ${conversations.closedAt} >= ${recent.toISOString()}::timestamptz))::int`,
    })
    .from(conversations)
    .where(
      and(
        eq(conversations.status, 'spam'),
        gte(conversations.closedAt, since),
        exists(db.select({ one: sql`1` }).from(events).where(droppedEvent)),
      ),
    );
  return { since: row?.since ?? 0, recent: row?.recent ?? 0 };
}

export interface FilteredSummary {
  count: number;
  /** The commonest reasons, each by its words before any parenthesis ("likely spam"), most frequent first. */
  topReasons: { reason: string; count: number }[];
}

/** The mentions still filtered that were dropped in [since, until), and why most of them were. */
export async function summarizeFiltered(
  db: Executor,
  since: Date,
  until: Date,
  top = 3,
): Promise<FilteredSummary> {
  const window = sql`c.status = 'spam' and c.closed_at >= ${since.toISOString()}::timestamptz
    and c.closed_at < ${until.toISOString()}::timestamptz`;
  const [counted] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from conversations c
      where ${window} and exists (select 1 from events e where e.conversation_id = c.id and e.type = 'mention.dropped')`,
  );
  const count = Number(counted?.n ?? 0);
  if (count === 0) return { count, topReasons: [] };
  const reasons = await queryRows<{ reason: string; n: number }>(
    db,
    sql`select btrim(split_part(r.reason, ' (', 1)) as reason, count(distinct c.id)::int as n
      from conversations c
      join events e on e.conversation_id = c.id and e.type = 'mention.dropped'
      cross join lateral jsonb_array_elements_text(
        case when jsonb_typeof(e.details -> 'reasons') = 'array' then e.details -> 'reasons' else '[]'::jsonb end
      ) as r(reason)
      where ${window}
      group by 1 order by 2 desc, 1 limit ${top}`,
  );
  return { count, topReasons: reasons.map((r) => ({ reason: r.reason, count: Number(r.n) })) };
}

/** Takes a filtered conversation out of 'spam'; false if it is not (or no longer) there. */
export async function takeOutOfSpam(db: Executor, conversationId: string): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ status: 'not_spam' })
    .where(and(eq(conversations.id, conversationId), eq(conversations.status, 'spam')))
    .returning({ id: conversations.id });
  return rows.length === 1;
}

/**
 * Hands a mention back to the router as if it had just arrived: not routed,
 * in no conversation, never shown. Conditional on the conversation it is
 * taken from, so only one caller gets it.
 */
export async function unrouteMention(
  db: Executor,
  mentionId: string,
  fromConversationId: string,
): Promise<MentionRow | undefined> {
  const [row] = await db
    .update(mentions)
    .set({ conversationId: null, routedAt: null, notifiedAt: null, slackTs: null })
    .where(and(eq(mentions.id, mentionId), eq(mentions.conversationId, fromConversationId)))
    .returning();
  return row;
}

/** Records who vouched for an author; the first voucher stays on record. True when newly vouched. */
export async function vouchForAuthor(
  db: Executor,
  vouch: { network: string; authorId: string; vouchedBy: string; at: Date },
): Promise<boolean> {
  const rows = await db
    .insert(spamExemptions)
    .values({
      network: vouch.network,
      authorId: vouch.authorId,
      vouchedBy: vouch.vouchedBy,
      vouchedAt: vouch.at,
    })
    .onConflictDoNothing()
    .returning({ network: spamExemptions.network });
  return rows.length === 1;
}

export async function isVouched(db: Executor, network: string, authorId: string): Promise<boolean> {
  const rows = await db
    .select({ network: spamExemptions.network })
    .from(spamExemptions)
    .where(and(eq(spamExemptions.network, network), eq(spamExemptions.authorId, authorId)));
  return rows.length === 1;
}

/**
 * The daily count of a channel is kept as one row of the cursors table: the
 * last day (YYYY-MM-DD) it was settled for. True for the one caller that
 * settles `day`, however many processes ask, and however often.
 */
export async function claimDailyCount(db: Executor, channel: string, day: string): Promise<boolean> {
  const rows = await db
    .insert(cursors)
    .values({ network: 'slack', key: `spam-count:${channel}`, value: day })
    .onConflictDoUpdate({
      target: [cursors.network, cursors.key],
      set: { value: day, updatedAt: new Date() },
      // ISO dates compare as text; a day already settled, or an earlier one, changes nothing.
      setWhere: sql`${cursors.value} < ${day}`,
    })
    .returning({ key: cursors.key });
  return rows.length === 1;
}
