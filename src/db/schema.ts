import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** Working hours per weekday in minutes after local midnight; a range ending before it starts runs past midnight. */
export type WeeklyHours = Partial<
  Record<'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat', [number, number][]>
>;

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** People who may act on conversations, upserted from TEAM_FILE at start. */
export const staff = pgTable('staff', {
  id: text('id').primaryKey(), // Slack user id
  name: text('name').notNull(),
  role: text('role', { enum: ['owner', 'staff'] }).notNull(),
  skills: jsonb('skills').$type<string[]>().notNull().default([]),
  languages: jsonb('languages').$type<string[]>().notNull().default([]),
  timezone: text('timezone').notNull().default('UTC'),
  capacity: integer('capacity').notNull().default(10),
  // Dropped from the roster file: kept for history, never assigned, may not act.
  onRoster: boolean('on_roster').notNull().default(true),
  awayUntil: timestamp('away_until', { withTimezone: true }),
  // Null: reachable at any hour, as before working hours existed.
  workingHours: jsonb('working_hours').$type<WeeklyHours>(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    network: text('network').notNull(),
    account: text('account').notNull(),
    authorId: text('author_id').notNull(),
    authorHandle: text('author_handle').notNull(),
    // not_spam: a mention the filter dropped that someone brought back; it was routed again into a
    // conversation of its own, and this one stays closed for its history.
    status: text('status', { enum: ['open', 'replied', 'waiting', 'resolved', 'spam', 'not_spam'] })
      .notNull()
      .default('open'),
    assigneeId: text('assignee_id').references(() => staff.id),
    escalated: boolean('escalated').notNull().default(false),
    // The router's decision, kept so Slack, reports and a later re-route can explain it.
    priority: text('priority', { enum: ['low', 'normal', 'high', 'urgent'] })
      .notNull()
      .default('normal'),
    responseTargetMinutes: integer('response_target_minutes'),
    routingReasons: jsonb('routing_reasons').$type<string[]>().notNull().default([]),
    // A colleague covers while the customer's usual contact is away; on return it goes back to them.
    coveringFor: text('covering_for').references(() => staff.id),
    firstMentionId: uuid('first_mention_id'),
    // The Slack channel the conversation belongs in, its team's (routing, or a move on reassignment);
    // null: the main channel. slack_channel is where its card is now, and catches up on a move.
    channel: text('channel'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    firstRepliedAt: timestamp('first_replied_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    // At most one open conversation per customer and network: a follow-up joins it.
    uniqueIndex('conversations_open_author_uq').on(t.network, t.authorId).where(sql`${t.closedAt} is null`),
    index('conversations_assignee_idx').on(t.assigneeId),
    // Each person's load (open conversations), read by the router for every mention.
    index('conversations_open_assignee_idx').on(t.assigneeId).where(sql`${t.closedAt} is null`),
    // The queue: open conversations nobody could take yet.
    index('conversations_waiting_idx')
      .on(t.openedAt)
      .where(sql`${t.assigneeId} is null and ${t.closedAt} is null`),
    index('conversations_author_handle_idx').on(t.network, sql`lower(${t.authorHandle})`),
    // The customer's history across open and closed conversations (relationship owner).
    index('conversations_author_idx').on(t.network, t.authorId),
    // What the filter dropped lately, for App Home (every redraw) and the daily count.
    index('conversations_spam_idx').on(t.closedAt).where(sql`${t.status} = 'spam'`),
  ],
);

export const mentions = pgTable(
  'mentions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    network: text('network').notNull(),
    externalId: text('external_id').notNull(),
    account: text('account').notNull(),
    authorId: text('author_id').notNull(),
    authorHandle: text('author_handle').notNull(),
    authorName: text('author_name'),
    authorFollowers: integer('author_followers'),
    authorVerified: boolean('author_verified'),
    text: text('text').notNull(),
    url: text('url'),
    inReplyTo: text('in_reply_to'),
    kind: text('kind'),
    postedAt: timestamp('posted_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    conversationId: uuid('conversation_id').references(() => conversations.id),
    routedAt: timestamp('routed_at', { withTimezone: true }),
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    slackTs: text('slack_ts'),
  },
  (t) => [
    // Keeps a duplicate harmless long after its queue job is gone.
    uniqueIndex('mentions_network_external_uq').on(t.network, t.externalId),
    index('mentions_pending_idx').on(t.receivedAt).where(sql`${t.notifiedAt} is null`),
    // The rate of mentions, and its baseline for the hour of the week, that tell a storm.
    index('mentions_received_idx').on(t.receivedAt),
    // Every read below runs once per routed mention; without them routing slows as the table grows.
    index('mentions_conversation_idx').on(t.conversationId),
    index('mentions_author_idx').on(t.network, t.authorId, t.postedAt),
    index('mentions_author_handle_idx').on(t.network, sql`lower(${t.authorHandle})`),
    // Hash, not btree: a post may be far longer than a btree entry allows.
    index('mentions_text_hash_idx').using('hash', t.text),
  ],
);

export const assignments = pgTable(
  'assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id),
    assignedBy: text('assigned_by').notNull(), // a staff id, or 'router'
    reasons: jsonb('reasons').$type<string[]>().notNull(),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [index('assignments_conversation_idx').on(t.conversationId)],
);

export const replies = pgTable(
  'replies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    mentionId: uuid('mention_id')
      .notNull()
      .references(() => mentions.id),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id),
    // One modal submission is one reply, however often Slack or the user resubmits it.
    submissionKey: text('submission_key').notNull(),
    text: text('text').notNull(),
    // Public reply on the thread, or a private message to the customer where the network has one.
    visibility: text('visibility', { enum: ['public', 'private'] })
      .notNull()
      .default('public'),
    status: text('status', { enum: ['queued', 'posted', 'failed'] })
      .notNull()
      .default('queued'),
    networkReplyId: text('network_reply_id'),
    networkReplyUrl: text('network_reply_url'),
    error: text('error'),
    // When a post was last sent whose outcome is unknown (no answer came back): a retry looks for it first.
    attemptedAt: timestamp('attempted_at', { withTimezone: true }),
    createdAt: createdAt(),
    postedAt: timestamp('posted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('replies_submission_uq').on(t.submissionKey),
    index('replies_conversation_idx').on(t.conversationId),
    // The reply sweep looks for these every minute; posted and failed replies are most of the table.
    index('replies_queued_idx').on(t.createdAt).where(sql`${t.status} = 'queued'`),
  ],
);

/** Append-only log of who did what, when and why. */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: uuid('conversation_id').references(() => conversations.id),
    mentionId: uuid('mention_id').references(() => mentions.id),
    actor: text('actor').notNull(), // a staff id, 'router', 'ingest', 'bot'
    type: text('type').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('events_conversation_idx').on(t.conversationId, t.id)],
);

/** Polling positions (since_id, cursors) per network and account. */
export const cursors = pgTable(
  'cursors',
  {
    network: text('network').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.network, t.key] })],
);

/**
 * Everything Firsthand owes Slack, one row per message, redraw or DM, written
 * in the transaction of the change that owes it and sent once by the Slack
 * sender, which fills in how it ended. Settled rows are kept a week: their
 * keys make a change owed twice (a retry) one message.
 */
export const slackOutbox = pgTable(
  'slack_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    work: jsonb('work').notNull(),
    conversationId: uuid('conversation_id'),
    // The pace the row waits its turn in: a channel's id, 'main' (the team channel), a user's id (their
    // DM), or 'none' (Home redraws, refusals and timers, which no channel paces).
    lane: text('lane').notNull(),
    // Sendable only once its conversation's card is in Slack: thread lines, redraws, DMs linking to it.
    needsCard: boolean('needs_card').notNull().default(false),
    // Lower goes first: 0 for most, 1 for the card of a conversation nobody holds, -1 for a surge's root.
    priority: integer('priority').notNull().default(0),
    notBefore: timestamp('not_before', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    // Post-once's note: when the last attempt left and where to, so a rerun can look for what it posted.
    attemptedAt: timestamp('attempted_at', { withTimezone: true }),
    attemptChannel: text('attempt_channel'),
    attemptThreadTs: text('attempt_thread_ts'),
    lastError: text('last_error'),
    doneAt: timestamp('done_at', { withTimezone: true }),
    outcome: text('outcome', { enum: ['sent', 'superseded', 'skipped', 'failed'] }),
    ts: text('ts'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('slack_outbox_key_idx').on(t.key),
    index('slack_outbox_due_idx').on(t.lane, t.priority, t.id).where(sql`${t.doneAt} is null`),
    index('slack_outbox_conversation_idx').on(t.conversationId).where(sql`${t.doneAt} is null`),
    index('slack_outbox_done_idx').on(t.doneAt).where(sql`${t.doneAt} is not null`),
    // A lane's surge is looked up by kind among rows kept a week.
    index('slack_outbox_surge_idx').on(t.lane, t.id).where(sql`${t.kind} = 'surge'`),
  ],
);

/**
 * The steps of a conversation's response clock (routing/response-clock.ts),
 * each due at its time: a reminder, an offer to the next person, the owner
 * told. A step is due by this row, not by a timer, so a restart loses none;
 * the sweep that takes it decides then whether it still applies.
 */
export const clockSteps = pgTable(
  'clock_steps',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id),
    // The clock.started event this step belongs to: a new clock (the customer wrote again) has its own.
    clockEventId: bigint('clock_event_id', { mode: 'number' }).notNull(),
    step: text('step', { enum: ['remind', 'offer', 'owner'] }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    doneAt: timestamp('done_at', { withTimezone: true }),
    outcome: text('outcome', { enum: ['fired', 'missed', 'stopped'] }),
  },
  (t) => [
    // An offer is made again, to the next person, each time a claim window runs out.
    uniqueIndex('clock_steps_clock_step_due_idx').on(t.clockEventId, t.step, t.dueAt),
    index('clock_steps_due_idx').on(t.dueAt).where(sql`${t.doneAt} is null`),
  ],
);

/** Who holds a singleton job (the Slack sender) until when; another process takes over once it expires. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/**
 * Authors someone on the team said "Not spam" for: the spam filter leaves
 * their mentions alone from then on (a policy's own drop rules still apply).
 */
export const spamExemptions = pgTable(
  'spam_exemptions',
  {
    network: text('network').notNull(),
    authorId: text('author_id').notNull(),
    vouchedBy: text('vouched_by')
      .notNull()
      .references(() => staff.id),
    vouchedAt: timestamp('vouched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.network, t.authorId] })],
);

/**
 * Items that could not be stored as mentions (a polled post that breaks the
 * contract, a mention the database refused), kept with the reason so that
 * one bad item never blocks the rest and is never silently lost. The payload
 * is JSON text, not jsonb, which cannot hold the NUL that often caused it.
 */
export const quarantinedItems = pgTable(
  'quarantined_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    network: text('network'),
    externalId: text('external_id'),
    reason: text('reason').notNull(),
    payload: text('payload').notNull(),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('quarantined_items_at_idx').on(t.quarantinedAt)],
);

/**
 * A storm: mentions arriving well above the usual rate for the hour of the
 * week, or turning negative all at once (routing/storm/storm-watch.ts). At
 * most one is open; its start and end carry the figures that called them.
 */
export const storms = pgTable(
  'storms',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    startFigures: jsonb('start_figures').$type<Record<string, unknown>>().notNull(),
    // Since when the rate has been back near the baseline; the storm ends after a quiet spell.
    calmSince: timestamp('calm_since', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endFigures: jsonb('end_figures').$type<Record<string, unknown>>(),
    // Where its root message is in the team channel, and the owner's DM about it.
    slackTs: text('slack_ts'),
    ownerChannel: text('owner_channel'),
    ownerTs: text('owner_ts'),
  },
  (t) => [uniqueIndex('storms_open_uq').on(sql`(true)`).where(sql`${t.endedAt} is null`)],
);

/**
 * Mentions that tell one story during a storm: one message in the storm's
 * thread, updated in place, instead of a card each. `signatures` are a few
 * of its members' MinHash signatures (routing/storm/story-clusters.ts), from
 * which any router rebuilds its index after a restart.
 */
export const storyClusters = pgTable(
  'story_clusters',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    stormId: bigint('storm_id', { mode: 'number' })
      .notNull()
      .references(() => storms.id),
    signatures: jsonb('signatures').$type<number[][]>().notNull(),
    // merged: the same story as `merged_into`, found when a mention told both; its members moved there.
    status: text('status', { enum: ['open', 'spam', 'merged'] })
      .notNull()
      .default('open'),
    mergedInto: bigint('merged_into', { mode: 'number' }),
    assigneeId: text('assignee_id').references(() => staff.id),
    slackTs: text('slack_ts'),
    // How many members its message in Slack counts: the storm's thread shows first what is furthest behind.
    shownCount: integer('shown_count').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('story_clusters_storm_idx').on(t.stormId)],
);

/**
 * A mention counted in a cluster rather than given a card: routed, with no
 * conversation until someone answers it (a reply to all opens one per
 * customer) or splits it off (it is routed again, on its own).
 */
export const clusterMembers = pgTable(
  'cluster_members',
  {
    mentionId: uuid('mention_id')
      .primaryKey()
      .references(() => mentions.id),
    clusterId: bigint('cluster_id', { mode: 'number' })
      .notNull()
      .references(() => storyClusters.id),
    sentiment: text('sentiment').notNull(),
    // Routing sent it to the owner (why, in words): the story goes to the owner with it.
    forOwner: text('for_owner'),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    // Split off: routed again on its own; the cluster no longer counts it.
    splitAt: timestamp('split_at', { withTimezone: true }),
  },
  (t) => [index('cluster_members_cluster_idx').on(t.clusterId, t.joinedAt)],
);
