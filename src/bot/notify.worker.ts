import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { type NotifyJob, NotifyJobSchema, notifyJobId, QUEUE } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { findEvent } from '../db/conversation-changes.repository.js';
import { findConversation, recordMovedCard } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { recordShownInSlack } from '../db/mentions.repository.js';
import { findReply } from '../db/replies.repository.js';
import { findOwner } from '../db/staff.repository.js';
import {
  claimOwnerToldOfSurge,
  claimSurge,
  endSurge,
  openSurge,
  readSurgeState,
} from '../db/surge.repository.js';
import { AppError } from '../errors.js';
import {
  enqueueNotify,
  isUnheldCard,
  putCardFirst,
  type QueueSettings,
  type Queues,
  type RedisScript,
  runScript,
  startWorker,
} from '../queueing.js';
import {
  conversationDm,
  conversationMessage,
  followupMessage,
  logLine,
  logMessage,
  movedLine,
  ownerAlert,
} from './blocks.js';
import {
  type LoadedConversation,
  loadConversation,
  loadConversationOfMention,
  toCard,
} from './conversation-card.js';
import { dailySpamCountMessage } from './filtered-view.js';
import { homeView } from './home-view.js';
import { forgetPost, leave, type PostOnceDeps, postOnce } from './post-once.js';
import { slackFailure } from './slack-errors.js';
import { loadHome } from './team-views.js';

export interface NotifyDeps {
  db: Database;
  queues: Queues;
  slack: WebClient;
  channelId: string;
  logger: Logger;
  now: () => Date;
  /** Messages a second a channel; Slack allows about one, with short bursts. */
  channelMessagesPerSecond?: number;
  /** Calls a second to Slack in all, the workspace-wide pace. */
  callsPerSecond?: number;
  /** Mentions waiting for Slack beyond which new cards go into one surge thread. */
  surgeBacklog?: number;
}

// A worker that claimed a surge but died before posting its root gives way after this long.
const SURGE_CLAIM_TIMEOUT_MS = 30_000;
// The note of a surge root's attempt outlives the claim of a worker that died while posting it.
const SURGE_ROOT_NOTE_TTL_MS = 10 * SURGE_CLAIM_TIMEOUT_MS;
// Unheld cards waiting in a surge whose channel is remembered; past this the memory starts again.
const UNHELD_CARD_CHANNELS_KEPT = 50_000;
// Every card asks how far behind the channel is; an answer this old is close enough and spares a query a card.
const SURGE_STATE_MAX_AGE_MS = 1000;

/** Waiting for another worker's surge message is a short delay, not a spent attempt. */
const surgeRootPending = () =>
  Object.assign(new AppError('notify.surge_root_pending', 'the surge thread is being opened', true), {
    retryAt: new Date(Date.now() + 500),
  });

/**
 * Every outgoing Slack call goes through this worker. Two limits apply: the
 * queue's own limiter (the workspace-wide pace) and a per-channel gate in
 * Redis, so one busy conversation cannot make Slack refuse the whole
 * channel. A job over either limit, or answered 429, waits in BullMQ's
 * delayed set until its slot (or Retry-After) and then runs again: nothing
 * is dropped, and each job's effect is guarded so a rerun does not double it.
 *
 * The card of a conversation nobody holds yet (waiting in the queue) takes a
 * slot only after everything else the channel owes: it is queued behind it
 * (enqueueNotify's priority), waits out its place among all the second's
 * calls, and comes back later in the second than other work. Other work
 * waits only behind its own kind, so in a surge the cards people were given
 * and their colleagues' actions reach the channel in seconds, not hours.
 *
 * Slack counts a second from each message, not by the clock: a call that
 * takes its second's slot too soon after the last message waits out the
 * spacing in hand (under a second), so the slot is spent on a message, not
 * on a 429, and not lost to a trip through the delayed set. Only when the
 * spacing reaches past its second does it give the slot back and return then.
 */
const CHANNEL_SLOT: RedisScript = {
  name: 'firsthandChannelSlot',
  numberOfKeys: 3,
  lua: `
local taken = redis.call('INCR', KEYS[1])
if taken == 1 then redis.call('EXPIRE', KEYS[1], 5) end
local ahead = taken
if ARGV[1] == 'first' then
  ahead = redis.call('INCR', KEYS[2])
  if ahead == 1 then redis.call('EXPIRE', KEYS[2], 5) end
end
local spacing = tonumber(ARGV[3])
if taken <= tonumber(ARGV[4]) and spacing > 0 then
  local now = tonumber(ARGV[2])
  local at = math.max(now, tonumber(redis.call('GET', KEYS[3]) or '0') + spacing)
  if at >= tonumber(ARGV[5]) then
    redis.call('DECR', KEYS[1])
    if ARGV[1] == 'first' then redis.call('DECR', KEYS[2]) end
    return {0, 0, 0, at - now}
  end
  redis.call('SET', KEYS[3], string.format('%.0f', at), 'PX', 60000)
  return {taken, ahead, at - now, 0}
end
return {taken, ahead, 0, 0}`,
};

const channelBusy = (channel: string, retryAt: Date) =>
  Object.assign(new AppError('slack.channel_busy', `channel ${channel} is at its pace`, true), { retryAt });

/**
 * A follow-up, a thread line or a redraw whose conversation's card is not
 * in Slack yet waits for it. In a surge the card of a conversation nobody
 * holds can be hours behind, so the wait is a delay that grows with the age
 * of what waits, not a spent attempt: eight of those are gone in two
 * minutes. A day on, it spends attempts as any job does (a follow-up's card
 * is then left to the recovery sweep).
 */
const ROOT_WAIT_LIMIT_MS = 24 * 3600_000;
function rootPending(since: Date): AppError {
  const error = new AppError('notify.root_pending', 'the conversation message is not posted yet', true);
  const age = Date.now() - since.getTime();
  if (age > ROOT_WAIT_LIMIT_MS) return error;
  const wait = Math.min(60_000, Math.max(500, age / 4));
  return Object.assign(error, { retryAt: new Date(Date.now() + wait) });
}

/** Whether a channel call goes before the cards of conversations waiting in the queue, or after them. */
type Lane = 'first' | 'last';

export function createNotifier(deps: NotifyDeps) {
  const perSecond = Math.max(1, deps.channelMessagesPerSecond ?? 1);
  // A margin on Slack's spacing, as calls reach it a little apart from when they took their slot; a
  // pace lifted past a call a millisecond (a benchmark's) leaves spacing to the count alone.
  const spacingMs = Math.floor((1000 / perSecond) * 1.05);
  const surgeBacklog = Math.max(1, deps.surgeBacklog ?? 30);

  /** Takes a slot in the channel's pace; returns when the call may leave (now, or after Slack's spacing). */
  async function takeChannelSlot(channel: string, lane: Lane): Promise<number> {
    const redis = await deps.queues.notify.getBackend().client;
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const channelKey = `${deps.queues.notify.qualifiedName}:channel-rate:${channel}`;
    const key = `${channelKey}:${second}`;
    // The script counts, spaces and expires in one atomic step.
    const [taken, ahead, spaceBy, nextSecondIn] = (await runScript(redis, CHANNEL_SLOT, [
      key,
      `${key}:first`,
      `${channelKey}:last`,
      lane,
      now,
      spacingMs,
      perSecond,
      (second + 1) * 1000,
    ])) as [number, number, number, number];
    if (nextSecondIn > 0) throw channelBusy(channel, new Date(now + nextSecondIn));
    if (taken <= perSecond) return now + spaceBy;
    // Later arrivals queue up behind earlier ones of their lane, a second per `perSecond` jobs; the
    // queue's cards come back later in their second than the rest, which then takes the slot.
    const behind = lane === 'first' ? Math.max(ahead - perSecond, 1) : taken - perSecond;
    const wait = Math.floor((behind - 1) / perSecond) + 1;
    const offset = lane === 'first' ? Math.random() * 200 : 400 + Math.random() * 300;
    throw channelBusy(channel, new Date((second + wait) * 1000 + Math.floor(offset)));
  }

  /**
   * Makes a Slack call, after a slot in `channel`'s pace when one is named.
   * The call waits out the spacing itself, at the last moment before it
   * leaves (`leave`), so that what it does first (a look in Redis, a read)
   * does not make it reach Slack later than its slot.
   */
  async function call<T>(
    channel: string | undefined,
    run: (leaveAt: number) => Promise<T>,
    lane: Lane = 'first',
  ): Promise<T> {
    const leaveAt = channel ? await takeChannelSlot(channel, lane) : 0;
    try {
      return await run(leaveAt);
    } catch (error) {
      throw slackFailure(error);
    }
  }

  // The channel of each unheld card that was sent back to wait, so its rerun asks that channel first.
  const unheldCardChannels = new Map<string, string>();

  let workspaceUrl: Promise<string | undefined> | undefined;
  /** Message links are built from the workspace URL (one auth.test), not a chat.getPermalink per message. */
  async function linkBuilder(): Promise<
    (channel: string, ts: string, threadTs?: string) => string | undefined
  > {
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
    return (channel, ts, threadTs) =>
      `${root}archives/${channel}/p${ts.replace('.', '')}${threadTs ? `?thread_ts=${threadTs}&cid=${channel}` : ''}`;
  }

  // A user's DM channel with the bot keeps its id, so conversations.open is needed once per user.
  const dmChannels = new Map<string, string>();
  async function dmChannel(user: string): Promise<string> {
    const known = dmChannels.get(user);
    if (known) return known;
    const opened = await call(undefined, () => deps.slack.conversations.open({ users: user }));
    const channel = opened.channel?.id;
    if (!channel) throw new AppError('slack.no_dm_channel', `no DM channel for ${user}`, true);
    dmChannels.set(user, channel);
    return channel;
  }

  async function sendDm(
    job: Extract<NotifyJob, { type: 'dm' }>,
    message: { text: string; blocks: unknown[] },
  ): Promise<void> {
    const channel = await dmChannel(job.user);
    await call(channel, (leaveAt) => post(job, { channel, ...message }, leaveAt));
  }

  /**
   * At Slack's pace of about a message a second, a surge of mentions would
   * bury the channel for hours. While the backlog is high, new cards go into
   * one thread under a single surge message that names the owner; the
   * channel stays readable and every conversation still gets its own card.
   * The surge ends when the backlog falls below half the threshold.
   */
  const surgeStates = new Map<string, { at: number; state: ReturnType<typeof readSurgeState> }>();
  function surgeState(channel: string): ReturnType<typeof readSurgeState> {
    const known = surgeStates.get(channel);
    if (known && Date.now() - known.at < SURGE_STATE_MAX_AGE_MS) return known.state;
    const state = readSurgeState(deps.db, channel);
    surgeStates.set(channel, { at: Date.now(), state });
    state.catch(() => surgeStates.delete(channel));
    return state;
  }

  /**
   * The surge thread a card goes into, if a surge is on, and whether this
   * card's slot went to opening it. Called with the card's slot in hand: the
   * decision is as fresh as the post that follows.
   */
  async function surgeThread(
    channel: string,
    leaveAt: number,
  ): Promise<{ rootTs: string; opened: boolean } | undefined> {
    const { backlog, surge } = await surgeState(channel);
    if (!surge) {
      if (backlog < surgeBacklog) return undefined;
      surgeStates.delete(channel);
      if (!(await claimSurge(deps.db, channel, deps.now()))) throw surgeRootPending();
      // The owner is named in the surge message itself: told once, at once, not behind the backlog.
      const owner = await findOwner(deps.db);
      const text = `:rotating_light: ${owner ? `<@${owner.id}> ` : ''}A surge: ${backlog} mentions are waiting for Slack. To keep this channel readable, new conversations go into this thread until it calms down. Pick them up here, in App Home or with \`/firsthand queue\`.`;
      // Posted once as any message is, by a key of the channel's: the next claimant after a lost answer
      // finds this root. Its note is forgotten once the root is recorded, for the next surge's own.
      const rootKey = `u-${channel}`;
      let rootTs: string;
      try {
        rootTs = await call(undefined, async () =>
          postOnce(await postDeps(), rootKey, { channel, text }, leaveAt, SURGE_ROOT_NOTE_TTL_MS),
        );
      } catch (error) {
        await endSurge(deps.db, channel); // let the next card try again
        throw error;
      }
      await openSurge(deps.db, channel, rootTs);
      await forgetPost(await postDeps(), rootKey);
      surgeStates.delete(channel);
      return { rootTs, opened: true };
    }
    if (surge.state === 'posting') {
      surgeStates.delete(channel); // the root is about to be posted: look again on the retry
      if (deps.now().getTime() - surge.since > SURGE_CLAIM_TIMEOUT_MS) await endSurge(deps.db, channel);
      throw surgeRootPending();
    }
    if (backlog * 2 < surgeBacklog) {
      surgeStates.delete(channel);
      await endSurge(deps.db, channel);
      return undefined;
    }
    return { rootTs: surge.rootTs, opened: false };
  }

  /** What posting once needs: the Slack client, and this queue's Redis to keep attempts in. */
  async function postDeps(): Promise<PostOnceDeps> {
    const redis = await deps.queues.notify.getBackend().client;
    const noteKey = (key: string) => `${deps.queues.notify.qualifiedName}:posting:${key}`;
    return { slack: deps.slack, redis, logger: deps.logger, noteKey };
  }

  /** Posts a job's message once, even when Slack's answer is lost (post-once.ts). */
  async function post(
    job: NotifyJob,
    message: Parameters<typeof postOnce>[2],
    leaveAt: number,
  ): Promise<string> {
    return postOnce(await postDeps(), notifyJobId(job)!, message, leaveAt);
  }

  /** Shows a routed mention in Slack: the conversation's root message, or a thread reply for a follow-up. */
  async function notifyMention(mentionId: string, unheldCard = false): Promise<void> {
    const job: NotifyJob = { type: 'mention', mentionId };
    // The card of a conversation nobody holds (queued at the lower priority) asks its channel first:
    // in a surge most are sent back to wait their turn, and need not read their conversation for it.
    // Its channel is known from its first run (the conversation's, read then).
    const knownChannel = unheldCard ? unheldCardChannels.get(mentionId) : undefined;
    let leaveAt = knownChannel ? await takeChannelSlot(knownChannel, 'last') : 0;
    // One read for the mention and its conversation: it is found among the conversation's mentions.
    const loaded = await loadConversationOfMention(deps.db, mentionId);
    const mention = loaded?.mentions.find((m) => m.id === mentionId);
    if (!loaded || !mention) throw new AppError('notify.not_routed', `mention ${mentionId} is not routed`);
    const { conversation } = loaded;
    const isRoot = conversation.firstMentionId === mention.id;
    // A team's conversation is shown in its team's channel; the rest in the main one.
    const cardChannel = conversation.channel ?? deps.channelId;
    if (unheldCard && knownChannel !== cardChannel) {
      if (unheldCardChannels.size >= UNHELD_CARD_CHANNELS_KEPT) unheldCardChannels.clear();
      unheldCardChannels.set(mentionId, cardChannel);
      leaveAt = await takeChannelSlot(cardChannel, 'last');
    }
    if (mention.notifiedAt) {
      // A rerun after a crash between recording and queueing what follows: queue it again (job ids
      // keep it single). A dropped mention was never shown, so nothing follows it.
      const shown = loaded.events.find((e) => e.type === 'slack.notified' && e.mentionId === mention.id);
      if (shown) await afterShown(loaded, isRoot, shown.id);
      return;
    }

    let ts: string;
    if (isRoot) {
      if (conversation.slackTs) {
        ts = conversation.slackTs; // posted before a crash; only the bookkeeping was lost
      } else {
        if (!unheldCard)
          leaveAt = await takeChannelSlot(cardChannel, conversation.assigneeId ? 'first' : 'last');
        const surge = await surgeThread(cardChannel, leaveAt);
        // The slot went to the surge message: the card takes the channel's next.
        if (surge?.opened) throw channelBusy(cardChannel, new Date(Date.now() + spacingMs));
        ts = await call(undefined, () =>
          post(
            job,
            {
              channel: cardChannel,
              ...(surge ? { thread_ts: surge.rootTs } : {}),
              ...conversationMessage(toCard(loaded, deps.now())),
            },
            leaveAt,
          ),
        );
      }
    } else {
      // A follow-up goes in the root message's thread, so it must wait for the root to exist.
      if (!conversation.slackTs || !conversation.slackChannel) throw rootPending(mention.receivedAt);
      const channel = conversation.slackChannel;
      ts = await call(channel, (leaveAt) =>
        post(
          job,
          {
            channel,
            thread_ts: conversation.slackTs!,
            ...followupMessage({
              handle: mention.authorHandle,
              text: mention.text,
              url: mention.url,
              network: mention.network,
            }),
          },
          leaveAt,
        ),
      );
    }
    const eventId = await recordShownInSlack(
      deps.db,
      {
        mentionId: mention.id,
        conversationId: conversation.id,
        opensConversation: isRoot,
        channel: conversation.slackChannel ?? cardChannel,
        ts,
      },
      deps.now(),
    );
    unheldCardChannels.delete(mentionId);
    // Undefined: another run recorded it first, and queues what follows.
    if (eventId !== undefined) await afterShown(loaded, isRoot, eventId);
  }

  /** What follows a mention shown in Slack: the root's follow-up count, or the assignee's DM. */
  async function afterShown(
    loaded: LoadedConversation,
    isRoot: boolean,
    shownEventId: number,
  ): Promise<void> {
    const { conversation } = loaded;
    if (!isRoot) {
      // The root shows how many follow-ups there are.
      await enqueueNotify(deps.queues, {
        type: 'refresh',
        conversationId: conversation.id,
        eventId: shownEventId,
      });
      return;
    }
    const assigned = loaded.events.find((e) => e.type === 'conversation.assigned');
    if (conversation.assigneeId && assigned) {
      await enqueueNotify(deps.queues, {
        type: 'dm',
        kind: conversation.escalated ? 'escalated' : 'assigned',
        user: conversation.assigneeId,
        conversationId: conversation.id,
        eventId: assigned.id,
      });
    }
  }

  /** Redraws a conversation's Slack message to show its current state, after the change `eventId`. */
  async function refreshConversation(conversationId: string, eventId: number): Promise<void> {
    const loaded = await loadConversation(deps.db, conversationId);
    const { slackChannel, slackTs, assigneeId, firstMentionId, openedAt } = loaded.conversation;
    if (!slackChannel || !slackTs) {
      if (assigneeId && firstMentionId) await putCardFirst(deps.queues, firstMentionId);
      throw rootPending(loaded.events.find((e) => e.id === eventId)?.at ?? openedAt);
    }
    await call(slackChannel, async (leaveAt) => {
      await leave(leaveAt);
      return deps.slack.chat.update({
        channel: slackChannel,
        ts: slackTs,
        ...conversationMessage(toCard(loaded, deps.now())),
      });
    });
  }

  async function postLog(job: Extract<NotifyJob, { type: 'log' }>): Promise<void> {
    const { conversationId, eventId } = job;
    const [event, conversation] = await Promise.all([
      findEvent(deps.db, eventId),
      findConversation(deps.db, conversationId),
    ]);
    if (!event || event.conversationId !== conversationId) return;
    if (!conversation?.slackChannel || !conversation.slackTs) throw rootPending(event.at);
    const details = { ...event.details };
    if (event.type === 'reply.posted' && typeof details.replyId === 'string') {
      const reply = await findReply(deps.db, details.replyId);
      if (reply) details.text = reply.text;
    }
    const line = logLine({ type: event.type, actor: event.actor, details });
    if (!line) return;
    const channel = conversation.slackChannel;
    await call(channel, (leaveAt) =>
      post(job, { channel, thread_ts: conversation.slackTs!, ...logMessage(line) }, leaveAt),
    );
  }

  async function directMessage(job: Extract<NotifyJob, { type: 'dm' }>): Promise<void> {
    const [loaded, event, links] = await Promise.all([
      loadConversation(deps.db, job.conversationId),
      findEvent(deps.db, job.eventId),
      linkBuilder(),
    ]);
    // In a surge the router's escalations would reach the owner a DM each, dozens a minute: the
    // first says so and the rest wait in the surge thread and App Home. A colleague's escalation is
    // a person asking, and still comes on its own.
    const surge =
      job.kind === 'escalated' && event?.actor === 'router' ? await settledSurgeRoot() : undefined;
    if (surge && !(await claimOwnerToldOfSurge(deps.db, deps.channelId, surge, job.eventId))) return;
    const { slackChannel, slackTs } = loaded.conversation;
    const link = slackChannel && slackTs ? links(slackChannel, slackTs) : undefined;
    const card = toCard(loaded, deps.now());
    const reasons = Array.isArray(event?.details.reasons)
      ? (event.details.reasons as unknown[]).filter((r): r is string => typeof r === 'string')
      : card.reasons;
    await sendDm(
      job,
      conversationDm({
        kind: job.kind,
        card,
        link,
        ...(event && event.actor !== 'router' && event.actor !== 'bot' ? { by: event.actor } : {}),
        reasons,
        ...(surge
          ? {
              note: "A surge is on. Until it calms down I won't DM you each conversation escalated to you: they're in the surge thread in the team channel and listed in Firsthand's Home tab.",
            }
          : {}),
      }),
    );
  }

  /** The team channel's surge message, while a surge is on; one whose message is being posted is waited for. */
  async function settledSurgeRoot(): Promise<string | undefined> {
    const { surge } = await surgeState(deps.channelId);
    if (surge?.state === 'posting') {
      surgeStates.delete(deps.channelId);
      throw surgeRootPending();
    }
    return surge?.rootTs;
  }

  async function publishHome(user: string, notice: string | undefined): Promise<void> {
    const links = await linkBuilder();
    const data = await loadHome({ db: deps.db, queues: deps.queues, now: deps.now }, user, links);
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
    await call(undefined, () => deps.slack.views.publish({ user_id: user, view }));
  }

  async function endSnooze(conversationId: string, eventId: number): Promise<void> {
    const loaded = await loadConversation(deps.db, conversationId);
    const latest = loaded.events.findLast(
      (e) => e.type === 'conversation.snoozed' || e.type === 'conversation.snooze_ended',
    );
    // A rerun after a crash finds its own end written and queues the Slack work again (job ids keep it single).
    const rerun = latest?.type === 'conversation.snooze_ended' && latest.details.snoozeEventId === eventId;
    // A later snooze replaced this one, or the conversation closed: nothing to do.
    if ((latest?.id !== eventId && !rerun) || loaded.conversation.closedAt) return;
    const ended = rerun
      ? latest
      : await appendEvent(deps.db, {
          type: 'conversation.snooze_ended',
          actor: 'bot',
          conversationId,
          details: { snoozeEventId: eventId },
        });
    const jobs: NotifyJob[] = [
      { type: 'refresh', conversationId, eventId: ended.id },
      { type: 'log', conversationId, eventId: ended.id },
    ];
    const assignee = loaded.conversation.assigneeId;
    if (assignee)
      jobs.push(
        { type: 'dm', kind: 'snooze_ended', user: assignee, conversationId, eventId: ended.id },
        { type: 'home', user: assignee },
      );
    for (const job of jobs) await enqueueNotify(deps.queues, job);
  }

  /**
   * A conversation reassigned into another team's channel: its card is posted there, a pointer to it
   * goes in the old thread, then the new card is recorded. Each post is once by its own key, and the
   * record is conditional on the old card, so a rerun at any step finishes the move without doubling it.
   */
  async function moveConversation(job: Extract<NotifyJob, { type: 'move' }>): Promise<void> {
    const [loaded, event, links] = await Promise.all([
      loadConversation(deps.db, job.conversationId),
      findEvent(deps.db, job.eventId),
      linkBuilder(),
    ]);
    const { conversation } = loaded;
    const to = conversation.channel ?? deps.channelId;
    const from = conversation.slackChannel;
    const fromTs = conversation.slackTs;
    // Not shown yet: the card will be posted where the conversation now belongs.
    if (!from || !fromTs) {
      if (conversation.closedAt) return;
      throw rootPending(event?.at ?? conversation.openedAt);
    }
    // Already there: moved before, or moved back.
    if (from === to) return;
    const key = notifyJobId(job)!;
    const ts = await call(to, async (leaveAt) =>
      postOnce(
        await postDeps(),
        key,
        { channel: to, ...conversationMessage(toCard(loaded, deps.now())) },
        leaveAt,
      ),
    );
    const by = event && event.actor !== 'router' && event.actor !== 'bot' ? event.actor : undefined;
    await call(from, async (leaveAt) =>
      postOnce(
        await postDeps(),
        `${key}-p`,
        { channel: from, thread_ts: fromTs, ...logMessage(movedLine(to, by, links(to, ts))) },
        leaveAt,
      ),
    );
    await recordMovedCard(deps.db, conversation.id, { channel: from, ts: fromTs }, { channel: to, ts });
  }

  /** Something the owner must fix, said in the team channel so a colleague can nudge them too. */
  async function alertOwner(job: Extract<NotifyJob, { type: 'alert' }>): Promise<void> {
    const owner = await findOwner(deps.db);
    const { text } = ownerAlert(owner?.id, job.text);
    await call(deps.channelId, (leaveAt) => post(job, { channel: deps.channelId, text }, leaveAt));
  }

  /** The day's count of filtered mentions, posted once in the team channel by its day's key. */
  async function postSpamCount(job: Extract<NotifyJob, { type: 'spam_count' }>): Promise<void> {
    await call(deps.channelId, (leaveAt) =>
      post(job, { channel: deps.channelId, ...dailySpamCountMessage(job) }, leaveAt),
    );
  }

  /** Runs one job; `unheldCard` when it is the card of a conversation nobody holds (isUnheldCard). */
  async function handle(job: NotifyJob, unheldCard = false): Promise<void> {
    switch (job.type) {
      case 'mention':
        return notifyMention(job.mentionId, unheldCard);
      case 'refresh':
        return refreshConversation(job.conversationId, job.eventId);
      case 'log':
        return postLog(job);
      case 'dm':
        return directMessage(job);
      case 'home':
        return publishHome(job.user, job.notice);
      case 'snooze_end':
        return endSnooze(job.conversationId, job.eventId);
      case 'move':
        return moveConversation(job);
      case 'alert':
        return alertOwner(job);
      case 'spam_count':
        return postSpamCount(job);
      case 'ephemeral':
        await call(undefined, () =>
          deps.slack.chat.postEphemeral({ channel: job.channel, user: job.user, text: job.text }),
        );
    }
  }

  return { handle, notifyMention };
}

/** Kept for callers that show one mention directly (the recovery sweep's tests). */
export const notifyMention = (deps: NotifyDeps, mentionId: string) =>
  createNotifier(deps).notifyMention(mentionId);

export function startNotifyWorker(deps: NotifyDeps, settings: QueueSettings): Worker {
  const notifier = createNotifier(deps);
  return startWorker(
    settings,
    QUEUE.notify,
    NotifyJobSchema,
    (job, queued) => notifier.handle(job, isUnheldCard(queued)),
    deps.logger,
    {
      concurrency: 4,
      // The workspace-wide pace; the per-channel gate above keeps each channel near one a second.
      limiter: { max: deps.callsPerSecond ?? 10, duration: 1000 },
    },
  );
}
