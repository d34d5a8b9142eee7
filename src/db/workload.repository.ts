import { and, asc, eq, gte, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import type { ConversationRow } from './conversations.repository.js';
import { conversations, mentions, staff } from './schema.js';

/** Read models for App Home and /firsthand: who has what, what waits, how the week went. */

export interface OpenConversation {
  conversation: ConversationRow;
  text: string;
  url: string | null;
}

export type OpenFilter = { assigneeId: string } | { unassigned: true } | { escalated: true };

export async function listOpenConversations(
  db: Executor,
  filter: OpenFilter,
  limit = 100,
): Promise<OpenConversation[]> {
  const which =
    'assigneeId' in filter
      ? eq(conversations.assigneeId, filter.assigneeId)
      : 'unassigned' in filter
        ? isNull(conversations.assigneeId)
        : eq(conversations.escalated, true);
  const rows = await db
    .select({ conversation: conversations, text: mentions.text, url: mentions.url })
    .from(conversations)
    .leftJoin(mentions, eq(mentions.id, conversations.firstMentionId))
    .where(and(isNull(conversations.closedAt), which))
    .orderBy(asc(conversations.openedAt))
    .limit(limit);
  return rows.map((r) => ({ conversation: r.conversation, text: r.text ?? '', url: r.url }));
}

/** Conditional on the roster: someone dropped from the team file cannot set an absence. */
export async function setAwayUntil(db: Executor, staffId: string, until: Date | null): Promise<boolean> {
  const rows = await db
    .update(staff)
    .set({ awayUntil: until, updatedAt: new Date() })
    .where(and(eq(staff.id, staffId), eq(staff.onRoster, true)))
    .returning({ id: staff.id });
  return rows.length === 1;
}

export interface PeriodStats {
  opened: number;
  replied: number;
  resolved: number;
  spam: number;
  openNow: number;
}

export async function periodStats(db: Executor, since: Date): Promise<PeriodStats> {
  const [period] = await db
    .select({
      opened: sql<number>`count(*)::int`,
      replied: sql<number>`count(${conversations.firstRepliedAt})::int`,
      resolved: sql<number>`count(*) filter (where ${conversations.status} = 'resolved')::int`,
      spam: sql<number>`count(*) filter (where ${conversations.status} = 'spam')::int`,
    })
    .from(conversations)
    // A mention brought back from the spam filter opened a second conversation; the first is not counted again.
    .where(and(gte(conversations.openedAt, since), ne(conversations.status, 'not_spam')));
  const [open] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(conversations)
    .where(isNull(conversations.closedAt));
  return {
    opened: period?.opened ?? 0,
    replied: period?.replied ?? 0,
    resolved: period?.resolved ?? 0,
    spam: period?.spam ?? 0,
    openNow: open?.n ?? 0,
  };
}
