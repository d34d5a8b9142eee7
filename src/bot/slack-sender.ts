import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChatPostMessageArguments, ErrorCode } from '@slack/web-api';
import { AppError, retryAtOf, toAppError } from '../contract/errors.js';
import { type SlackWork, SlackWorkSchema } from '../contract/slack-work.js';
import { holdLease, releaseLease } from '../db/leases.repository.js';
import {
  type Attempt,
  countCardsBehind,
  findOpenSurge,
  listSendable,
  type OutboxRow,
  oweSlack,
  postponeRow,
  settleRow,
  takeRow,
  tidyOutbox,
} from '../db/slack-outbox.repository.js';
import { createDeliveries, type Delivery, type DeliveryDeps } from './slack-deliveries.js';
import { slackFailure, slackMayHavePosted } from './slack-errors.js';
import { SLACK_CALL_TIMEOUT_MS } from './slack-transport.js';

export interface SenderDeps extends DeliveryDeps {
  /** Messages a second a channel; Slack allows about one, with short bursts. */
  channelMessagesPerSecond?: number;
  /** Calls a second to Slack in all, the workspace-wide pace. */
  callsPerSecond?: number;
  /** Cards a channel is behind beyond which new cards go into one surge thread. */
  surgeBacklog?: number;
  /** Subscribes to commits that owe Slack something; the sender also looks every second without it. */
  onOwed?: (wake: () => void) => Promise<() => Promise<void>>;
}

/** The metadata event each of our messages carries, with its row's key, so a later attempt can recognise it. */
export const POST_EVENT_TYPE = 'firsthand_post';
const LEASE = 'slack-sender';
const LEASE_MS = 15_000;
const IDLE_LOOK_MS = 1000;
const CONCURRENCY = 4;
// Slack stamps a message by its own clock, as late as the call's timeout after it left.
const CLOCK_MARGIN_MS = 60_000;

/**
 * The one sender of everything owed to Slack (db/slack-outbox). One process
 * holds its lease; another waits and takes over when it lapses. It takes
 * rows in their order, at most one call at a time per channel, spaced at
 * Slack's pace of about a message a second, so a 429 is rare and waited out
 * when it comes. A post is noted in its row before it leaves, so an attempt
 * after a lost answer or a crash looks for the message (by its metadata key)
 * before posting again. A channel far behind opens a surge: one message
 * naming the owner, and the channel's cards go into its thread until the
 * backlog has halved.
 */
export function createSlackSender(deps: SenderDeps) {
  const perSecond = Math.max(1, deps.channelMessagesPerSecond ?? 1);
  // A margin on Slack's spacing, as calls reach it a little apart from when they left.
  const spacingMs = Math.floor((1000 / perSecond) * 1.05);
  const callSpacingMs = 1000 / Math.max(1, deps.callsPerSecond ?? 10);
  const perLane = Math.min(CONCURRENCY, Math.floor(perSecond));
  const surgeBacklog = Math.max(1, deps.surgeBacklog ?? 30);
  const holder = randomUUID();
  const channelOf = (lane: string) => (lane === 'main' ? deps.channelId : lane);
  const deliveries = createDeliveries(deps, surgeOf);

  // Pace, kept in memory: only the lease holder sends.
  const channelFreeAt = new Map<string, number>();
  const inChannel = new Map<string, number>();
  let callAt = 0;
  const inFlight = new Map<number, Promise<void>>();
  const dmChannels = new Map<string, string>();
  // A wake that comes while a pass runs is kept, so the rest after it is skipped.
  let woken = false;
  let resolveRest: (() => void) | undefined;
  const wake = () => {
    woken = true;
    resolveRest?.();
  };

  async function surgeOf(lane: string): Promise<{ key: string; ts: string } | undefined> {
    const surge = await findOpenSurge(deps.db, lane);
    return surge?.ts ? { key: surge.key, ts: surge.ts } : undefined;
  }

  /**
   * Where a card in `lane` goes: its channel, a surge's thread, or nowhere
   * yet ('wait') while the surge's root is owed and goes first.
   */
  async function surgeThread(lane: string): Promise<string | undefined | 'wait'> {
    const [behind, surge] = await Promise.all([
      countCardsBehind(deps.db, lane),
      findOpenSurge(deps.db, lane),
    ]);
    if (!surge) {
      if (behind < surgeBacklog) return undefined;
      const key = `u-${lane}-${deps.now().getTime()}`;
      await oweSlack(deps.db, [{ work: { type: 'surge', backlog: behind }, key, lane, priority: -1 }]);
      return 'wait';
    }
    if (!surge.ts) return 'wait';
    if (behind * 2 >= surgeBacklog) return surge.ts;
    const text =
      ':white_check_mark: Calm again: the channel has caught up, and new conversations get their own card in it.';
    const work: SlackWork = { type: 'thread_line', channel: channelOf(lane), threadTs: surge.ts, text };
    await oweSlack(deps.db, [{ work, key: `e-${surge.key}` }]);
    return undefined;
  }

  async function dmChannel(user: string): Promise<string> {
    const known = dmChannels.get(user);
    if (known) return known;
    const opened = await deps.slack.conversations.open({ users: user });
    if (!opened.channel?.id) throw new AppError('slack.no_dm_channel', `no DM channel for ${user}`, true);
    dmChannels.set(user, opened.channel.id);
    return opened.channel.id;
  }

  /** Posts once: an earlier attempt that may have posted is looked for where and when it went. */
  async function post(row: OutboxRow, channel: string, threadTs: string | undefined, message: object) {
    // Wall time, not the app's clock: the note is matched against the ts Slack stamps by its own.
    const note: Attempt = { at: new Date(), channel, threadTs: threadTs ?? null };
    const taken = await takeRow(deps.db, row.id, note);
    if (!taken) return undefined;
    if (taken.earlier) {
      const found = await findPosted(row.key, taken.earlier);
      if (found) return found;
    }
    try {
      const posted = await deps.slack.chat.postMessage({
        channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...message,
        metadata: { event_type: POST_EVENT_TYPE, event_payload: { key: row.key } },
      } as unknown as ChatPostMessageArguments);
      return posted.ts!;
    } catch (error) {
      throw Object.assign(slackFailure(error), { posted: slackMayHavePosted(error) });
    }
  }

  async function findPosted(key: string, attempt: Attempt): Promise<string | undefined> {
    const window = {
      channel: attempt.channel,
      oldest: ((attempt.at.getTime() - CLOCK_MARGIN_MS) / 1000).toFixed(6),
      latest: ((attempt.at.getTime() + SLACK_CALL_TIMEOUT_MS + CLOCK_MARGIN_MS) / 1000).toFixed(6),
      limit: 200,
      include_all_metadata: true,
    };
    try {
      const listed = attempt.threadTs
        ? await deps.slack.conversations.replies({ ...window, ts: attempt.threadTs })
        : await deps.slack.conversations.history(window);
      return listed.messages?.find(
        (m) => (m.metadata?.event_payload as { key?: unknown } | undefined)?.key === key,
      )?.ts;
    } catch (error) {
      // An app installed before it asked for the history scopes cannot look: it posts as before.
      if ((error as { code?: string }).code !== ErrorCode.PlatformError) throw slackFailure(error);
      return undefined;
    }
  }

  /** Makes `delivery`'s call; the ts of a post, '' for a call that sent nothing, undefined if taken elsewhere. */
  async function call(row: OutboxRow, delivery: Delivery): Promise<string | undefined> {
    if (delivery.call === 'post') {
      const channel = 'dm' in delivery.to ? await dmChannel(delivery.to.dm) : delivery.to.channel;
      return post(row, channel, delivery.threadTs, delivery.message);
    }
    if (!(await takeRow(deps.db, row.id, undefined))) return undefined;
    try {
      if (delivery.call === 'update')
        await deps.slack.chat.update({
          channel: delivery.channel,
          ts: delivery.ts,
          ...delivery.message,
        } as never);
      if (delivery.call === 'publish')
        await deps.slack.views.publish({ user_id: delivery.user, view: delivery.view });
      if (delivery.call === 'ephemeral')
        await deps.slack.chat.postEphemeral({
          channel: delivery.channel,
          user: delivery.user,
          text: delivery.text,
        });
    } catch (error) {
      throw Object.assign(slackFailure(error), { posted: false });
    }
    return '';
  }

  async function send(row: OutboxRow, channel: string | undefined): Promise<void> {
    const parsed = SlackWorkSchema.safeParse(row.work);
    try {
      // Written by an older version in a shape this one cannot read: it can never be sent.
      if (!parsed.success) throw new AppError('outbox.unreadable', parsed.error.message);
      let delivery = await deliveries.render(row, parsed.data, channelOf);
      if (delivery.call === 'post' && delivery.card) {
        const thread = await surgeThread(row.lane);
        if (thread === 'wait') return;
        if (thread) delivery = { ...delivery, threadTs: thread };
      }
      const ts = delivery.call === 'none' ? '' : await call(row, delivery);
      if (ts === undefined) return;
      await deps.db.transaction(async (tx) => {
        const at = deps.now();
        const ended = delivery.call === 'none' ? 'skipped' : 'sent';
        await settleRow(tx, row.id, { outcome: ended, at, ...(ts ? { ts } : {}) }, delivery.superseded);
        await delivery.recorded?.(tx, ts || undefined);
      });
    } catch (error) {
      const failure = toAppError(error);
      const retryAt = retryAtOf(failure);
      // A 429 holds the whole channel back until Slack's Retry-After.
      if (retryAt && channel) channelFreeAt.set(channel, retryAt.getTime());
      deps.logger.warn({ key: row.key, code: failure.code, err: failure.message }, 'Slack delivery failed');
      if (!failure.retryable) {
        await settleRow(deps.db, row.id, { outcome: 'failed', at: deps.now(), error: failure.code });
        return;
      }
      const backoff = Math.min(300_000, 500 * 2 ** Math.min(row.attempts, 10));
      const until = retryAt ?? new Date(deps.now().getTime() + backoff);
      const posted = (error as { posted?: boolean }).posted === false ? 'no' : 'maybe';
      await postponeRow(deps.db, row.id, until, failure.code, posted);
    }
  }

  /** Starts what may be sent now; returns how many rows it started. */
  async function pass(): Promise<number> {
    const rows = await listSendable(deps.db, deps.now(), Math.max(1, perLane));
    let started = 0;
    for (const row of rows) {
      if (inFlight.size >= CONCURRENCY) break;
      if (inFlight.has(row.id)) continue;
      const channel = row.lane === 'none' ? undefined : channelOf(row.lane);
      const now = Date.now();
      if (channel && ((channelFreeAt.get(channel) ?? 0) > now || (inChannel.get(channel) ?? 0) >= perLane))
        continue;
      if (callAt > now) break;
      callAt = now + callSpacingMs;
      if (channel) {
        channelFreeAt.set(channel, Math.max(now, channelFreeAt.get(channel) ?? 0) + spacingMs);
        inChannel.set(channel, (inChannel.get(channel) ?? 0) + 1);
      }
      const running = send(row, channel)
        .catch((error: Error) =>
          deps.logger.error({ key: row.key, err: error.message }, 'Slack sender error'),
        )
        .finally(() => {
          inFlight.delete(row.id);
          if (channel) inChannel.set(channel, (inChannel.get(channel) ?? 1) - 1);
          wake();
        });
      inFlight.set(row.id, running);
      started++;
    }
    return started;
  }

  /** When the next lane that has work frees up, capped at a second's idle look. */
  function nextLook(): number {
    const now = Date.now();
    const waits = [...channelFreeAt.values(), callAt].filter((at) => at > now);
    const soonest = Math.min(...waits, now + IDLE_LOOK_MS);
    return Math.max(10, soonest - now);
  }

  async function rest(ms: number): Promise<void> {
    if (!woken) {
      const ac = new AbortController();
      await Promise.race([
        sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined),
        new Promise<void>((resolve) => {
          resolveRest = resolve;
        }),
      ]);
      ac.abort();
    }
    woken = false;
  }

  /** Sends until nothing is due: for tests and scripts, with no lease. */
  async function drain(): Promise<void> {
    for (;;) {
      const started = await pass();
      if (started === 0 && inFlight.size === 0) {
        // Rows whose channel is at its pace wait for it; none due at all means done.
        if ((await listSendable(deps.db, deps.now(), 1)).length === 0) return;
      }
      await rest(nextLook());
    }
  }

  let running: Promise<void> | undefined;
  let stopped = false;
  let unsubscribe: (() => Promise<void>) | undefined;
  async function loop(): Promise<void> {
    let leaseUntil = 0;
    let tidiedAt = 0;
    while (!stopped) {
      try {
        if (leaseUntil - Date.now() < LEASE_MS / 2) {
          const now = deps.now();
          leaseUntil = (await holdLease(deps.db, LEASE, holder, now, new Date(now.getTime() + LEASE_MS)))
            ? Date.now() + LEASE_MS
            : 0;
        }
        if (leaseUntil === 0) {
          await rest(LEASE_MS / 3);
          continue;
        }
        if (Date.now() - tidiedAt > 600_000) {
          tidiedAt = Date.now();
          await tidyOutbox(deps.db, deps.now(), new Date(deps.now().getTime() - 7 * 86_400_000));
        }
        await pass();
      } catch (error) {
        deps.logger.error({ err: (error as Error).message }, 'Slack sender pass failed');
      }
      await rest(nextLook());
    }
  }

  return {
    drain,
    async start(): Promise<void> {
      unsubscribe = await deps.onOwed?.(wake);
      running = loop();
    },
    async stop(): Promise<void> {
      stopped = true;
      wake();
      await running;
      await Promise.all(inFlight.values());
      await unsubscribe?.();
      await releaseLease(deps.db, LEASE, holder).catch(() => undefined);
    },
  };
}
