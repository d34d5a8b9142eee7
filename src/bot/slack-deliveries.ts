import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SlackWork } from '../contract/slack-work.js';
import type { Database, Tx } from '../db/client.js';
import { commitChange } from '../db/conversation-change.js';
import { findEvent, lockConversation } from '../db/conversation-changes.repository.js';
import { loadConversation, loadConversationOfMention } from '../db/conversation-view.repository.js';
import { findConversation, recordMovedCard } from '../db/conversations.repository.js';
import { listConversationEvents } from '../db/events.repository.js';
import { findReply } from '../db/replies.repository.js';
import type { OutboxRow, Shown } from '../db/slack-outbox.repository.js';
import { claimSurgeNote, listPendingAlike } from '../db/slack-outbox-queries.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { findOwner } from '../db/staff.repository.js';
import { findOpenStorm } from '../db/storms.repository.js';
import {
  conversationDm,
  conversationMessage,
  followupMessage,
  logLine,
  logMessage,
  movedLine,
  ownerAlert,
} from './blocks.js';
import { toCard } from './conversation-card.js';
import { renderWeeklyDigest, weeklyDigestMessage } from './digest/weekly-digest.js';
import { dailySpamCountMessage } from './filtered-view.js';
import { homeView } from './home-view.js';
import { renderStormWork } from './storm-deliveries.js';
import { loadHome } from './team-views.js';

type Message = { text: string; blocks?: unknown[] };
/**
 * What the sender does in the same transaction as settling the row, once the
 * call has succeeded; `shownEvent` is the event of the mention the post showed.
 */
type Recorded = (tx: Tx, ts: string | undefined, shownEvent?: number) => Promise<void>;

/**
 * One Slack call an owed row comes to, rendered from the state at the moment
 * it is sent. A card (`card`) may go into its channel's surge thread instead;
 * a post to a person (`dm`) goes to their DM channel.
 */
export type Delivery = { recorded?: Recorded; superseded?: number[]; shows?: Shown } & (
  | {
      call: 'post';
      to: { channel: string } | { dm: string };
      threadTs?: string;
      message: Message;
      card?: true;
    }
  | { call: 'update'; channel: string; ts: string; message: Message }
  | { call: 'publish'; user: string; view: View }
  | { call: 'ephemeral'; channel: string; user: string; text: string }
  | { call: 'upload'; to: { dm: string }; bytes: Buffer; filename: string; title: string; altText: string }
  | { call: 'none'; why: string }
);

export interface DeliveryDeps {
  db: Database;
  slack: WebClient;
  /** The main channel, for work owed to 'main'. */
  channelId: string;
  logger: Logger;
  now: () => Date;
  /** Messages a second a channel (about one), which a storm's stories take a third of. */
  channelMessagesPerSecond?: number | undefined;
}

/** What the sender knows of a channel's surge when a row asks. */
export type SurgeOf = (lane: string) => Promise<{ key: string; ts: string } | undefined>;

interface Context {
  deps: DeliveryDeps;
  surgeOf: SurgeOf;
  /** Message links, built from the workspace URL (one auth.test), not a chat.getPermalink per message. */
  links: () => Promise<(channel: string, ts: string) => string | undefined>;
}

/** What each owed row comes to, rendered by the Slack sender at the moment it is sent. */
export function createDeliveries(deps: DeliveryDeps, surgeOf: SurgeOf) {
  let workspaceUrl: Promise<string | undefined> | undefined;
  const links = async () => {
    workspaceUrl ??= deps.slack.auth
      .test()
      .then((r) => r.url)
      .catch((error: Error) => {
        workspaceUrl = undefined;
        deps.logger.warn({ err: error.message }, 'auth.test failed; links left out');
        return undefined;
      });
    const base = await workspaceUrl;
    if (!base) return () => undefined;
    const root = base.endsWith('/') ? base : `${base}/`;
    return (channel: string, ts: string) => `${root}archives/${channel}/p${ts.replace('.', '')}`;
  };
  const ctx: Context = { deps, surgeOf, links };
  return {
    render: (row: OutboxRow, work: SlackWork, channelOf: (lane: string) => string) =>
      render(ctx, row, work, channelOf),
  };
}
/** A routed mention: its conversation's card, or a line in the card's thread for a follow-up. */
async function mention(ctx: Context, mentionId: string): Promise<Delivery> {
  const loaded = await loadConversationOfMention(ctx.deps.db, mentionId);
  const shown = loaded?.mentions.find((m) => m.id === mentionId);
  if (!loaded || !shown) return { call: 'none', why: 'the mention is not in a conversation' };
  // A dropped mention is settled without a card; one shown already needs nothing.
  if (shown.notifiedAt) return { call: 'none', why: 'already shown' };
  const { conversation } = loaded;
  const isRoot = conversation.firstMentionId === shown.id;
  const shows = (channel: string): Shown => ({
    mentionId,
    conversationId: conversation.id,
    opensConversation: isRoot,
    channel,
  });
  if (isRoot) {
    const channel = conversation.channel ?? ctx.deps.channelId;
    const assigned = loaded.events.find((e) => e.type === 'conversation.assigned');
    const { assigneeId } = conversation;
    return {
      call: 'post',
      to: { channel },
      card: true,
      message: conversationMessage(toCard(loaded, ctx.deps.now())),
      shows: shows(channel),
      // The person it went to hears of it once the card they are pointed to is there.
      ...(assigneeId && assigned
        ? {
            recorded: (tx: Tx) =>
              oweSlack(tx, [
                {
                  work: {
                    type: 'dm',
                    kind: conversation.escalated ? 'escalated' : 'assigned',
                    user: assigneeId,
                    conversationId: conversation.id,
                    eventId: assigned.id,
                  },
                },
              ]),
          }
        : {}),
    };
  }
  const channel = conversation.slackChannel!;
  return {
    call: 'post',
    to: { channel },
    threadTs: conversation.slackTs!,
    message: followupMessage({
      handle: shown.authorHandle,
      text: shown.text,
      url: shown.url,
      network: shown.network,
    }),
    shows: shows(channel),
    // The card shows how many follow-ups there are.
    recorded: async (tx, _ts, eventId) => {
      if (eventId !== undefined)
        await oweSlack(tx, [{ work: { type: 'refresh', conversationId: conversation.id, eventId } }]);
    },
  };
}

async function refresh(ctx: Context, conversationId: string): Promise<Delivery> {
  const superseded = await listPendingAlike(ctx.deps.db, 'refresh', { conversationId });
  const loaded = await loadConversation(ctx.deps.db, conversationId);
  const { slackChannel, slackTs } = loaded.conversation;
  return {
    call: 'update',
    channel: slackChannel!,
    ts: slackTs!,
    message: conversationMessage(toCard(loaded, ctx.deps.now())),
    superseded,
  };
}

async function log(ctx: Context, conversationId: string, eventId: number): Promise<Delivery> {
  const [event, conversation] = await Promise.all([
    findEvent(ctx.deps.db, eventId),
    findConversation(ctx.deps.db, conversationId),
  ]);
  if (!event || event.conversationId !== conversationId || !conversation)
    return { call: 'none', why: 'no such event' };
  const details = { ...event.details };
  if (event.type === 'reply.posted' && typeof details.replyId === 'string') {
    const reply = await findReply(ctx.deps.db, details.replyId);
    if (reply) details.text = reply.text;
  }
  const line = logLine({ type: event.type, actor: event.actor, details });
  if (!line) return { call: 'none', why: 'the event has no thread line' };
  return {
    call: 'post',
    to: { channel: conversation.slackChannel! },
    threadTs: conversation.slackTs!,
    message: logMessage(line),
  };
}

async function directMessage(
  ctx: Context,
  work: Extract<SlackWork, { type: 'dm' }>,
  key: string,
): Promise<Delivery> {
  const [loaded, event] = await Promise.all([
    loadConversation(ctx.deps.db, work.conversationId),
    findEvent(ctx.deps.db, work.eventId),
  ]);
  // In a surge the router's escalations would reach the owner a DM each, dozens a minute: the first
  // says so and the rest wait in the surge thread and App Home. A colleague's escalation is a person
  // asking, and still comes on its own.
  const surge =
    work.kind === 'escalated' && event?.actor === 'router' ? await ctx.surgeOf('main') : undefined;
  if (surge && !(await claimSurgeNote(ctx.deps.db, surge.key, key)))
    return { call: 'none', why: 'the owner was told of the surge' };
  const { slackChannel, slackTs } = loaded.conversation;
  const card = toCard(loaded, ctx.deps.now());
  const reasons = Array.isArray(event?.details.reasons)
    ? (event.details.reasons as unknown[]).filter((r): r is string => typeof r === 'string')
    : card.reasons;
  const message = conversationDm({
    kind: work.kind,
    card,
    link: slackChannel && slackTs ? (await ctx.links())(slackChannel, slackTs) : undefined,
    ...(event && event.actor !== 'router' && event.actor !== 'bot' ? { by: event.actor } : {}),
    reasons,
    ...(surge
      ? {
          note: "A surge is on. Until it calms down I won't DM you each conversation escalated to you: they're in the surge thread in the team channel and listed in Firsthand's Home tab.",
        }
      : {}),
  });
  return { call: 'post', to: { dm: work.user }, message };
}

async function home(ctx: Context, user: string, notice: string | undefined): Promise<Delivery> {
  const superseded = notice ? [] : await listPendingAlike(ctx.deps.db, 'home', { user });
  const data = await loadHome(ctx.deps, user, await ctx.links());
  const view: View = data
    ? homeView(notice ? { ...data, notice } : data)
    : {
        type: 'home',
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: "You're not on this team's Firsthand roster. Ask the owner to add you to the team file.",
            },
          },
        ],
      };
  return { call: 'publish', user, view, superseded };
}
/** A snooze runs out: the conversation says so, and its holder is told, unless a later change replaced it. */
async function endSnooze(ctx: Context, conversationId: string, eventId: number): Promise<Delivery> {
  return {
    call: 'none',
    why: 'a snooze ran out',
    // Decided under the conversation's lock: a later snooze, or a close, replaced this one.
    recorded: async (tx) => {
      const conversation = await lockConversation(tx, conversationId);
      const latest = (await listConversationEvents(tx, conversationId)).findLast(
        (e) => e.type === 'conversation.snoozed' || e.type === 'conversation.snooze_ended',
      );
      if (!conversation || conversation.closedAt || latest?.id !== eventId) return;
      const assignee = conversation.assigneeId;
      await commitChange(tx, conversationId, {
        event: {
          type: 'conversation.snooze_ended',
          actor: 'bot',
          details: { snoozeEventId: eventId },
          at: ctx.deps.now(),
        },
        tell: { dms: assignee ? [{ kind: 'snooze_ended', user: assignee }] : [], homes: [assignee] },
      });
    },
  };
}

/**
 * A conversation reassigned into another team's channel: its card is posted
 * there, then the card is recorded as moved and a pointer owed in the old
 * thread, conditionally on the old card, so nothing is doubled.
 */
async function move(ctx: Context, conversationId: string, eventId: number): Promise<Delivery> {
  const [loaded, event] = await Promise.all([
    loadConversation(ctx.deps.db, conversationId),
    findEvent(ctx.deps.db, eventId),
  ]);
  const { conversation } = loaded;
  const to = conversation.channel ?? ctx.deps.channelId;
  const from = conversation.slackChannel!;
  const fromTs = conversation.slackTs!;
  if (from === to) return { call: 'none', why: 'already in its channel' };
  const by = event && event.actor !== 'router' && event.actor !== 'bot' ? event.actor : undefined;
  return {
    call: 'post',
    to: { channel: to },
    message: conversationMessage(toCard(loaded, ctx.deps.now())),
    recorded: async (tx, ts) => {
      if (
        !(await recordMovedCard(tx, conversation.id, { channel: from, ts: fromTs }, { channel: to, ts: ts! }))
      )
        return;
      const text = movedLine(to, by, (await ctx.links())(to, ts!));
      await oweSlack(tx, [{ work: { type: 'thread_line', channel: from, threadTs: fromTs, text } }]);
    },
  };
}

/**
 * The owner's weekly digest: the message, then its chart as an image
 * uploaded into the same DM, owed once the message is there.
 */
async function digest(
  ctx: Context,
  work: Extract<SlackWork, { type: 'digest' | 'digest_chart' }>,
): Promise<Delivery> {
  const owner = await findOwner(ctx.deps.db);
  if (!owner) return { call: 'none', why: 'no owner on the roster' };
  const week = { weekEnding: new Date(work.weekEnding), timezone: owner.timezone };
  if (work.type === 'digest_chart') {
    const rendered = await renderWeeklyDigest(ctx.deps.db, week);
    return {
      call: 'upload',
      to: { dm: work.user },
      bytes: rendered.png,
      filename: rendered.filename,
      title: rendered.title,
      altText: 'Response times by day, and load by person',
    };
  }
  // The message alone: its chart is drawn for the upload that follows it.
  const message = await weeklyDigestMessage(ctx.deps.db, week);
  return {
    call: 'post',
    to: { dm: work.user },
    message: { text: message.text, blocks: message.blocks },
    recorded: (tx) => oweSlack(tx, [{ ...work, type: 'digest_chart' }]),
  };
}

async function surgeRoot(ctx: Context, backlog: number): Promise<Message> {
  // In a storm the owner was named in its root already: a surge of its cards does not name them again.
  const [owner, storm] = await Promise.all([findOwner(ctx.deps.db), findOpenStorm(ctx.deps.db)]);
  const name = owner && !storm ? `<@${owner.id}> ` : '';
  return {
    text: `:rotating_light: ${name}A surge: ${backlog} mentions are waiting for Slack. To keep this channel readable, new conversations go into this thread until it calms down. Pick them up here, in App Home or with \`/firsthand queue\`.`,
  };
}

/** The one Slack call `row` comes to now. */
async function render(
  ctx: Context,
  row: OutboxRow,
  work: SlackWork,
  channelOf: (lane: string) => string,
): Promise<Delivery> {
  switch (work.type) {
    case 'mention':
      return mention(ctx, work.mentionId);
    case 'refresh':
      return refresh(ctx, work.conversationId);
    case 'log':
      return log(ctx, work.conversationId, work.eventId);
    case 'dm':
      return directMessage(ctx, work, row.key);
    case 'home':
      return home(ctx, work.user, work.notice);
    case 'snooze_end':
      return endSnooze(ctx, work.conversationId, work.eventId);
    case 'move':
      return move(ctx, work.conversationId, work.eventId);
    case 'thread_line':
      return {
        call: 'post',
        to: { channel: work.channel },
        threadTs: work.threadTs,
        message: logMessage(work.text),
      };
    case 'alert': {
      const owner = await findOwner(ctx.deps.db);
      return { call: 'post', to: { channel: ctx.deps.channelId }, message: ownerAlert(owner?.id, work.text) };
    }
    case 'spam_count':
      return { call: 'post', to: { channel: ctx.deps.channelId }, message: dailySpamCountMessage(work) };
    case 'surge':
      return {
        call: 'post',
        to: { channel: channelOf(row.lane) },
        message: await surgeRoot(ctx, work.backlog),
      };
    case 'ephemeral':
      return { call: 'ephemeral', channel: work.channel, user: work.user, text: work.text };
    case 'digest':
    case 'digest_chart':
      return digest(ctx, work);
    case 'storm':
    case 'storm_summary':
    case 'storm_owner':
    case 'storm_stories':
    case 'cluster':
    case 'cluster_dm':
    case 'cluster_replies':
      return renderStormWork({ ...ctx.deps, links: ctx.links }, row, work);
  }
}
