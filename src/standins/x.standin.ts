import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local X API v2 for the calls Firsthand makes: the user lookup, the
 * mentions timeline (since_id, pagination_token, expansions) and POST
 * /2/tweets with reply.in_reply_to_tweet_id. Answers like X does: problem
 * JSON errors, 201 on create, x-rate-limit-* headers on every answer and 429
 * with a Unix-seconds reset when told to. It also renders a stored post as
 * the v1.1 object Account Activity webhooks deliver.
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
  requests: { method: string; path: string; query: URLSearchParams }[];
  addUser(user: XUser): void;
  /** A customer post that mentions the account; returns the stored post. */
  addMention(input: { author: XUser; text: string; inReplyTo?: string; createdAt?: string }): XPost;
  /** The Account Activity delivery for a stored post, as X sends it. */
  activityEvent(post: XPost): Record<string, unknown>;
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

  function mentionsTimeline(userId: string, query: URLSearchParams, res: ServerResponse, reset: number) {
    const account = users.get(userId);
    if (!account)
      return json(
        res,
        404,
        problem(404, 'Not Found Error', `Could not find user with id: [${userId}].`),
        rateHeaders(reset),
      );
    const max = Number(query.get('max_results') ?? '10');
    if (!Number.isInteger(max) || max < 5 || max > 100) {
      return invalidRequest(res, reset, 'max_results must be between 5 and 100');
    }
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
    const userPath = url.pathname.match(/^\/2\/users\/(\d+)$/);
    if (req.method === 'GET' && userPath) {
      const user = users.get(userPath[1]!);
      return user
        ? json(res, 200, { data: { ...user, name: user.name ?? user.username } }, rateHeaders(reset))
        : json(res, 404, problem(404, 'Not Found Error', 'Could not find user'), rateHeaders(reset));
    }
    if (req.method === 'POST' && url.pathname === '/2/tweets') return createPost(body, res, reset);
    json(res, 404, problem(404, 'Not Found', `no route ${req.method} ${url.pathname}`));
  });

  return {
    ...server,
    apiUrl: server.url,
    account: options.account,
    posts,
    created,
    requests,
    addUser: (user) => users.set(user.id, user),
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
