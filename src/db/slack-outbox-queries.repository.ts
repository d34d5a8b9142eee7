import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { type Executor, fromJsonRow, queryRows } from './client.js';
import { slackOutbox } from './schema.js';
import type { OutboxRow } from './slack-outbox.repository.js';

// The Slack outbox as the renderings (bot/slack-deliveries, bot/storm-deliveries), the surge, the
// housekeeping sweep and /metrics see it; the sender's own reads and writes are in slack-outbox.repository.ts.

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
