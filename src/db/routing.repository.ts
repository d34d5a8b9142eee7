import { and, eq, gte, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { assignments, conversations, mentions, replies, staff } from './schema.js';

/** A customer handle on one network, lower case and without the @. */
export interface IdentityRef {
  network: string;
  handle: string;
}

type AuthorColumns = typeof conversations | typeof mentions;

/** The same customer in either table: this author id, or any of their linked handles. */
function sameCustomer(
  table: AuthorColumns,
  identities: readonly IdentityRef[],
  author: { network: string; authorId: string },
) {
  return or(
    and(eq(table.network, author.network), eq(table.authorId, author.authorId)),
    ...identities.map((id) =>
      and(
        eq(table.network, id.network),
        inArray(sql`lower(${table.authorHandle})`, [id.handle, `@${id.handle}`]),
      ),
    ),
  );
}

export interface ContactRow {
  staffId: string;
  network: string;
  handle: string;
  at: Date;
  replied: boolean;
}

/**
 * Who has dealt with this customer, under any of their linked handles, since
 * `since`: each posted reply, and each assignment (a relationship starts
 * before the first reply).
 */
export async function listCustomerContacts(
  db: Executor,
  identities: readonly IdentityRef[],
  author: { network: string; authorId: string },
  since: Date,
): Promise<ContactRow[]> {
  const customer = sameCustomer(conversations, identities, author);
  // One round trip for both kinds of contact: the router reads this inside every routing transaction.
  const rows = await db
    .select({
      staffId: replies.staffId,
      network: conversations.network,
      handle: conversations.authorHandle,
      at: sql<Date>`${replies.postedAt}`.mapWith(replies.postedAt).as('at'),
      replied: sql<boolean>`true`.as('replied'),
    })
    .from(replies)
    .innerJoin(conversations, eq(replies.conversationId, conversations.id))
    .where(
      and(customer, eq(replies.status, 'posted'), isNotNull(replies.postedAt), gte(replies.postedAt, since)),
    )
    .unionAll(
      db
        .select({
          staffId: assignments.staffId,
          network: conversations.network,
          handle: conversations.authorHandle,
          at: sql<Date>`${assignments.assignedAt}`.mapWith(assignments.assignedAt).as('at'),
          replied: sql<boolean>`false`.as('replied'),
        })
        .from(assignments)
        .innerJoin(conversations, eq(assignments.conversationId, conversations.id))
        .where(and(customer, gte(assignments.assignedAt, since))),
    );
  const handle = (h: string) => h.replace(/^@/, '');
  const contacts = rows.map((r) => ({ ...r, handle: handle(r.handle), replied: r.replied === true }));
  // Replies first, then assignments, as when these were two queries (a stable sort keeps each part's order).
  return contacts.sort((a, b) => Number(b.replied) - Number(a.replied));
}

/** What this customer wrote since `since`, under any linked handle, other than the mention in hand. */
export async function listCustomerTexts(
  db: Executor,
  identities: readonly IdentityRef[],
  author: { network: string; authorId: string },
  since: Date,
  exceptMentionId: string,
): Promise<string[]> {
  const rows = await db
    .select({ text: mentions.text })
    .from(mentions)
    .where(
      and(
        ne(mentions.id, exceptMentionId),
        gte(mentions.postedAt, since),
        sameCustomer(mentions, identities, author),
      ),
    );
  return rows.map((r) => r.text);
}

/** How many other accounts posted exactly this text since `since`: the mark of a copy-paste campaign. */
export async function countSameTextElsewhere(
  db: Executor,
  text: string,
  authorId: string,
  since: Date,
): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${mentions.authorId})::int` })
    .from(mentions)
    .where(and(eq(mentions.text, text), ne(mentions.authorId, authorId), gte(mentions.receivedAt, since)));
  return row?.n ?? 0;
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
  firstMentionId: string;
  assigneeId: string | null;
  escalated: boolean;
  openedAt: Date;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  responseTargetMinutes: number;
  routingReasons: string[];
  coveringFor: string | null;
} & ({ status: 'open'; closedAt: null } | { status: 'spam'; closedAt: Date });

/**
 * Opens the conversation the router decided on, or returns undefined when
 * another router opened one for the same customer first. A dropped mention's
 * conversation is born closed, so it never blocks the customer's next one.
 */
export async function openRoutedConversation(
  db: Executor,
  values: RoutedConversationValues,
): Promise<{ id: string } | undefined> {
  const [row] = await db
    .insert(conversations)
    .values(values)
    .onConflictDoNothing({
      target: [conversations.network, conversations.authorId],
      where: sql`${conversations.closedAt} is null`,
    })
    // The router needs only the id; returning every column costs on each routed mention.
    .returning({ id: conversations.id });
  return row;
}

/**
 * A dropped mention has nothing to show in Slack. Marking it settled keeps
 * the recovery sweep, which looks for mentions never shown, from posting it.
 */
export async function settleWithoutNotice(db: Executor, mentionId: string, at: Date): Promise<void> {
  await db
    .update(mentions)
    .set({ notifiedAt: at })
    .where(and(eq(mentions.id, mentionId), isNull(mentions.notifiedAt)));
}
