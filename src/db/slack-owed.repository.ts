import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { needsCard, type SlackWork, slackWorkKey, slackWorkLane } from '../contract/slack-work.js';
import { compiledStatement, type Executor } from './client.js';

// How a change owes Slack: a row of the outbox, in the change's own transaction. The sender
// (bot/slack-sender) takes and settles the rows through slack-outbox.repository.ts.

/** The notification channel a commit that owes Slack something wakes the sender on. */
export const OUTBOX_WAKE = 'firsthand_slack_outbox';

export interface Owed {
  work: SlackWork;
  /** Not before this time (a snooze's end). */
  at?: Date;
  /** For work that has no key of its own but must still be owed once (a surge's end). */
  key?: string;
  /** For work whose pace is chosen by the sender (a surge's root, in its channel). */
  lane?: string;
  priority?: number;
}

/**
 * Records, in the caller's transaction, what its change owes Slack. Work
 * about a conversation waits in the lane of the conversation's card (its
 * team's channel or the main one), the card of a conversation nobody holds
 * behind the rest; a conversation someone holds has its card first, as its
 * holder needs it to act. Work owed twice by one change (a retry) is one row.
 */
export async function oweSlack(db: Executor, items: readonly (Owed | SlackWork)[]): Promise<void> {
  if (items.length === 0) return;
  const owed = items.map((item): Owed => ('work' in item ? item : { work: item }));
  await oweStatement(db, {
    keys: owed.map(({ work, key }) => key ?? slackWorkKey(work) ?? `o-${randomUUID()}`),
    kinds: owed.map(({ work }) => work.type),
    works: owed.map(({ work }) => JSON.stringify(work)),
    conversations: owed.map(({ work }) => ('conversationId' in work ? work.conversationId : null)),
    mentions: owed.map(({ work }) => (work.type === 'mention' ? work.mentionId : null)),
    lanes: owed.map(({ work, lane }) => lane ?? slackWorkLane(work) ?? null),
    needsCard: owed.map(({ work }) => needsCard(work)),
    priorities: owed.map(({ priority }) => priority ?? 0),
    notBefore: owed.map(({ at }) => at?.toISOString() ?? null),
  });
}

const p = sql.placeholder;
// One prepared statement for any number of rows: the values travel as arrays and are unnested.
const oweStatement = compiledStatement<
  unknown,
  {
    keys: string[];
    kinds: string[];
    works: string[];
    conversations: (string | null)[];
    mentions: (string | null)[];
    lanes: (string | null)[];
    needsCard: boolean[];
    priorities: number[];
    notBefore: (string | null)[];
  }
>(
  'outbox_owe',
  sql`with owed as (
      select * from unnest(${p('keys')}::text[], ${p('kinds')}::text[], ${p('works')}::text[],
        ${p('conversations')}::uuid[], ${p('mentions')}::uuid[], ${p('lanes')}::text[],
        ${p('needsCard')}::boolean[], ${p('priorities')}::int[], ${p('notBefore')}::timestamptz[])
        as o (key, kind, work, conversation_id, mention_id, lane, needs_card, priority, not_before)
    ), added as (
      insert into slack_outbox (key, kind, work, conversation_id, lane, needs_card, priority, not_before)
      select o.key, o.kind, o.work::jsonb, c.id,
        coalesce(o.lane, case when o.kind = 'move' then coalesce(c.channel, 'main')
          else coalesce(c.slack_channel, c.channel, 'main') end),
        -- A follow-up is a line in its conversation's thread.
        o.needs_card or (o.kind = 'mention' and c.first_mention_id <> m.id),
        case when o.kind = 'mention' and c.first_mention_id = m.id and c.assignee_id is null then 1
          else o.priority end,
        o.not_before
      from owed o
      left join mentions m on m.id = o.mention_id
      left join conversations c on c.id = coalesce(o.conversation_id, m.conversation_id)
      on conflict (key) do nothing
      returning 1
    ), hurried as (
      update slack_outbox set priority = 0
      where kind = 'mention' and done_at is null and priority > 0
        and conversation_id in (select o.conversation_id from owed o join conversations c
          on c.id = o.conversation_id and c.assignee_id is not null)
    )
    select pg_notify(${OUTBOX_WAKE}, '') from (select count(*) from added) as counted`,
);
