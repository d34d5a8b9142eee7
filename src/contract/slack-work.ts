import { z } from 'zod';

/**
 * What Firsthand owes Slack: each item is one row of the Slack outbox
 * (db/slack-outbox.repository.ts), written in the transaction of the change
 * that owes it, and sent once by the Slack sender (bot/slack-sender.ts).
 */
export const SlackWorkSchema = z.discriminatedUnion('type', [
  // A mention reached a conversation: post the conversation's card, or a line in its thread for a follow-up.
  z.object({ type: z.literal('mention'), mentionId: z.string().uuid() }),
  // Something happened to a conversation: redraw its card.
  z.object({ type: z.literal('refresh'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // Tell one person something only they should see.
  z.object({
    type: z.literal('ephemeral'),
    channel: z.string(),
    user: z.string(),
    text: z.string(),
  }),
  // Something the owner must fix (a dead network token); `hour` makes its key repeat within the hour.
  z.object({
    type: z.literal('alert'),
    kind: z.string().min(1).max(100),
    text: z.string(),
    hour: z.number().int(),
  }),
  // Add an event's line to the conversation's thread log.
  z.object({ type: z.literal('log'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // A direct message to one person about one conversation, for the event that called for it.
  z.object({
    type: z.literal('dm'),
    kind: z.enum(['assigned', 'reassigned', 'escalated', 'snooze_ended', 'reminder', 'overdue', 'offer']),
    user: z.string(),
    conversationId: z.string().uuid(),
    eventId: z.number().int(),
  }),
  // Redraw one person's App Home; `notice` tops it (a refusal of a click made there, with no channel to answer in).
  z.object({ type: z.literal('home'), user: z.string(), notice: z.string().max(2000).optional() }),
  // A conversation reassigned into another channel: a new card there, then a pointer in the old thread.
  z.object({ type: z.literal('move'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // A line in a thread whose place is known when it is owed (a moved card's pointer, a surge's end).
  z.object({ type: z.literal('thread_line'), channel: z.string(), threadTs: z.string(), text: z.string() }),
  // A snooze runs out: owed at its end, and then a change of the conversation, not a message.
  z.object({ type: z.literal('snooze_end'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // The day's count of mentions filtered as spam, for the team channel; `day` (UTC) makes it once a day.
  z.object({
    type: z.literal('spam_count'),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    count: z.number().int().positive(),
    topReasons: z.array(z.object({ reason: z.string(), count: z.number().int().positive() })).max(10),
  }),
  // The message a surge's cards are threaded under, in the channel that is `backlog` cards behind.
  z.object({ type: z.literal('surge'), backlog: z.number().int() }),
  // The owner's weekly digest for the week before `weekEnding` (an ISO time), then its chart, by DM.
  z.object({ type: z.literal('digest'), weekEnding: z.string().datetime(), user: z.string() }),
  z.object({ type: z.literal('digest_chart'), weekEnding: z.string().datetime(), user: z.string() }),
  // A storm's root message in the team channel, its clusters' threads under it, and its summary at the end.
  z.object({ type: z.literal('storm'), stormId: z.number().int() }),
  z.object({ type: z.literal('storm_summary'), stormId: z.number().int() }),
  // The owner's one DM about a storm: posted, then updated in place as it grows or calms.
  z.object({ type: z.literal('storm_owner'), stormId: z.number().int(), user: z.string() }),
  // A cluster's one message in the storm thread: posted, then updated in place with its count.
  z.object({ type: z.literal('cluster'), clusterId: z.number().int() }),
  // A DM to the person a story was given to (`by`: who gave it), for the event that gave it.
  z.object({
    type: z.literal('cluster_dm'),
    user: z.string(),
    by: z.string(),
    clusterId: z.number().int(),
    eventId: z.number().int(),
  }),
  // The storm thread's next turn: the story furthest behind in Slack is posted or updated, and the next
  // turn owed a few seconds on, so stories take a share of the channel's pace and cards the rest.
  z.object({ type: z.literal('storm_stories'), stormId: z.number().int(), turn: z.number().int() }),
  // The results of one "reply to all" of a cluster, in the storm thread: posted once, then updated in
  // place as its replies are posted or fail. `notSent` (on the first row only): members left out.
  z.object({
    type: z.literal('cluster_replies'),
    clusterId: z.number().int(),
    batch: z.string().min(1).max(200),
    notSent: z
      .array(z.object({ network: z.string(), handle: z.string(), reason: z.string().max(300) }))
      .max(500)
      .optional(),
  }),
]);
export type SlackWork = z.infer<typeof SlackWorkSchema>;

/**
 * The key that makes an item owed once: the same change owing it again (a
 * retry, a crash before the commit was known) writes nothing new. Items
 * without one (a Home redraw, a refusal) take a fresh key each time.
 */
export function slackWorkKey(work: SlackWork): string | undefined {
  switch (work.type) {
    case 'mention':
      return `n-${work.mentionId}`;
    case 'refresh':
      return `r-${work.conversationId}-${work.eventId}`;
    case 'log':
      return `l-${work.eventId}`;
    case 'dm':
      return `d-${work.kind}-${work.eventId}-${work.user}`;
    case 'snooze_end':
      return `s-${work.eventId}`;
    case 'move':
      return `v-${work.eventId}`;
    case 'alert':
      return `a-${work.kind.replace(/[^A-Za-z0-9_.-]/g, '_')}-${work.hour}`;
    case 'spam_count':
      return `f-${work.day}`;
    case 'digest':
      return `w-${work.weekEnding}`;
    case 'digest_chart':
      return `wc-${work.weekEnding}`;
    case 'storm':
      return `sr-${work.stormId}`;
    case 'storm_summary':
      return `sz-${work.stormId}`;
    case 'storm_stories':
      return `ss-${work.stormId}-${work.turn}`;
    case 'cluster_dm':
      return `kd-${work.eventId}-${work.user}`;
    case 'storm_owner':
    case 'cluster':
    case 'cluster_replies':
    case 'ephemeral':
    case 'home':
    case 'thread_line':
    case 'surge':
      return undefined;
  }
}

/**
 * The lane an item waits its turn in (slack_outbox.lane): a DM its person's,
 * a thread line its channel's, 'none' for calls no channel paces, 'main' for
 * the main channel; undefined: its conversation's card's (a team channel).
 */
export function slackWorkLane(work: SlackWork): string | undefined {
  switch (work.type) {
    case 'dm':
    case 'digest':
    case 'digest_chart':
    case 'storm_owner':
    case 'cluster_dm':
      return work.user;
    case 'thread_line':
      return work.channel;
    case 'home':
    case 'ephemeral':
    case 'snooze_end':
      return 'none';
    case 'alert':
    case 'spam_count':
    case 'storm':
    case 'storm_summary':
    case 'storm_stories':
    case 'cluster':
      return 'main';
    case 'mention':
    case 'refresh':
    case 'log':
    case 'move':
    case 'surge':
    case 'cluster_replies':
      return undefined;
  }
}

/** Work sendable only once its conversation's card is in Slack: it threads under it, edits it or links to it. */
export const needsCard = (work: SlackWork): boolean => ['refresh', 'log', 'dm', 'move'].includes(work.type);

/** An owner alert that posts at most once per kind per clock hour, however often the failure repeats. */
export const alertWork = (kind: string, text: string, now: Date): SlackWork => ({
  type: 'alert',
  kind,
  text,
  hour: Math.floor(now.getTime() / 3_600_000),
});
