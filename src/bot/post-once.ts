import { setTimeout as sleep } from 'node:timers/promises';
import { type ChatPostMessageArguments, ErrorCode, type WebClient } from '@slack/web-api';
import type { IRedisClient } from 'bullmq';
import type { Logger } from 'pino';
import { type RedisScript, runScript } from '../queueing.js';
import { slackMayHavePosted } from './slack-errors.js';
import { SLACK_CALL_TIMEOUT_MS } from './slack-transport.js';

/** The metadata event each of our messages carries, with its key, so a later run can recognise it. */
export const POST_EVENT_TYPE = 'firsthand_post';

// Slack stamps a message by its own clock, as late as the call's timeout after it left.
const CLOCK_MARGIN_MS = 60_000;
const MAX_PAGES = 5;
const NOTE_TTL_MS = 7 * 24 * 3600_000;

/** What a post attempt leaves in Redis: when it went out, and into which thread. */
interface Attempt {
  at: number;
  threadTs?: string;
}

// Notes the first attempt, or hands back the one before, in one step.
const NOTE_ATTEMPT: RedisScript = {
  name: 'firsthandNoteAttempt',
  numberOfKeys: 1,
  lua: `
local earlier = redis.call('GET', KEYS[1])
if not earlier then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return earlier`,
};

export interface PostOnceDeps {
  slack: WebClient;
  redis: IRedisClient;
  logger: Logger;
  /** The Redis key a message's attempt is noted under. */
  noteKey: (key: string) => string;
}

type PostArguments = { channel: string; thread_ts?: string; text: string; blocks?: unknown[] };

/**
 * Posts the message known by `key` (its notify job's id) once, though Slack
 * has no idempotency key. A call that timed out, lost its connection or died
 * with its worker may have posted all the same, so each attempt is noted in
 * Redis before it leaves.
 * A rerun that finds the note looks for the message, by its metadata, where
 * and when that attempt would have put it, and takes its ts instead of
 * posting a second one. A refusal (429 or an error from Slack) posted
 * nothing, so its note is cleared and the rerun posts without looking.
 * The post leaves no sooner than `leaveAt`, its slot in the channel's pace.
 * Returns the message's ts.
 */
export async function postOnce(
  deps: PostOnceDeps,
  key: string,
  message: PostArguments,
  leaveAt = 0,
  noteTtlMs = NOTE_TTL_MS,
): Promise<string> {
  const note = deps.noteKey(key);
  const attempt: Attempt = { at: Date.now(), ...(message.thread_ts ? { threadTs: message.thread_ts } : {}) };
  const earlier = parseAttempt(
    await runScript(deps.redis, NOTE_ATTEMPT, [note, attemptNote(attempt), noteTtlMs]),
  );
  if (earlier) {
    const found = await findPosted(deps, message.channel, key, earlier).catch((error: unknown) => {
      // Slack refused the look (an app installed before it asked for the history scopes): post as
      // before. A 429, or no answer, leaves the earlier attempt's note for the retry.
      if ((error as { code?: string }).code !== ErrorCode.PlatformError) throw error;
      deps.logger.warn({ key, err: (error as Error).message }, 'could not look for an earlier post');
      return undefined;
    });
    if (found) {
      deps.logger.info({ key }, 'an earlier attempt had posted the message; taking it');
      return found;
    }
    // The earlier attempt posted nothing: this one is what a later run looks for.
    await deps.redis.set(note, attemptNote(attempt), { PX: noteTtlMs });
  }
  // Slack's spacing is waited out last, so the steps above do not make the post late for its slot.
  await leave(leaveAt);
  try {
    const posted = await deps.slack.chat.postMessage({
      ...message,
      metadata: { event_type: POST_EVENT_TYPE, event_payload: { key } },
    } as ChatPostMessageArguments);
    return posted.ts!;
  } catch (error) {
    if (!slackMayHavePosted(error)) await deps.redis.del(note);
    throw error;
  }
}

/** Waits until a call granted its slot in a channel's pace (at `leaveAt`, ms) may leave. */
export async function leave(leaveAt: number): Promise<void> {
  if (leaveAt > Date.now()) await sleep(leaveAt - Date.now());
}

/** Forgets a key's attempts, for a key used again later for another message (a channel's surge root). */
export async function forgetPost(deps: PostOnceDeps, key: string): Promise<void> {
  await deps.redis.del(deps.noteKey(key));
}

// An attempt is kept as "<ms> [thread ts]".
const attemptNote = (attempt: Attempt) => `${attempt.at}${attempt.threadTs ? ` ${attempt.threadTs}` : ''}`;
function parseAttempt(raw: unknown): Attempt | undefined {
  if (typeof raw !== 'string') return undefined;
  const [at, threadTs] = raw.split(' ');
  if (!Number.isFinite(Number(at))) return undefined;
  return { at: Number(at), ...(threadTs ? { threadTs } : {}) };
}

/** The ts of the message an earlier attempt posted under this key, looked for in that attempt's place and time. */
async function findPosted(
  deps: PostOnceDeps,
  channel: string,
  key: string,
  attempt: Attempt,
): Promise<string | undefined> {
  const oldest = ((attempt.at - CLOCK_MARGIN_MS) / 1000).toFixed(6);
  const latest = ((attempt.at + SLACK_CALL_TIMEOUT_MS + CLOCK_MARGIN_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const window = { channel, oldest, latest, limit: 200, include_all_metadata: true, cursor };
    const listed = attempt.threadTs
      ? await deps.slack.conversations.replies({ ...window, ts: attempt.threadTs })
      : await deps.slack.conversations.history(window);
    const hit = listed.messages?.find(
      (m) =>
        m.metadata?.event_type === POST_EVENT_TYPE &&
        (m.metadata.event_payload as { key?: unknown } | undefined)?.key === key,
    );
    if (hit?.ts) return hit.ts;
    cursor = listed.response_metadata?.next_cursor;
    if (!listed.has_more || !cursor) return undefined;
  }
  return undefined;
}
