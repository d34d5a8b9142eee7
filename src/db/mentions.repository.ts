import { and, asc, eq, isNull, lt, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Mention, Network } from '../contract/mention.js';
import { compiledStatement, type Executor, queryRows } from './client.js';
import { mentions } from './schema.js';

const p = sql.placeholder;

export type MentionRow = typeof mentions.$inferSelect;
export type NewMentionRow = typeof mentions.$inferInsert;

/** A normalized mention as the row that stores it; absent details are stored as null. */
export function mentionToRow(mention: Mention): NewMentionRow {
  return {
    network: mention.network,
    externalId: mention.externalId,
    account: mention.account,
    authorId: mention.author.id,
    authorHandle: mention.author.handle,
    authorName: mention.author.name ?? null,
    authorFollowers: mention.author.followers ?? null,
    authorVerified: mention.author.verified ?? null,
    text: mention.text,
    url: mention.url ?? null,
    inReplyTo: mention.inReplyTo ?? null,
    kind: mention.kind ?? null,
    postedAt: new Date(mention.createdAt),
  };
}

/** A stored row as the normalized mention it was made from: the inverse of mentionToRow. */
export function mentionFromRow(row: MentionRow): Mention {
  return {
    network: row.network as Network,
    externalId: row.externalId,
    account: row.account,
    author: {
      id: row.authorId,
      handle: row.authorHandle,
      name: row.authorName ?? undefined,
      followers: row.authorFollowers ?? undefined,
      verified: row.authorVerified ?? undefined,
    },
    text: row.text,
    url: row.url ?? undefined,
    inReplyTo: row.inReplyTo ?? undefined,
    kind: (row.kind as Mention['kind']) ?? undefined,
    createdAt: row.postedAt.toISOString(),
  };
}

export interface StoredMention {
  id: string;
  network: string;
  externalId: string;
  notified: boolean;
  inserted: boolean;
}

/**
 * Stores a batch of mentions once per (network, external id), with a
 * mention.received event for each new one, in one statement: one round trip
 * and one commit however large the batch. Each mention already stored comes
 * back with `inserted: false`. One a concurrent request is storing at this
 * very moment is left out: that request answers for it.
 */
export async function storeMentions(
  db: Executor,
  batch: NewMentionRow[],
  source: string,
): Promise<StoredMention[]> {
  const details = JSON.stringify({ source });
  // A webhook or the ingest API mostly brings one mention at a time: that statement is compiled and prepared, batches are not.
  if (batch.length === 1) return storeOne(db, { ...incomingValues(batch[0]!), details });
  const rows = batch.map((m) => {
    const values = incomingValues(m);
    return incomingRow((key) => values[key]);
  });
  return queryRows<StoredMention>(db, storeStatement(rows, sql`${details}`));
}

type IncomingValues = ReturnType<typeof incomingValues>;

function incomingValues(m: NewMentionRow) {
  return {
    network: m.network,
    externalId: m.externalId,
    account: m.account,
    authorId: m.authorId,
    authorHandle: m.authorHandle,
    authorName: m.authorName ?? null,
    authorFollowers: m.authorFollowers ?? null,
    authorVerified: m.authorVerified ?? null,
    text: m.text,
    url: m.url ?? null,
    inReplyTo: m.inReplyTo ?? null,
    kind: m.kind ?? null,
    postedAt: m.postedAt.toISOString(),
  };
}

/** One row of `incoming`, its values given as parameters or as placeholders. */
function incomingRow(value: (key: keyof IncomingValues) => unknown): SQL {
  return sql`(${value('network')}, ${value('externalId')}, ${value('account')}, ${value('authorId')},
    ${value('authorHandle')}, ${value('authorName')}::text, ${value('authorFollowers')}::int,
    ${value('authorVerified')}::boolean, ${value('text')}, ${value('url')}::text, ${value('inReplyTo')}::text,
    ${value('kind')}::text, ${value('postedAt')}::timestamptz)`;
}

function storeStatement(rows: SQL[], details: SQL | Placeholder): SQL {
  return sql`with incoming (network, external_id, account, author_id, author_handle, author_name, author_followers,
        author_verified, text, url, in_reply_to, kind, posted_at) as (values ${sql.join(rows, sql`, `)}),
      inserted as (
        insert into mentions (network, external_id, account, author_id, author_handle, author_name,
          author_followers, author_verified, text, url, in_reply_to, kind, posted_at)
        select * from incoming
        on conflict (network, external_id) do nothing
        returning id, network, external_id
      ),
      logged as (
        insert into events (mention_id, actor, type, details)
        select id, 'ingest', 'mention.received', ${details}::jsonb from inserted
      )
    select id, network, external_id as "externalId", false as notified, true as inserted from inserted
    union all
    -- Stored before this statement began (its snapshot does not see the rows inserted above).
    select m.id, m.network, m.external_id, m.notified_at is not null, false
    from mentions m join incoming i on m.network = i.network and m.external_id = i.external_id`;
}

const storeOne = compiledStatement<StoredMention, IncomingValues & { details: string }>(
  'store_mention',
  storeStatement([incomingRow((key) => p(key))], p('details')),
);

export async function findMention(db: Executor, id: string): Promise<MentionRow | undefined> {
  const [row] = await db.select().from(mentions).where(eq(mentions.id, id));
  return row;
}

export async function findMentionByExternalId(
  db: Executor,
  network: string,
  externalId: string,
): Promise<MentionRow | undefined> {
  const [row] = await db
    .select()
    .from(mentions)
    .where(and(eq(mentions.network, network), eq(mentions.externalId, externalId)));
  return row;
}

export async function markRouted(db: Executor, id: string, conversationId: string, at: Date): Promise<void> {
  await db.update(mentions).set({ conversationId, routedAt: at }).where(eq(mentions.id, id));
}

export function listConversationMentions(db: Executor, conversationId: string): Promise<MentionRow[]> {
  return db
    .select()
    .from(mentions)
    .where(eq(mentions.conversationId, conversationId))
    .orderBy(asc(mentions.postedAt), asc(mentions.receivedAt));
}

/**
 * Mentions stored but never routed, older than `before`: work a lost queue
 * job left behind. A routed mention's card is owed in its routing
 * transaction, so the Slack outbox has the rest.
 */
export function listUnrouted(db: Executor, before: Date, limit: number): Promise<MentionRow[]> {
  return db
    .select()
    .from(mentions)
    .where(and(isNull(mentions.notifiedAt), isNull(mentions.routedAt), lt(mentions.receivedAt, before)))
    .orderBy(asc(mentions.receivedAt))
    .limit(limit);
}

export async function countMentions(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(mentions);
  return row?.n ?? 0;
}
