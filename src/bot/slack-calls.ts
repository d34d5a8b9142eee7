import { type ChatPostMessageArguments, ErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { AppError } from '../contract/errors.js';
import type { Database } from '../db/client.js';
import { type Attempt, type OutboxRow, takeRow } from '../db/slack-outbox.repository.js';
import type { Delivery } from './slack-deliveries.js';
import { slackFailure, slackMayHavePosted } from './slack-errors.js';
import { SLACK_CALL_TIMEOUT_MS } from './slack-transport.js';
import { uploadFile } from './slack-upload.js';

/** The metadata event each of our messages carries, with its row's key, so a later attempt can recognise it. */
export const POST_EVENT_TYPE = 'firsthand_post';
// Slack stamps a message by its own clock, as late as the call's timeout after it left.
const CLOCK_MARGIN_MS = 60_000;

type Call = Exclude<Delivery, { call: 'none' }>;

/**
 * The Slack call a rendered row comes to, made at most once. Each takes the
 * row first (db/slack-outbox takeRow), so of two senders overlapping at a
 * lease's hand-over only one calls. A failure says whether it may have
 * posted (`posted`), which decides how the next attempt goes.
 */
export class SlackCalls {
  // A person's DM channel with the bot keeps its id: conversations.open is needed once per person.
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly deps: { db: Database; slack: WebClient; logger: Logger }) {}

  /** The ts of a post, '' for a call that posts nothing, undefined if the row was settled or taken elsewhere. */
  async make(row: OutboxRow, delivery: Call): Promise<string | undefined> {
    const { slack, db } = this.deps;
    if (delivery.call === 'post') {
      const channel = 'dm' in delivery.to ? await this.dmChannel(delivery.to.dm) : delivery.to.channel;
      return this.postOnce(row, { channel, threadTs: delivery.threadTs }, delivery.message);
    }
    if (delivery.call === 'upload') return this.upload(row, delivery);
    if (!(await takeRow(db, row, undefined))) return undefined;
    try {
      if (delivery.call === 'update')
        await slack.chat.update({ channel: delivery.channel, ts: delivery.ts, ...delivery.message } as never);
      else if (delivery.call === 'publish')
        await slack.views.publish({ user_id: delivery.user, view: delivery.view });
      else
        await slack.chat.postEphemeral({
          channel: delivery.channel,
          user: delivery.user,
          text: delivery.text,
        });
    } catch (error) {
      throw Object.assign(slackFailure(error), { posted: false });
    }
    return '';
  }

  /**
   * Posts once, though Slack has no idempotency key. A call that timed out,
   * lost its connection or died with its process may have posted all the
   * same, so each attempt is noted in the row before it leaves, and the next
   * attempt looks for the message (by its metadata key) where and when that
   * one went. A refusal (429, an error Slack answered) posted nothing: the
   * failure says so and the note is forgotten.
   */
  private async postOnce(
    row: OutboxRow,
    to: { channel: string; threadTs: string | undefined },
    message: object,
  ): Promise<string | undefined> {
    // Wall time, not the app's clock: the note is matched against the ts Slack stamps by its own.
    const note: Attempt = { at: new Date(), channel: to.channel, threadTs: to.threadTs ?? null };
    const taken = await takeRow(this.deps.db, row, note);
    if (!taken) return undefined;
    const found = taken.earlier && (await findPosted(this.deps.slack, row.key, taken.earlier));
    if (found) return found;
    try {
      const posted = await this.deps.slack.chat.postMessage({
        channel: to.channel,
        ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
        ...message,
        metadata: { event_type: POST_EVENT_TYPE, event_payload: { key: row.key } },
      } as unknown as ChatPostMessageArguments);
      return posted.ts!;
    } catch (error) {
      throw Object.assign(slackFailure(error), { posted: slackMayHavePosted(error) });
    }
  }

  /** An upload has no key Slack keeps: after an attempt whose answer was lost, it is not made again. */
  private async upload(
    row: OutboxRow,
    delivery: Extract<Call, { call: 'upload' }>,
  ): Promise<string | undefined> {
    const channel = await this.dmChannel(delivery.to.dm);
    const taken = await takeRow(this.deps.db, row, { at: new Date(), channel, threadTs: null });
    if (!taken) return undefined;
    if (taken.earlier) {
      this.deps.logger.warn({ key: row.key }, 'an earlier upload may have gone through; not uploading again');
      return '';
    }
    try {
      await uploadFile(this.deps.slack, { channel, ...delivery });
    } catch (error) {
      throw Object.assign(slackFailure(error), { posted: slackMayHavePosted(error) });
    }
    return '';
  }

  private async dmChannel(user: string): Promise<string> {
    const known = this.dmChannels.get(user);
    if (known) return known;
    const opened = await this.deps.slack.conversations.open({ users: user }).catch((error: unknown) => {
      throw Object.assign(slackFailure(error), { posted: false });
    });
    if (!opened.channel?.id) throw new AppError('slack.no_dm_channel', `no DM channel for ${user}`, true);
    this.dmChannels.set(user, opened.channel.id);
    return opened.channel.id;
  }
}

/** The ts of the message an earlier attempt posted under `key`, looked for in its place and time. */
async function findPosted(slack: WebClient, key: string, attempt: Attempt): Promise<string | undefined> {
  // At a message a second, the window holds fewer messages than one page.
  const window = {
    channel: attempt.channel,
    oldest: ((attempt.at.getTime() - CLOCK_MARGIN_MS) / 1000).toFixed(6),
    latest: ((attempt.at.getTime() + SLACK_CALL_TIMEOUT_MS + CLOCK_MARGIN_MS) / 1000).toFixed(6),
    limit: 200,
    include_all_metadata: true,
  };
  try {
    const listed = attempt.threadTs
      ? await slack.conversations.replies({ ...window, ts: attempt.threadTs })
      : await slack.conversations.history(window);
    return listed.messages?.find(
      (m) =>
        m.metadata?.event_type === POST_EVENT_TYPE &&
        (m.metadata.event_payload as { key?: unknown } | undefined)?.key === key,
    )?.ts;
  } catch (error) {
    // An app installed before it asked for the history scopes cannot look: it posts as before.
    if ((error as { code?: string }).code !== ErrorCode.PlatformError) throw slackFailure(error);
    return undefined;
  }
}
