import { type ChatPostMessageArguments, ErrorCode, type WebClient } from '@slack/web-api';
import type { Database } from '../db/client.js';
import { type Attempt, type OutboxRow, takeRow } from '../db/slack-outbox.repository.js';
import { slackFailure, slackMayHavePosted } from './slack-errors.js';
import { SLACK_CALL_TIMEOUT_MS } from './slack-transport.js';

/** The metadata event each of our messages carries, with its row's key, so a later attempt can recognise it. */
export const POST_EVENT_TYPE = 'firsthand_post';
// Slack stamps a message by its own clock, as late as the call's timeout after it left.
const CLOCK_MARGIN_MS = 60_000;

/**
 * Posts `row`'s message once, though Slack has no idempotency key. A call
 * that timed out, lost its connection or died with its process may have
 * posted all the same, so each attempt is noted in the row before it leaves,
 * and the next attempt looks for the message (by its metadata key) where and
 * when that one went. A refusal (429, an error Slack answered) posted nothing:
 * the failure says so (`posted: false`) and the note is forgotten. Returns the
 * message's ts, or undefined if the row was settled or taken meanwhile.
 */
export async function postOnce(
  deps: { db: Database; slack: WebClient },
  row: OutboxRow,
  to: { channel: string; threadTs: string | undefined },
  message: object,
): Promise<string | undefined> {
  // Wall time, not the app's clock: the note is matched against the ts Slack stamps by its own.
  const note: Attempt = { at: new Date(), channel: to.channel, threadTs: to.threadTs ?? null };
  const taken = await takeRow(deps.db, row, note);
  if (!taken) return undefined;
  if (taken.earlier) {
    const found = await findPosted(deps.slack, row.key, taken.earlier);
    if (found) return found;
  }
  try {
    const posted = await deps.slack.chat.postMessage({
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
