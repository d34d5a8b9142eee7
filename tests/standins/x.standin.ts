import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local X API v2 for the calls Firsthand makes: the user lookup, the
 * mentions timeline (since_id, pagination_token, expansions), the post lookup,
 * POST /2/tweets with reply.in_reply_to_tweet_id and direct messages
 * (POST /2/dm_conversations/with/:participant_id/messages). Answers like X does: problem
 * JSON errors, 201 on create, x-rate-limit-* headers on every answer and 429
 * with a Unix-seconds reset when told to. It also renders a stored post, or a
 * customer's direct message, as the v1.1 objects Account Activity webhooks deliver.
 */
export interface XUser {
  id: string;
  username: string;
  name?: string;
}

export interface XPost {
  id: string;
  text: string;
  authorId: string;
  createdAt: string;
  inReplyTo?: string;
}

export interface XStandin extends StandinServer {
  apiUrl: string;
  account: XUser;
  posts: XPost[];
  /** Posts created through POST /2/tweets, in order. */
  created: { id: string; body: unknown }[];
  /** Direct messages sent through POST /2/dm_conversations/with/:participant_id/messages, in order. */
  directMessages: {
    eventId: string;
    conversationId: string;
    participantId: string;
    text: string;
    createdAt: string;
  }[];
  requests: { method: string; path: string; query: URLSearchParams }[];
  addUser(user: XUser): void;
  /** This user takes no direct messages from the account from now on (X answers 403), as most people do from strangers. */
  closeInbox(userId: string): void;
  /** A customer post that mentions the account; returns the stored post. */
  addMention(input: { author: XUser; text: string; inReplyTo?: string; createdAt?: string }): XPost;
  /** The Account Activity delivery for a stored post, as X sends it. */
  activityEvent(post: XPost): Record<string, unknown>;
  /** A customer's direct message to the account, and its Account Activity delivery. */
  directMessageEvent(input: { from: XUser; text: string }): { id: string; delivery: Record<string, unknown> };
  /** Answer the next `count` requests whose path starts with `pathPrefix` with 429. */
  rateLimitNext(pathPrefix: string, count: number, resetInSeconds?: number): void;
}

export interface XStandinOptions {
  token: string;
  account: XUser;
  now?: () => Date;
}

const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({
  title,
  detail,
  type,
  status,
});

function v1Date(iso: string): string {
  // "Mon May 19 14:01:46 +0000 2025", the created_at of v1.1 objects.
  const d = new Date(iso);
  const [day, month, date, year] = d.toUTCString().replace(',', '').split(' ');
  const time = d.toISOString().slice(11, 19);
  return `${day} ${month} ${date} ${time} +0000 ${year}`;
}

export async function startXStandin(options: XStandinOptions): Promise<XStandin> {
  const now = options.now ?? (() => new Date());
  const users = new Map<string, XUser>([[options.account.id, options.account]]);
  const posts: XPost[] = [];
  const created: XStandin['created'] = [];
  const directMessages: XStandin['directMessages'] = [];
  const closedInboxes = new Set<string>();
  const requests: XStandin['requests'] = [];
  const limited: { prefix: string; count: number; reset: number }[] = [];
  let nextId = 1_301_573_587_187_331_074n;
  const newId = () => String(nextId++);
  let remaining = 300;

  function rateHeaders(reset: number): Record<string, string> {
    return {
      'x-rate-limit-limit': '300',
      'x-rate-limit-remaining': String(remaining),
      'x-rate-limit-reset': String(reset),
    };
  }

  /** X's 400 for a bad parameter or body, with the rate-limit headers every answer carries. */
  function invalidRequest(res: ServerResponse, reset: number, detail: string): void {
    json(
      res,
      400,
      problem(400, 'Invalid Request', detail, 'https://api.x.com/2/problems/invalid-request'),
      rateHeaders(reset),
    );
  }

  /** A timeline's page size, or undefined once it has answered an unknown user or a size X refuses. */
  function timelineSize(userId: string, query: URLSearchParams, res: ServerResponse, reset: number) {
    if (!users.has(userId)) {
      json(
        res,
        404,
        problem(404, 'Not Found Error', `Could not find user with id: [${userId}].`),
        rateHeaders(reset),
      );
      return undefined;
    }
    const max = Number(query.get('max_results') ?? '10');
    if (Number.isInteger(max) && max >= 5 && max <= 100) return max;
    invalidRequest(res, reset, 'max_results must be between 5 and 100');
    return undefined;
  }

  function mentionsTimeline(userId: string, query: URLSearchParams, res: ServerResponse, reset: number) {
    const max = timelineSize(userId, query, res, reset);
    if (max === undefined) return;
    const account = users.get(userId)!;
    const since = query.get('since_id');
    const handle = `@${account.username.toLowerCase()}`;
    const matching = posts
      .filter((p) => p.authorId !== userId && p.text.toLowerCase().includes(handle))
      .filter((p) => !since || BigInt(p.id) > BigInt(since))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const start = Number(query.get('pagination_token') ?? '0');
    const page = matching.slice(start, start + max);
    if (page.length === 0) return json(res, 200, { meta: { result_count: 0 } }, rateHeaders(reset));
    const authors = [...new Set(page.map((p) => p.authorId))].map((id) => users.get(id)).filter(Boolean);
    json(
      res,
      200,
      {
        data: page.map((p) => ({
          id: p.id,
          text: p.text,
          author_id: p.authorId,
          created_at: p.createdAt,
          edit_history_tweet_ids: [p.id],
          ...(p.inReplyTo ? { referenced_tweets: [{ type: 'replied_to', id: p.inReplyTo }] } : {}),
        })),
        includes: { users: authors.map((u) => ({ ...u, name: u?.name ?? u?.username, verified: false })) },
        meta: {
          // newest_id is the newest of the whole result set, as X reports it on every page.
          newest_id: matching[0]?.id,
          oldest_id: page.at(-1)?.id,
          result_count: page.length,
          ...(start + max < matching.length ? { next_token: String(start + max) } : {}),
        },
      },
      rateHeaders(reset),
    );
  }

  function createPost(body: Buffer, res: ServerResponse, reset: number) {
    let input: { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown } } & Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return invalidRequest(res, reset, 'Request body is not valid JSON');
    }
    const extra = Object.keys(input).filter((k) => !['text', 'reply', 'quote_tweet_id', 'media'].includes(k));
    if (typeof input.text !== 'string' || extra.length > 0) {
      return invalidRequest(
        res,
        reset,
        `One or more parameters to your request was invalid: ${extra.join(',') || 'text'}`,
      );
    }
    const parent = input.reply?.in_reply_to_tweet_id;
    if (parent !== undefined && (typeof parent !== 'string' || !posts.some((p) => p.id === parent))) {
      return invalidRequest(res, reset, 'The Tweet you are replying to is not visible or deleted.');
    }
    if (posts.some((p) => p.authorId === options.account.id && p.text === input.text)) {
      return json(
        res,
        403,
        problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'),
        rateHeaders(reset),
      );
    }
    const post: XPost = {
      id: newId(),
      text: input.text,
      authorId: options.account.id,
      createdAt: now().toISOString(),
      ...(typeof parent === 'string' ? { inReplyTo: parent } : {}),
    };
    posts.push(post);
    created.push({ id: post.id, body: input });
    json(
      res,
      201,
      { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } },
      rateHeaders(reset),
    );
  }

  // Only the fields asked for with tweet.fields come back beyond id, text and edit history, as on X.
  function lookupPost(id: string, query: URLSearchParams, res: ServerResponse, reset: number) {
    const post = posts.find((p) => p.id === id);
    if (!post) {
      // X answers a missing post with 200 and a partial error, not 404.
      return json(
        res,
        200,
        {
          errors: [
            {
              value: id,
              detail: `Could not find tweet with id: [${id}].`,
              title: 'Not Found Error',
              resource_type: 'tweet',
              parameter: 'id',
              resource_id: id,
              type: 'https://api.x.com/2/problems/resource-not-found',
            },
          ],
        },
        rateHeaders(reset),
      );
    }
    const fields = new Set((query.get('tweet.fields') ?? '').split(','));
    json(
      res,
      200,
      {
        data: {
          id: post.id,
          text: post.text,
          edit_history_tweet_ids: [post.id],
          ...(fields.has('author_id') ? { author_id: post.authorId } : {}),
          ...(fields.has('created_at') ? { created_at: post.createdAt } : {}),
        },
      },
      rateHeaders(reset),
    );
  }

  /** GET /2/users/:id/tweets: the user's own posts, newest first, from start_time on. */
  function userTimeline(userId: string, query: URLSearchParams, res: ServerResponse, reset: number) {
    const max = timelineSize(userId, query, res, reset);
    if (max === undefined) return;
    const start = query.get('start_time');
    if (start !== null && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(start)) {
      return invalidRequest(
        res,
        reset,
        `Invalid 'start_time':'${start}'. 'start_time' must be a valid RFC3339 date.`,
      );
    }
    const fields = new Set((query.get('tweet.fields') ?? '').split(','));
    const matching = posts
      .filter((p) => p.authorId === userId && (!start || p.createdAt >= start))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const from = Number(query.get('pagination_token') ?? '0');
    const page = matching.slice(from, from + max);
    if (page.length === 0) return json(res, 200, { meta: { result_count: 0 } }, rateHeaders(reset));
    json(
      res,
      200,
      {
        data: page.map((p) => ({
          id: p.id,
          text: p.text,
          edit_history_tweet_ids: [p.id],
          ...(fields.has('created_at') ? { created_at: p.createdAt } : {}),
          ...(fields.has('referenced_tweets') && p.inReplyTo
            ? { referenced_tweets: [{ type: 'replied_to', id: p.inReplyTo }] }
            : {}),
        })),
        meta: {
          newest_id: page[0]!.id,
          oldest_id: page.at(-1)!.id,
          result_count: page.length,
          ...(from + max < matching.length ? { next_token: String(from + max) } : {}),
        },
      },
      rateHeaders(reset),
    );
  }

  /** GET /2/dm_conversations/with/:participant_id/dm_events: the messages we sent that person, newest first. */
  function directMessageEvents(
    participantId: string,
    query: URLSearchParams,
    res: ServerResponse,
    reset: number,
  ) {
    const max = Number(query.get('max_results') ?? '100');
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      return invalidRequest(res, reset, 'max_results must be between 1 and 100');
    }
    const fields = new Set((query.get('dm_event.fields') ?? '').split(','));
    const page = directMessages
      .filter((m) => m.participantId === participantId)
      .reverse()
      .slice(0, max);
    if (page.length === 0) return json(res, 200, { meta: { result_count: 0 } }, rateHeaders(reset));
    json(
      res,
      200,
      {
        data: page.map((m) => ({
          id: m.eventId,
          event_type: 'MessageCreate',
          text: m.text,
          ...(fields.has('sender_id') ? { sender_id: options.account.id } : {}),
          ...(fields.has('created_at') ? { created_at: m.createdAt } : {}),
          ...(fields.has('dm_conversation_id') ? { dm_conversation_id: m.conversationId } : {}),
        })),
        meta: { result_count: page.length },
      },
      rateHeaders(reset),
    );
  }

  function sendDirectMessage(participantId: string, body: Buffer, res: ServerResponse, reset: number) {
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return invalidRequest(res, reset, 'Request body is not valid JSON');
    }
    if (!input || typeof input !== 'object')
      return invalidRequest(res, reset, 'Request body must be an object');
    const extra = Object.keys(input).filter((k) => !['text', 'attachments'].includes(k));
    if (extra.length > 0) {
      return invalidRequest(
        res,
        reset,
        `One or more parameters to your request was invalid: ${extra.join(',')}`,
      );
    }
    // A DM needs text (this stand-in takes no attachments), at most 10,000 characters.
    const { text } = input as { text?: unknown };
    if (typeof text !== 'string' || text.trim().length === 0) {
      return invalidRequest(res, reset, 'text: must not be empty');
    }
    if ([...text].length > 10_000) {
      return invalidRequest(res, reset, 'text: must be at most 10000 characters');
    }
    if (participantId === options.account.id) {
      return invalidRequest(res, reset, 'You cannot send a Direct Message to yourself.');
    }
    if (!users.has(participantId)) {
      return invalidRequest(res, reset, `Could not find user with id: [${participantId}].`);
    }
    if (closedInboxes.has(participantId)) {
      return json(
        res,
        403,
        problem(
          403,
          'Forbidden',
          'You are not permitted to send Direct Messages to this user.',
          'https://api.x.com/2/problems/not-authorized-for-resource',
        ),
        rateHeaders(reset),
      );
    }
    // One-to-one conversation ids are the two user ids, smaller first.
    const [low, high] = [options.account.id, participantId].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const message = {
      eventId: newId(),
      conversationId: `${low}-${high}`,
      participantId,
      text,
      createdAt: now().toISOString(),
    };
    directMessages.push(message);
    json(
      res,
      201,
      { data: { dm_conversation_id: message.conversationId, dm_event_id: message.eventId } },
      rateHeaders(reset),
    );
  }

  const server = await listen((req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    const reset = Math.floor(now().getTime() / 1000) + 900;
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return json(res, 401, problem(401, 'Unauthorized', 'Unauthorized'));
    }
    const forced = limited.find((l) => l.count > 0 && url.pathname.startsWith(l.prefix));
    if (forced) {
      forced.count--;
      remaining = 0;
      return json(
        res,
        429,
        { errors: [{ code: 88, message: 'Rate limit exceeded' }] },
        rateHeaders(forced.reset),
      );
    }
    remaining = Math.max(remaining - 1, 1);
    const mentionsPath = url.pathname.match(/^\/2\/users\/(\d+)\/mentions$/);
    if (req.method === 'GET' && mentionsPath)
      return mentionsTimeline(mentionsPath[1]!, url.searchParams, res, reset);
    if (req.method === 'GET' && url.pathname === '/2/users/me') {
      const me = options.account;
      return json(res, 200, { data: { ...me, name: me.name ?? me.username } }, rateHeaders(reset));
    }
    const userPath = url.pathname.match(/^\/2\/users\/(\d+)$/);
    if (req.method === 'GET' && userPath) {
      const user = users.get(userPath[1]!);
      return user
        ? json(res, 200, { data: { ...user, name: user.name ?? user.username } }, rateHeaders(reset))
        : json(res, 404, problem(404, 'Not Found Error', 'Could not find user'), rateHeaders(reset));
    }
    const timelinePath = url.pathname.match(/^\/2\/users\/(\d+)\/tweets$/);
    if (req.method === 'GET' && timelinePath)
      return userTimeline(timelinePath[1]!, url.searchParams, res, reset);
    if (req.method === 'POST' && url.pathname === '/2/tweets') return createPost(body, res, reset);
    const postPath = url.pathname.match(/^\/2\/tweets\/([^/]+)$/);
    if (req.method === 'GET' && postPath) {
      if (!/^\d{1,19}$/.test(postPath[1]!))
        return invalidRequest(res, reset, 'The `id` query parameter value is not valid');
      return lookupPost(postPath[1]!, url.searchParams, res, reset);
    }
    const dmPath = url.pathname.match(/^\/2\/dm_conversations\/with\/([^/]+)\/messages$/);
    if (req.method === 'POST' && dmPath) {
      if (!/^\d{1,19}$/.test(dmPath[1]!))
        return invalidRequest(res, reset, 'The `participant_id` path parameter is not valid');
      return sendDirectMessage(dmPath[1]!, body, res, reset);
    }
    const dmEventsPath = url.pathname.match(/^\/2\/dm_conversations\/with\/(\d{1,19})\/dm_events$/);
    if (req.method === 'GET' && dmEventsPath)
      return directMessageEvents(dmEventsPath[1]!, url.searchParams, res, reset);
    json(res, 404, problem(404, 'Not Found', `no route ${req.method} ${url.pathname}`));
  });

  return {
    ...server,
    apiUrl: server.url,
    account: options.account,
    posts,
    created,
    directMessages,
    requests,
    addUser: (user) => users.set(user.id, user),
    closeInbox: (userId) => closedInboxes.add(userId),
    addMention({ author, text, inReplyTo, createdAt }) {
      users.set(author.id, author);
      const post: XPost = {
        id: newId(),
        text,
        authorId: author.id,
        createdAt: createdAt ?? now().toISOString(),
        ...(inReplyTo ? { inReplyTo } : {}),
      };
      posts.push(post);
      return post;
    },
    directMessageEvent({ from, text }) {
      users.set(from.id, from);
      const id = newId();
      const asV1 = (user: XUser) => ({
        id: user.id,
        created_timestamp: '1422556069340',
        name: user.name ?? user.username,
        screen_name: user.username,
        protected: false,
        verified: false,
        followers_count: 12,
        friends_count: 40,
        statuses_count: 300,
      });
      return {
        id,
        delivery: {
          for_user_id: options.account.id,
          direct_message_events: [
            {
              type: 'message_create',
              id,
              created_timestamp: String(now().getTime()),
              message_create: {
                target: { recipient_id: options.account.id },
                sender_id: from.id,
                message_data: { text, entities: { hashtags: [], symbols: [], user_mentions: [], urls: [] } },
              },
            },
          ],
          users: { [from.id]: asV1(from), [options.account.id]: asV1(options.account) },
        },
      };
    },
    activityEvent(post) {
      const author = users.get(post.authorId) ?? { id: post.authorId, username: `user${post.authorId}` };
      const mentioned = users.get(options.account.id)!;
      const at = post.text.toLowerCase().indexOf(`@${mentioned.username.toLowerCase()}`);
      return {
        for_user_id: options.account.id,
        user_has_blocked: 'false',
        tweet_create_events: [
          {
            created_at: v1Date(post.createdAt),
            id: Number(post.id),
            id_str: post.id,
            text: [...post.text].length > 140 ? [...post.text].slice(0, 139).join('') : post.text,
            truncated: [...post.text].length > 140,
            ...([...post.text].length > 140 ? { extended_tweet: { full_text: post.text } } : {}),
            in_reply_to_status_id_str: post.inReplyTo ?? null,
            user: {
              id_str: author.id,
              screen_name: author.username,
              name: author.name ?? author.username,
              followers_count: 12,
              verified: false,
            },
            entities: {
              user_mentions:
                at >= 0
                  ? [
                      {
                        screen_name: mentioned.username,
                        id_str: mentioned.id,
                        indices: [at, at + mentioned.username.length + 1],
                      },
                    ]
                  : [],
            },
          },
        ],
      };
    },
    rateLimitNext(prefix, count, resetInSeconds = 60) {
      limited.push({ prefix, count, reset: Math.floor(now().getTime() / 1000) + resetInSeconds });
    },
  };
}
