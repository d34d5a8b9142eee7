import { and, eq, isNull, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { compiledStatement, type Executor, fromJsonRow, queryRows } from './client.js';
import type { ConversationRow } from './conversations.repository.js';
import type { MentionRow } from './mentions.repository.js';
import { conversations, mentions, staff } from './schema.js';
import type { RosterLoadRow } from './staff.repository.js';

const p = sql.placeholder;

/** A customer handle on one network, lower case and without the @. */
export interface IdentityRef {
  network: string;
  handle: string;
}

export interface ContactRow {
  staffId: string;
  network: string;
  handle: string;
  at: Date;
  replied: boolean;
}

export interface RoutingFactsQuery {
  identities: readonly IdentityRef[];
  author: { network: string; authorId: string };
  /** Contacts (replies, assignments) from this time on make a relationship. */
  contactsSince: Date;
  /** The customer's own texts from this time on, other than the mention in hand; none when absent. */
  texts?: { since: Date; exceptMentionId: string };
  /** Other accounts posting exactly this text from this time on; not counted when absent. */
  sameText?: { text: string; since: Date };
}

export interface RoutingFacts {
  /** The roster (people dropped from the team file left out), each with their open conversations. */
  staff: RosterLoadRow[];
  /** Who has dealt with this customer, under any linked handle: each posted reply, then each assignment. */
  contacts: ContactRow[];
  texts: string[];
  sameTextElsewhere: number;
  /** Someone on the team said "Not spam" for this author (spam_exemptions). */
  vouched: boolean;
}

/** Who the facts are about, as SQL: parameters, or columns of the mention being routed. */
interface FactsInputs {
  identities: { network: SQL; handle: SQL }[];
  author: { network: SQL; authorId: SQL };
  contactsSince: SQL | Placeholder;
  texts?: { since: SQL | Placeholder; exceptMentionId: SQL };
  sameText?: { text: SQL; since: SQL | Placeholder };
}

/** The same customer in a table aliased `t`: this author id, or any of their linked handles. */
function sameCustomer(t: string, q: FactsInputs): SQL {
  const table = sql.raw(t);
  return sql.join(
    [
      sql`(${table}.network = ${q.author.network} and ${table}.author_id = ${q.author.authorId})`,
      ...q.identities.map(
        (id) =>
          sql`(${table}.network = ${id.network} and lower(${table}.author_handle) in (${id.handle}, '@' || ${id.handle}))`,
      ),
    ],
    sql` or `,
  );
}

/** Everything the router reads before deciding, as one JSON value. */
function factsExpression(q: FactsInputs): SQL {
  const customer = (t: string) => sameCustomer(t, q);
  const texts = q.texts
    ? sql`(select json_agg(m.text) from mentions m
          where m.id <> ${q.texts.exceptMentionId} and m.posted_at >= ${q.texts.since}::timestamptz
            and (${customer('m')}))`
    : sql`null`;
  const sameText = q.sameText
    ? sql`(select count(distinct m.author_id) from mentions m
          where m.text = ${q.sameText.text} and m.author_id <> ${q.author.authorId}
            and m.received_at >= ${q.sameText.since}::timestamptz)`
    : sql`0`;
  const since = q.contactsSince;
  return sql`json_build_object(
      'staff', (select json_agg(json_build_object(
          'id', s.id, 'name', s.name, 'role', s.role, 'skills', s.skills, 'languages', s.languages,
          'timezone', s.timezone, 'capacity', s.capacity, 'awayUntil', s.away_until, 'workingHours', s.working_hours,
          'openConversations', (select count(*) from conversations c where c.assignee_id = s.id and c.closed_at is null)
        ) order by s.id) from staff s where s.on_roster),
      'contacts', (select json_agg(x) from (
          select r.staff_id as "staffId", c.network, c.author_handle as handle, r.posted_at as at, true as replied
          from replies r join conversations c on c.id = r.conversation_id
          where (${customer('c')}) and r.status = 'posted' and r.posted_at >= ${since}::timestamptz
          union all
          select a.staff_id, c.network, c.author_handle, a.assigned_at, false
          from assignments a join conversations c on c.id = a.conversation_id
          where (${customer('c')}) and a.assigned_at >= ${since}::timestamptz
        ) x),
      'texts', ${texts},
      'sameText', ${sameText},
      'vouched', exists (select 1 from spam_exemptions v
          where v.network = ${q.author.network} and v.author_id = ${q.author.authorId})
    )`;
}

function toFacts(raw: RawFacts): RoutingFacts {
  const contacts = (raw.contacts ?? []).map((c) => ({
    ...c,
    handle: c.handle.replace(/^@/, ''),
    at: new Date(c.at),
  }));
  return {
    staff: (raw.staff ?? []).map((p) => ({ ...p, awayUntil: p.awayUntil ? new Date(p.awayUntil) : null })),
    // Replies first, then assignments (a stable sort keeps each part's order).
    contacts: contacts.sort((a, b) => Number(b.replied) - Number(a.replied)),
    texts: raw.texts ?? [],
    sameTextElsewhere: Number(raw.sameText),
    vouched: raw.vouched === true,
  };
}

/**
 * Everything the router reads before deciding, in one statement, for a
 * customer known by several handles (or for a conversation waiting in the
 * queue). Prepared: planning it costs more than running it; the text varies
 * only with the number of handles and which parts are asked for.
 */
export async function readRoutingFacts(db: Executor, q: RoutingFactsQuery): Promise<RoutingFacts> {
  const [row] = await queryRows<{ facts: RawFacts }>(
    db,
    sql`select ${factsExpression({
      identities: q.identities.map((id) => ({
        network: sql`${id.network}::text`,
        handle: sql`${id.handle}::text`,
      })),
      author: { network: sql`${q.author.network}::text`, authorId: sql`${q.author.authorId}::text` },
      contactsSince: sql`${q.contactsSince.toISOString()}`,
      ...(q.texts
        ? {
            texts: {
              since: sql`${q.texts.since.toISOString()}`,
              exceptMentionId: sql`${q.texts.exceptMentionId}::uuid`,
            },
          }
        : {}),
      ...(q.sameText
        ? { sameText: { text: sql`${q.sameText.text}::text`, since: sql`${q.sameText.since.toISOString()}` } }
        : {}),
    })} as facts`,
    `routing_facts_${q.identities.length}_${q.texts ? 't' : ''}${q.sameText ? 's' : ''}`,
  );
  return toFacts(row!.facts);
}

export interface FactWindows {
  contactsSince: Date;
  textsSince?: Date;
  sameTextSince: Date;
}

/**
 * The mention to route, its author's open conversation on that network, and
 * the facts about the author under their own handle, in one round trip and
 * without locks: the router decides on it, and openRoutedConversation (or
 * lockMentionAndOpen, to join) checks what may have changed since. The same
 * text elsewhere is always counted; the caller decides whether the text is
 * long enough to count.
 */
export async function readMentionAndFacts(
  db: Executor,
  mentionId: string,
  windows: FactWindows,
): Promise<{ mention: MentionRow; open: ConversationRow | undefined; facts: RoutingFacts } | undefined> {
  const values = {
    mentionId,
    contactsSince: windows.contactsSince.toISOString(),
    sameTextSince: windows.sameTextSince.toISOString(),
  };
  const [row] = windows.textsSince
    ? await readMentionWithTexts(db, { ...values, textsSince: windows.textsSince.toISOString() })
    : await readMentionWithoutTexts(db, values);
  if (!row) return undefined;
  return {
    mention: fromJsonRow(mentions, row.mention),
    open: row.open ? fromJsonRow(conversations, row.open) : undefined,
    facts: toFacts(row.facts),
  };
}

/** readMentionAndFacts' statement, with or without the customer's own texts (the policy decides). */
function readMentionStatement(withTexts: boolean) {
  const own = {
    network: sql`routed.network`,
    handle: sql`lower(regexp_replace(routed.author_handle, '^@', ''))`,
  };
  return compiledStatement<
    { mention: Record<string, unknown>; open: Record<string, unknown> | null; facts: RawFacts },
    { mentionId: string; contactsSince: string; sameTextSince: string; textsSince?: string }
  >(
    `routing_read_mention_${withTexts ? 't' : ''}`,
    sql`select to_json(routed) as mention, (${openConversationOf(sql`routed`)}) as open,
      ${factsExpression({
        identities: [own],
        author: { network: sql`routed.network`, authorId: sql`routed.author_id` },
        contactsSince: p('contactsSince'),
        ...(withTexts ? { texts: { since: p('textsSince'), exceptMentionId: sql`routed.id` } } : {}),
        sameText: { text: sql`routed.text`, since: p('sameTextSince') },
      })} as facts
    from mentions routed where routed.id = ${p('mentionId')}::uuid`,
  );
}

/** The open conversation of a mention's author on its network, as JSON, locked when asked. */
const openConversationOf = (mention: SQL, lock = false) =>
  sql`select to_json(c) from conversations c
    where c.network = ${mention}.network and c.author_id = ${mention}.author_id and c.closed_at is null
    ${lock ? sql`for update` : sql``}`;

const readMentionWithTexts = readMentionStatement(true);
const readMentionWithoutTexts = readMentionStatement(false);

/**
 * The mention and its author's open conversation, both locked until the
 * transaction ends: two routers handed the same mention take turns on it,
 * and the second sees it routed; a follow-up waits while another router
 * changes the conversation it joins.
 */
export async function lockMentionAndOpen(
  tx: Executor,
  mentionId: string,
): Promise<{ mention: MentionRow; open: ConversationRow | undefined } | undefined> {
  const [row] = await queryRows<{ mention: Record<string, unknown>; open: Record<string, unknown> | null }>(
    tx,
    sql`select to_json(m) as mention, (${openConversationOf(sql`m`, true)}) as open
    from mentions m where m.id = ${mentionId}::uuid for update of m`,
    'routing_lock_mention',
  );
  if (!row) return undefined;
  return {
    mention: fromJsonRow(mentions, row.mention),
    open: row.open ? fromJsonRow(conversations, row.open) : undefined,
  };
}

/** What readRoutingFacts' JSON holds before dates are dates; json_agg of nothing is null. */
interface RawFacts {
  staff: (Omit<RosterLoadRow, 'awayUntil'> & { awayUntil: string | null })[] | null;
  contacts: (Omit<ContactRow, 'at'> & { at: string })[] | null;
  texts: string[] | null;
  sameText: number | string;
  vouched: boolean;
}

/**
 * Locks a person's row and counts their open conversations. Two routers
 * choosing the same person take turns here, and the second sees the first's
 * committed conversation: nobody goes over capacity.
 */
export async function lockStaffLoad(
  db: Executor,
  staffId: string,
): Promise<{ capacity: number; openConversations: number } | undefined> {
  const [person] = await db
    .select({ capacity: staff.capacity })
    .from(staff)
    .where(eq(staff.id, staffId))
    .for('update');
  if (!person) return undefined;
  const [load] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(conversations)
    .where(and(eq(conversations.assigneeId, staffId), isNull(conversations.closedAt)));
  return { capacity: person.capacity, openConversations: load?.n ?? 0 };
}

export type RoutedConversationValues = {
  network: string;
  account: string;
  authorId: string;
  authorHandle: string;
  assigneeId: string | null;
  escalated: boolean;
  openedAt: Date;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  responseTargetMinutes: number;
  routingReasons: string[];
  coveringFor: string | null;
  /** Its team's channel, if the policy names one; null: the main channel. */
  channel: string | null;
} & ({ status: 'open'; closedAt: null } | { status: 'spam'; closedAt: Date });

/** The mention the conversation opens with, and the decision's event. */
export interface RoutedMention {
  mentionId: string;
  routedAt: Date;
  event: { type: string; details: Record<string, unknown> };
}

/** What openRoutedConversation did; anything but 'opened' wrote nothing. */
export type OpenOutcome =
  | { outcome: 'opened'; id: string }
  /** Another router routed the mention first. */
  | { outcome: 'routed' }
  /** The chosen assignee filled up since the router read their load. */
  | { outcome: 'full' }
  /** Another router opened this customer's conversation first. */
  | { outcome: 'open_elsewhere' };

/**
 * Opens the conversation the router decided on and writes what goes with it,
 * in one call of open_routed_conversation (migrations/0006): the first
 * assignment, the mention marked routed, and the decision's event. Its
 * statements run on fresh data, so a router that read and decided without
 * locks cannot route a mention twice, open a customer's second conversation,
 * or take anyone over capacity. A dropped mention's conversation is born
 * closed, so it never blocks the customer's next one, and the mention is
 * settled, so the recovery sweep (which looks for mentions never shown)
 * leaves it alone.
 */
export async function openRoutedConversation(
  db: Executor,
  values: RoutedConversationValues,
  routed: RoutedMention,
): Promise<OpenOutcome> {
  const [row] = await openStatement(db, {
    mentionId: routed.mentionId,
    network: values.network,
    account: values.account,
    authorId: values.authorId,
    authorHandle: values.authorHandle,
    assigneeId: values.assigneeId,
    escalated: values.escalated,
    openedAt: values.openedAt.toISOString(),
    priority: values.priority,
    responseTargetMinutes: values.responseTargetMinutes,
    reasons: JSON.stringify(values.routingReasons),
    coveringFor: values.coveringFor,
    channel: values.channel,
    status: values.status,
    closedAt: values.closedAt ? values.closedAt.toISOString() : null,
    routedAt: routed.routedAt.toISOString(),
    eventType: routed.event.type,
    eventDetails: JSON.stringify(routed.event.details),
  });
  if (!row) throw new Error('open_routed_conversation returned no row');
  if (row.outcome === 'opened') return { outcome: 'opened', id: row.conversation_id! };
  return { outcome: row.outcome };
}

const openStatement = compiledStatement<
  { outcome: OpenOutcome['outcome']; conversation_id: string | null },
  // The decision's values as they are, its dates and JSON as text.
  Pick<
    RoutedConversationValues,
    | 'network'
    | 'account'
    | 'authorId'
    | 'authorHandle'
    | 'assigneeId'
    | 'escalated'
    | 'priority'
    | 'responseTargetMinutes'
    | 'coveringFor'
    | 'status'
    | 'channel'
  > & {
    mentionId: string;
    openedAt: string;
    reasons: string;
    closedAt: string | null;
    routedAt: string;
    eventType: string;
    eventDetails: string;
  }
>(
  'routing_open',
  sql`select outcome, conversation_id from open_routed_conversation(
    ${p('mentionId')}::uuid, ${p('network')}::text, ${p('account')}::text, ${p('authorId')}::text,
    ${p('authorHandle')}::text, ${p('assigneeId')}::text, ${p('escalated')}::boolean,
    ${p('openedAt')}::timestamptz, ${p('priority')}::text, ${p('responseTargetMinutes')}::int,
    ${p('reasons')}::jsonb, ${p('coveringFor')}::text, ${p('status')}::text,
    ${p('closedAt')}::timestamptz, ${p('routedAt')}::timestamptz,
    ${p('eventType')}::text, ${p('eventDetails')}::jsonb, ${p('channel')}::text)`,
);
