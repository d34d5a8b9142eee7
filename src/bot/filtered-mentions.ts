import { AppError } from '../contract/errors.js';
import type { Database } from '../db/client.js';
import { lockConversation } from '../db/conversation-changes.repository.js';
import { appendEvent, listConversationEvents } from '../db/events.repository.js';
import {
  claimDailyCount,
  countFiltered,
  listFiltered,
  summarizeFiltered,
  takeOutOfSpam,
  unrouteMention,
  vouchForAuthor,
} from '../db/filtered.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { enqueueReroute } from '../queue/queues.js';
import { type ActionDeps, type Outcome, requireRosterMember } from './conversation-actions.js';
import { FILTERED_DAYS, type FilteredOverview } from './filtered-view.js';

/**
 * What the spam filter dropped, kept in sight: App Home's list, the *Not
 * spam* button that brings a real customer back, and the daily count in the
 * team channel.
 */

const DAY_MS = 86_400_000;
const LATEST_SHOWN = 10;

/** App Home's "Filtered as spam": the latest still filtered, and how many there were. */
export async function loadFiltered(db: Database, now: Date): Promise<FilteredOverview> {
  const weekAgo = new Date(now.getTime() - FILTERED_DAYS * DAY_MS);
  const [rows, counts] = await Promise.all([
    listFiltered(db, weekAgo, LATEST_SHOWN),
    countFiltered(db, weekAgo, new Date(now.getTime() - DAY_MS)),
  ]);
  return {
    latest: rows.map((r) => ({
      conversationId: r.conversationId,
      network: r.network,
      handle: r.authorHandle,
      text: r.text,
      reasons: r.reasons,
      at: r.filteredAt,
    })),
    lastDay: counts.recent,
    lastWeek: counts.since,
  };
}

/**
 * *Not spam*: in one transaction, the filtered conversation leaves 'spam',
 * its mention goes back to the router as if it had just arrived, and its
 * author is vouched for, so the filter leaves their mentions alone. The
 * router then routes the mention as any other (a card in the channel). The
 * conversation's row lock and the conditional update make a second click,
 * the same person's or a colleague's, change nothing; it is told who
 * brought the mention back.
 */
export async function markNotSpam(
  deps: ActionDeps,
  actorId: string,
  conversationId: string,
): Promise<Outcome> {
  const done = await deps.db.transaction(async (tx) => {
    const actor = await requireRosterMember(tx, actorId);
    const conversation = await lockConversation(tx, conversationId);
    if (!conversation) throw new AppError('conversation.not_found', 'That mention no longer exists.');
    const history = await listConversationEvents(tx, conversation.id);
    if (conversation.status === 'not_spam') {
      const back = history.find((e) => e.type === 'mention.unspammed');
      const who = !back ? 'A colleague' : back.actor === actor.id ? 'You' : `<@${back.actor}>`;
      throw new AppError(
        'spam.already_back',
        `${who} already brought this mention back from the spam filter, so there is nothing more to do.`,
      );
    }
    const dropped = history.find((e) => e.type === 'mention.dropped');
    if (conversation.status !== 'spam' || !dropped || !conversation.firstMentionId) {
      throw new AppError(
        'spam.not_filtered',
        'Only a mention the spam filter dropped can be brought back with Not spam.',
      );
    }
    if (!(await takeOutOfSpam(tx, conversation.id))) return undefined;
    const mention = await unrouteMention(tx, conversation.firstMentionId, conversation.id);
    if (!mention) throw new AppError('spam.mention_moved', 'That mention is no longer the filtered one.');
    const vouched = await vouchForAuthor(tx, {
      network: conversation.network,
      authorId: conversation.authorId,
      vouchedBy: actor.id,
      at: deps.now(),
    });
    const { id: eventId } = await appendEvent(tx, {
      type: 'mention.unspammed',
      actor: actor.id,
      conversationId: conversation.id,
      mentionId: mention.id,
      details: {
        network: conversation.network,
        authorId: conversation.authorId,
        authorHandle: conversation.authorHandle,
        droppedFor: dropped.details.reasons ?? [],
        newlyVouched: vouched,
      },
    });
    await oweSlack(tx, [{ type: 'home', user: actor.id }]);
    return { mentionId: mention.id, eventId };
  });
  if (!done) return { changed: false };
  // Committed: if Redis cannot take the job now, the recovery sweep finds the mention unrouted and queues it.
  await enqueueReroute(deps.queues, done.mentionId, done.eventId).catch(() => undefined);
  return { changed: true };
}

/** The UTC hour from which a day's count of filtered mentions is posted, covering the 24 hours before it. */
export const DAILY_COUNT_HOUR_UTC = 8;

/**
 * Once a day, from DAILY_COUNT_HOUR_UTC on, the team channel hears how many
 * mentions the filter dropped in the 24 hours up to that hour, when there
 * were any. The day is claimed in the database with the count's Slack work
 * in the same transaction, so a restart, a late start or several processes
 * asking every minute post it once; its outbox key (its day) keeps the post
 * single too.
 */
export async function oweDailySpamCount(deps: {
  db: Database;
  now: () => Date;
  channelId: string;
}): Promise<{ day: string; count: number } | undefined> {
  const now = deps.now();
  if (now.getUTCHours() < DAILY_COUNT_HOUR_UTC) return undefined;
  const until = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), DAILY_COUNT_HOUR_UTC),
  );
  const day = until.toISOString().slice(0, 10);
  const settled = await deps.db.transaction(async (tx) => {
    if (!(await claimDailyCount(tx, deps.channelId, day))) return undefined;
    const summary = await summarizeFiltered(tx, new Date(until.getTime() - DAY_MS), until);
    if (summary.count > 0)
      await oweSlack(tx, [{ type: 'spam_count', day, count: summary.count, topReasons: summary.topReasons }]);
    return { count: summary.count };
  });
  if (!settled) return undefined;
  return { day, count: settled.count };
}
