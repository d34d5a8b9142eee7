import { eq, sql } from 'drizzle-orm';
import { AppError } from '../contract/errors.js';
import { type Database, fromJsonRow } from './client.js';
import type { ConversationRow } from './conversations.repository.js';
import type { EventRow } from './events.repository.js';
import type { MentionRow } from './mentions.repository.js';
import type { ReplyRow } from './replies.repository.js';
import { conversations, events, mentions, replies, staff } from './schema.js';

/** Everything the Slack surfaces show about one conversation, oldest first in each list. */
export interface LoadedConversation {
  conversation: ConversationRow;
  mentions: MentionRow[];
  /** Our replies with their author's name, kept after the author leaves the roster; null without a staff row. */
  replies: (ReplyRow & { staffName: string | null })[];
  events: EventRow[];
}

type JsonRow = Record<string, unknown>;
interface ConversationJson {
  conversation: JsonRow;
  mentions: JsonRow[] | null;
  replies: { reply: JsonRow; staffName: string | null }[] | null;
  events: JsonRow[] | null;
}

/**
 * Everything behind a card (the conversation, its mentions, our replies with
 * their authors' names, its events) in one prepared statement per database
 * handle: each notification reads a conversation up to three times (card,
 * refresh, DM), and each round trip costs more than the reading. Keyed by the
 * conversation, or by one of its mentions for the notifier, which starts there.
 */
function prepareViewReads(db: Database) {
  const id = sql.placeholder('id');
  // Spelled out: drizzle leaves the table off a column of a one-table select, and the subqueries' own ids would clash.
  const conversationId = sql.raw('"conversations"."id"');
  const loaded = sql<ConversationJson>`json_build_object(
    'conversation', to_json(${conversations}),
    'mentions', (select json_agg(m order by m.posted_at, m.received_at) from ${mentions} m
      where m.conversation_id = ${conversationId}),
    'replies', (select json_agg(json_build_object('reply', r, 'staffName', s.name) order by r.created_at)
      from ${replies} r left join ${staff} s on s.id = r.staff_id where r.conversation_id = ${conversationId}),
    'events', (select json_agg(e order by e.id) from ${events} e where e.conversation_id = ${conversationId})
  )`;
  return {
    byConversation: db
      .select({ loaded })
      .from(conversations)
      .where(eq(conversations.id, id))
      .prepare('card_by_conversation'),
    byMention: db
      .select({ loaded })
      .from(conversations)
      .where(
        sql`${conversations.id} = (select ${mentions.conversationId} from ${mentions} where ${mentions.id} = ${id})`,
      )
      .prepare('card_by_mention'),
  };
}

const viewReads = new WeakMap<Database, ReturnType<typeof prepareViewReads>>();

function readsFor(db: Database) {
  let reads = viewReads.get(db);
  if (!reads) {
    reads = prepareViewReads(db);
    viewReads.set(db, reads);
  }
  return reads;
}

function fromViewJson(json: ConversationJson): LoadedConversation {
  return {
    conversation: fromJsonRow(conversations, json.conversation),
    mentions: (json.mentions ?? []).map((m) => fromJsonRow(mentions, m)),
    replies: (json.replies ?? []).map((r) => ({ ...fromJsonRow(replies, r.reply), staffName: r.staffName })),
    events: (json.events ?? []).map((e) => fromJsonRow(events, e)),
  };
}

export async function loadConversation(db: Database, conversationId: string): Promise<LoadedConversation> {
  const [row] = await readsFor(db).byConversation.execute({ id: conversationId });
  if (!row) throw new AppError('conversation.not_found', `conversation ${conversationId} does not exist`);
  return fromViewJson(row.loaded);
}

/** The conversation a mention was routed to, or undefined while it is not routed (or not stored). */
export async function loadConversationOfMention(
  db: Database,
  mentionId: string,
): Promise<LoadedConversation | undefined> {
  const [row] = await readsFor(db).byMention.execute({ id: mentionId });
  return row ? fromViewJson(row.loaded) : undefined;
}
