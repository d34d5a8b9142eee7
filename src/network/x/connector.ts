import { z } from 'zod';
import { AppError } from '../../contract/errors.js';
import type { Mention } from '../../contract/mention.js';
import {
  type Pollable,
  type PollResult,
  type ReplyRequest,
  type ReplyResult,
  unconfirmedReply,
} from '../connector.js';
import { fetchWithToken, httpFailure } from '../http.js';
import { isEarlierReply } from '../reply-text.js';
import { normalizeV2Mentions, tweetUrl, V2MentionsPage, V2User } from './normalize.js';

/** X sends its reset as Unix seconds in `x-rate-limit-reset`. */
export function xRetryAt(headers: Headers): Date | undefined {
  const reset = Number(headers.get('x-rate-limit-reset'));
  return Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
}

export interface XOptions {
  apiUrl: string;
  /**
   * An OAuth 2.0 user access token (tweet.read tweet.write users.read, and dm.write dm.read for private
   * replies): mentions, posts and direct messages all need user context.
   */
  token: string;
  userId: string;
  fetch?: typeof fetch;
}

// X's largest page of posts or messages.
const PAGE = 100;
const MAX_PAGES = 8; // X returns at most 800 recent mentions, 100 a page.

const OwnPosts = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        text: z.string(),
        created_at: z.string().optional(),
        referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
      }),
    )
    .optional(),
  meta: z.object({ next_token: z.string().optional() }).optional(),
});
const SentMessages = z.object({
  data: z
    .array(
      z.object({
        id: z.string(),
        text: z.string().optional(),
        sender_id: z.string().optional(),
        created_at: z.string().optional(),
        dm_conversation_id: z.string().optional(),
      }),
    )
    .optional(),
});

/**
 * X answers a text the account posted recently with 403 "duplicate content". On a retry that is most
 * likely our own earlier attempt, which the look did not find; otherwise the writer repeated a recent post.
 */
function duplicateRefusal(error: unknown, request: ReplyRequest): AppError | undefined {
  if (!(error instanceof AppError) || !/duplicate content/i.test(error.message)) return undefined;
  if (request.retrying) return unconfirmedReply('x', 'refuses the same text again as a duplicate');
  return new AppError(
    'x.duplicate',
    'X refuses a text the account posted recently (duplicate content): reword it and send it again.',
    false,
    { cause: error },
  );
}

// X starts a reply's text with the @handles it answers, whether or not the writer typed them.
const withoutLeadingHandles = (text: string) => text.replace(/^(\s*@\w+)+\s*/, '');
// start_time takes RFC 3339 to the second.
const rfc3339 = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The account's calls to X, each waiting out its endpoint's rate limit, and the account's own handle. */
interface XClient {
  userId: string;
  call(path: string, init?: RequestInit): Promise<unknown>;
  handle(): Promise<string>;
}

export function createXConnector(options: XOptions): Pollable {
  const client = openClient(options);
  return {
    network: 'x',
    poll: (sinceId) => pollMentions(client, sinceId),
    reply: (request) => postReply(client, request),
    findEarlierReply(request, since, skip) {
      return request.visibility === 'private'
        ? findEarlierMessage(client, request, since, skip)
        : findEarlierPost(client, request, since, skip);
    },
  };
}

function openClient(options: XOptions): XClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.apiUrl.replace(/\/$/, '');
  let ourHandle: string | undefined;
  // X limits each endpoint separately; until its reset, asking again only spends the next window's quota.
  const blockedUntil = new Map<string, Date>();

  async function call(path: string, init: RequestInit = {}): Promise<unknown> {
    // Limits are per endpoint, not per post or person: ids in the path do not make a new window.
    const endpoint = `${init.method ?? 'GET'} ${path.split('?')[0]?.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    const blocked = blockedUntil.get(endpoint);
    if (blocked && blocked.getTime() > Date.now()) {
      throw httpFailure('x', 429, `waiting for the rate-limit reset of ${endpoint}`, blocked);
    }
    const response = await fetchWithToken('x', doFetch, base, path, options.token, init);
    if (!response.ok) {
      const retryAt = xRetryAt(response.headers);
      if (response.status === 429 && retryAt) blockedUntil.set(endpoint, retryAt);
      throw httpFailure('x', response.status, await response.text(), retryAt);
    }
    return response.json();
  }

  async function handle(): Promise<string> {
    if (!ourHandle) {
      const me = z.object({ data: V2User }).parse(await call(`/2/users/${options.userId}`));
      ourHandle = me.data.username;
    }
    return ourHandle;
  }

  return { userId: options.userId, call, handle };
}

async function pollMentions(client: XClient, sinceId: string | undefined): Promise<PollResult> {
  const account = await client.handle();
  const mentions: Mention[] = [];
  let newest: string | undefined;
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({
      max_results: String(PAGE),
      expansions: 'author_id',
      'tweet.fields': 'created_at,referenced_tweets,conversation_id',
      'user.fields': 'username,name,verified,public_metrics',
    });
    if (sinceId) query.set('since_id', sinceId);
    if (token) query.set('pagination_token', token);
    const body = V2MentionsPage.parse(await client.call(`/2/users/${client.userId}/mentions?${query}`));
    // Pages run newest to oldest; the first page's newest_id is where the next poll starts.
    newest ??= body.meta?.newest_id;
    mentions.push(...normalizeV2Mentions(body, account));
    token = body.meta?.next_token;
    if (!token) break;
  }
  return { mentions: mentions.reverse(), cursor: newest };
}

async function postReply(client: XClient, request: ReplyRequest): Promise<ReplyResult> {
  if (request.visibility === 'private') return directMessage(client, request);
  let body: unknown;
  try {
    body = await client.call('/2/tweets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text: request.text,
        reply: { in_reply_to_tweet_id: request.target.externalId },
      }),
    });
  } catch (error) {
    throw duplicateRefusal(error, request) ?? error;
  }
  const posted = z.object({ data: z.object({ id: z.string() }) }).parse(body);
  return { externalId: posted.data.id, url: tweetUrl(await client.handle(), posted.data.id) };
}

/**
 * A private answer is a direct message to the post's author, by the user id stored with the
 * mention. X refuses one with 403 when the person takes no messages from us (most take them only
 * from accounts they follow) or the token lacks dm.write: neither is fixed by retrying.
 */
async function directMessage(client: XClient, request: ReplyRequest): Promise<ReplyResult> {
  const { authorId, authorHandle } = request.target;
  let body: unknown;
  try {
    body = await client.call(`/2/dm_conversations/with/${encodeURIComponent(authorId)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: request.text }),
    });
  } catch (error) {
    // A closed inbox and a token without dm.write look alike here (both permanent); X's text, kept, tells which.
    if (error instanceof AppError && error.code === 'x.unauthorized') {
      throw new AppError(
        'x.private_reply_refused',
        `X would not deliver a direct message to @${authorHandle} (they may not accept messages from us, or the token lacks dm.write): ${error.message}`,
        false,
        { cause: error },
      );
    }
    throw error;
  }
  const sent = z
    .object({ data: z.object({ dm_conversation_id: z.string(), dm_event_id: z.string() }) })
    .parse(body);
  return {
    externalId: sent.data.dm_event_id,
    url: `https://x.com/messages/${encodeURIComponent(sent.data.dm_conversation_id)}`,
  };
}

/** Our reply to the mention among our posts since `since`: X has no idempotency key to drop a second one. */
async function findEarlierPost(
  client: XClient,
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): Promise<ReplyResult | undefined> {
  const query = new URLSearchParams({
    max_results: String(PAGE),
    start_time: rfc3339(since),
    'tweet.fields': 'created_at,referenced_tweets',
    exclude: 'retweets',
  });
  const { data = [], meta } = OwnPosts.parse(await client.call(`/2/users/${client.userId}/tweets?${query}`));
  // Our own timeline, already from start_time on; the handles X puts first are compared on neither side.
  const lookup = {
    us: client.userId,
    request: { ...request, text: withoutLeadingHandles(request.text) },
    since,
    skip,
  };
  const post = data.find(
    (p) =>
      p.referenced_tweets?.some((r) => r.type === 'replied_to' && r.id === request.target.externalId) &&
      isEarlierReply(
        {
          id: p.id,
          author: client.userId,
          text: withoutLeadingHandles(p.text),
          at: Number.POSITIVE_INFINITY,
        },
        lookup,
      ),
  );
  if (post) return { externalId: post.id, url: tweetUrl(await client.handle(), post.id) };
  if (meta?.next_token) throw unconfirmedReply('x', `we posted more than ${data.length} times since`);
  return undefined;
}

/** Our message to the customer since `since`, among the latest of that conversation. */
async function findEarlierMessage(
  client: XClient,
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): Promise<ReplyResult | undefined> {
  const query = new URLSearchParams({
    event_types: 'MessageCreate',
    max_results: String(PAGE),
    'dm_event.fields': 'id,text,sender_id,created_at,dm_conversation_id',
  });
  const path = `/2/dm_conversations/with/${encodeURIComponent(request.target.authorId)}/dm_events?${query}`;
  const { data = [] } = SentMessages.parse(await client.call(path));
  const lookup = { us: client.userId, request, since, skip };
  // A message X gives no time for is not ruled out by it.
  const message = data.find((m) =>
    isEarlierReply(
      {
        id: m.id,
        author: m.sender_id,
        text: m.text ?? '',
        at: m.created_at ? Date.parse(m.created_at) : Number.POSITIVE_INFINITY,
      },
      lookup,
    ),
  );
  if (!message) {
    const allSince = data.every((m) => m.created_at && new Date(m.created_at) >= since);
    if (data.length >= PAGE && allSince) {
      throw unconfirmedReply('x', `more than ${PAGE} messages were exchanged since`);
    }
    return undefined;
  }
  const conversation = message.dm_conversation_id;
  return {
    externalId: message.id,
    url: conversation ? `https://x.com/messages/${encodeURIComponent(conversation)}` : undefined,
  };
}
