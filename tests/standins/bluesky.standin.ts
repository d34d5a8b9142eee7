import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local PDS for the XRPC calls Firsthand makes: sessions (create, refresh,
 * get), listNotifications (newest first, cursor walking back), getPosts,
 * resolveHandle, createRecord for app.bsky.feed.post and listRecords. It
 * enforces what a real PDS would refuse (300 graphemes, a reply root that is
 * not the thread's root, unknown refs), answers expired tokens with
 * ExpiredToken and throttles with 429 and RateLimit-* headers. Ids are
 * real-format DIDs, TIDs and CIDs.
 */
export interface BlueskyPost {
  uri: string;
  cid: string;
  authorDid: string;
  record: {
    $type: 'app.bsky.feed.post';
    text: string;
    createdAt: string;
    reply?: { root: Ref; parent: Ref };
    facets?: unknown[];
    embed?: unknown;
  };
  indexedAt: string;
}
interface Ref {
  uri: string;
  cid: string;
}
interface Actor {
  did: string;
  handle: string;
  displayName?: string;
}

export interface BlueskyStandin extends StandinServer {
  service: string;
  account: Actor;
  posts: Map<string, BlueskyPost>;
  /** Records created through createRecord, as received. */
  created: { repo: string; record: BlueskyPost['record']; uri: string }[];
  calls: string[];
  addActor(handle: string, displayName?: string): Actor;
  /**
   * A customer's post; it notifies us when it mentions us, replies to us or quotes us. `createdAt` is
   * the author's clock: as on the AppView, the notification is dated by the earlier of it and indexing.
   */
  addPost(input: {
    author: Actor;
    text: string;
    replyTo?: string;
    quote?: string;
    createdAt?: Date;
  }): BlueskyPost;
  /** Post as our account directly (as if from the app), e.g. the post customers reply to. */
  addOwnPost(text: string): BlueskyPost;
  /** The next `count` notification pages come back empty with a cursor, as the AppView's do when it filtered them. */
  emptyPagesFirst(count: number): void;
  expireAccessTokens(): void;
  /** Refresh tokens die too: only a new login helps. */
  expireSessions(): void;
  rateLimitNext(nsid: string, count: number, resetInSeconds?: number): void;
  sessionsCreated: number;
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** CIDv1, dag-cbor, sha2-256, base32: the shape of every record cid. */
const cidOf = (content: string) =>
  `b${base32(Buffer.concat([Buffer.from([0x01, 0x71, 0x12, 0x20]), createHash('sha256').update(content).digest()]))}`;

const S32 = '234567abcdefghijklmnopqrstuvwxyz';
let lastMicros = 0;
function tid(): string {
  lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
  let n = (BigInt(lastMicros) << 10n) | 7n;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = S32[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

const didFor = (handle: string) =>
  `did:plc:${base32(createHash('sha256').update(handle).digest()).slice(0, 24)}`;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const xrpcError = (error: string, message: string) => ({ error, message });

export interface BlueskyStandinOptions {
  handle: string;
  password: string;
  now?: () => Date;
}

export async function startBlueskyStandin(options: BlueskyStandinOptions): Promise<BlueskyStandin> {
  const now = options.now ?? (() => new Date());
  const actors = new Map<string, Actor>();
  const posts = new Map<string, BlueskyPost>();
  const notifications: { uri: string; reason: string; reasonSubject?: string; indexedAt: string }[] = [];
  const created: BlueskyStandin['created'] = [];
  const calls: string[] = [];
  const access = new Map<string, boolean>(); // token -> still valid
  const refresh = new Map<string, boolean>();
  const limits = new Map<string, { count: number; reset: number }>();
  let tick = 0;
  let sessionsCreated = 0;
  let emptyPages = 0;

  function addActor(handle: string, displayName?: string): Actor {
    const actor = { did: didFor(handle), handle, ...(displayName ? { displayName } : {}) };
    actors.set(actor.did, actor);
    actors.set(handle, actor);
    return actor;
  }
  const account = addActor(options.handle, 'Firsthand Café');

  // Strictly increasing indexedAt even within one millisecond, as the cursor logic relies on order.
  const stamp = () => new Date(now().getTime() + tick++).toISOString();

  function store(author: Actor, record: BlueskyPost['record']): BlueskyPost {
    const uri = `at://${author.did}/app.bsky.feed.post/${tid()}`;
    const post = {
      uri,
      cid: cidOf(uri + JSON.stringify(record)),
      authorDid: author.did,
      record,
      indexedAt: stamp(),
    };
    posts.set(uri, post);
    return post;
  }

  const profile = (did: string) => {
    const actor = actors.get(did)!;
    return {
      did: actor.did,
      handle: actor.handle,
      ...(actor.displayName ? { displayName: actor.displayName } : {}),
      labels: [],
    };
  };
  const postView = (post: BlueskyPost) => ({
    uri: post.uri,
    cid: post.cid,
    author: profile(post.authorDid),
    record: post.record,
    indexedAt: post.indexedAt,
    replyCount: 0,
    repostCount: 0,
    likeCount: 0,
    labels: [],
  });

  function issueSession(res: ServerResponse) {
    sessionsCreated++;
    const accessJwt = `access-${sessionsCreated}-${tid()}`;
    const refreshJwt = `refresh-${sessionsCreated}-${tid()}`;
    access.set(accessJwt, true);
    refresh.set(refreshJwt, true);
    json(res, 200, { accessJwt, refreshJwt, handle: account.handle, did: account.did, active: true });
  }

  function rateHeaders(reset: number) {
    return {
      'ratelimit-limit': '3000',
      'ratelimit-remaining': '2999',
      'ratelimit-reset': String(reset),
      'ratelimit-policy': '3000;w=300',
    };
  }

  function createRecord(input: Record<string, unknown>, res: ServerResponse) {
    const record = input.record as BlueskyPost['record'] | undefined;
    if (input.repo !== account.did && input.repo !== account.handle) {
      return json(res, 400, xrpcError('InvalidRequest', 'Input/repo must be the authenticated account'));
    }
    if (input.collection !== 'app.bsky.feed.post' || !record || typeof record.text !== 'string') {
      return json(res, 400, xrpcError('InvalidRequest', 'Input/record must be an app.bsky.feed.post'));
    }
    if ([...graphemes.segment(record.text)].length > 300 || Buffer.byteLength(record.text) > 3000) {
      return json(
        res,
        400,
        xrpcError(
          'InvalidRequest',
          'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes',
        ),
      );
    }
    if (record.reply) {
      const parent = posts.get(record.reply.parent.uri);
      const root = posts.get(record.reply.root.uri);
      if (!parent || parent.cid !== record.reply.parent.cid || !root || root.cid !== record.reply.root.cid) {
        return json(res, 400, xrpcError('InvalidRequest', 'reply refs do not match existing posts'));
      }
      const expectedRoot = parent.record.reply?.root.uri ?? parent.uri;
      if (root.uri !== expectedRoot)
        return json(res, 400, xrpcError('InvalidRequest', 'reply root is not the root of the thread'));
    }
    const post = store(account, { ...record, $type: 'app.bsky.feed.post' });
    created.push({ repo: String(input.repo), record: post.record, uri: post.uri });
    json(res, 200, { uri: post.uri, cid: post.cid, validationStatus: 'valid' });
  }

  /**
   * As the PDS lists a repo's records: by rkey (a TID, so by time), newest first unless `reverse`,
   * and the cursor is the last rkey listed, which the next page starts after.
   */
  function listRecords(query: URLSearchParams, res: ServerResponse, headers: Record<string, string>) {
    const collection = query.get('collection');
    if (!collection) {
      return json(
        res,
        400,
        xrpcError('InvalidRequest', 'Params must have the property "collection"'),
        headers,
      );
    }
    const repo = actors.get(query.get('repo') ?? '');
    if (!repo) {
      return json(
        res,
        400,
        xrpcError('InvalidRequest', `Could not find repo: ${query.get('repo')}`),
        headers,
      );
    }
    const limit = Number(query.get('limit') ?? '50');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      return json(res, 400, xrpcError('InvalidRequest', 'limit must be an integer from 1 to 100'), headers);
    }
    const reverse = query.get('reverse') === 'true';
    const cursor = query.get('cursor');
    const prefix = `at://${repo.did}/${collection}/`;
    const rkey = (post: BlueskyPost) => post.uri.slice(prefix.length);
    const page = [...posts.values()]
      .filter((p) => p.uri.startsWith(prefix))
      .filter((p) => !cursor || (reverse ? rkey(p) > cursor : rkey(p) < cursor))
      .sort((a, b) => (rkey(a) < rkey(b) === reverse ? -1 : 1))
      .slice(0, limit);
    const last = page.at(-1);
    return json(
      res,
      200,
      {
        records: page.map((p) => ({ uri: p.uri, cid: p.cid, value: p.record })),
        ...(last ? { cursor: rkey(last) } : {}),
      },
      headers,
    );
  }

  const server = await listen((req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const nsid = url.pathname.replace(/^\/xrpc\//, '');
    calls.push(nsid);
    const reset = Math.floor(now().getTime() / 1000) + 300;
    const limit = limits.get(nsid);
    if (limit && limit.count > 0) {
      limit.count--;
      return json(res, 429, xrpcError('RateLimitExceeded', 'Rate Limit Exceeded'), {
        ...rateHeaders(limit.reset),
        'ratelimit-remaining': '0',
      });
    }
    let input: Record<string, unknown> = {};
    if (req.method === 'POST' && body.length > 0) {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        return json(res, 400, xrpcError('InvalidRequest', 'Request body is not JSON'));
      }
    }
    if (nsid === 'com.atproto.server.createSession') {
      const who = input.identifier;
      if ((who !== account.handle && who !== account.did) || input.password !== options.password) {
        return json(res, 401, xrpcError('AuthenticationRequired', 'Invalid identifier or password'));
      }
      return issueSession(res);
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (nsid === 'com.atproto.server.refreshSession') {
      if (!refresh.get(bearer)) return json(res, 400, xrpcError('ExpiredToken', 'Token has been revoked'));
      refresh.set(bearer, false);
      return issueSession(res);
    }
    if (!access.has(bearer))
      return json(res, 401, xrpcError('AuthenticationRequired', 'Authentication Required'));
    if (!access.get(bearer)) return json(res, 400, xrpcError('ExpiredToken', 'Token has expired'));
    const headers = rateHeaders(reset);
    switch (nsid) {
      case 'com.atproto.server.getSession':
        return json(res, 200, { handle: account.handle, did: account.did, active: true }, headers);
      case 'com.atproto.identity.resolveHandle': {
        const actor = actors.get(url.searchParams.get('handle') ?? '');
        return actor
          ? json(res, 200, { did: actor.did }, headers)
          : json(res, 400, xrpcError('InvalidRequest', 'Unable to resolve handle'), headers);
      }
      case 'app.bsky.notification.listNotifications': {
        const limitParam = Number(url.searchParams.get('limit') ?? '50');
        const reasons = url.searchParams.getAll('reasons');
        const start = Number(url.searchParams.get('cursor') ?? '0');
        if (emptyPages > 0) {
          emptyPages--;
          return json(res, 200, { notifications: [], cursor: String(start) }, headers);
        }
        const list = notifications
          .filter((n) => reasons.length === 0 || reasons.includes(n.reason))
          .sort((a, b) => (a.indexedAt < b.indexedAt ? 1 : -1));
        const page = list.slice(start, start + limitParam);
        return json(
          res,
          200,
          {
            notifications: page.map((n) => {
              const post = posts.get(n.uri)!;
              return {
                uri: post.uri,
                cid: post.cid,
                author: profile(post.authorDid),
                reason: n.reason,
                ...(n.reasonSubject ? { reasonSubject: n.reasonSubject } : {}),
                record: post.record,
                isRead: false,
                indexedAt: n.indexedAt,
                labels: [],
              };
            }),
            ...(start + limitParam < list.length ? { cursor: String(start + limitParam) } : {}),
          },
          headers,
        );
      }
      case 'app.bsky.feed.getPosts': {
        const found = url.searchParams
          .getAll('uris')
          .map((u) => posts.get(u))
          .filter((p) => p !== undefined);
        return json(res, 200, { posts: found.map(postView) }, headers);
      }
      case 'com.atproto.repo.createRecord':
        return createRecord(input, res);
      case 'com.atproto.repo.listRecords':
        return listRecords(url.searchParams, res, headers);
      default:
        return json(res, 501, xrpcError('MethodNotImplemented', `Method Not Implemented: ${nsid}`));
    }
  });

  return {
    ...server,
    service: server.url,
    account,
    posts,
    created,
    calls,
    get sessionsCreated() {
      return sessionsCreated;
    },
    addActor,
    addOwnPost: (text) =>
      store(account, { $type: 'app.bsky.feed.post', text, createdAt: now().toISOString() }),
    emptyPagesFirst(count) {
      emptyPages = count;
    },
    addPost({ author, text, replyTo, quote, createdAt }) {
      const parent = replyTo ? posts.get(replyTo) : undefined;
      if (replyTo && !parent) throw new Error(`no post ${replyTo}`);
      const quoted = quote ? posts.get(quote) : undefined;
      const record: BlueskyPost['record'] = {
        $type: 'app.bsky.feed.post',
        text,
        createdAt: (createdAt ?? now()).toISOString(),
        ...(parent
          ? {
              reply: {
                root: parent.record.reply?.root ?? { uri: parent.uri, cid: parent.cid },
                parent: { uri: parent.uri, cid: parent.cid },
              },
            }
          : {}),
        ...(quoted
          ? { embed: { $type: 'app.bsky.embed.record', record: { uri: quoted.uri, cid: quoted.cid } } }
          : {}),
      };
      const post = store(author, record);
      const reason =
        parent?.authorDid === account.did
          ? 'reply'
          : quoted?.authorDid === account.did
            ? 'quote'
            : text.includes(`@${account.handle}`)
              ? 'mention'
              : undefined;
      if (reason) {
        const written = post.record.createdAt;
        notifications.push({
          uri: post.uri,
          reason,
          indexedAt: [written, post.indexedAt].sort()[0]!, // ISO dates sort as strings
          ...(parent ? { reasonSubject: parent.uri } : {}),
        });
      }
      return post;
    },
    expireAccessTokens() {
      for (const token of access.keys()) access.set(token, false);
    },
    expireSessions() {
      for (const token of access.keys()) access.set(token, false);
      for (const token of refresh.keys()) refresh.set(token, false);
    },
    rateLimitNext(nsid, count, resetInSeconds = 120) {
      limits.set(nsid, { count, reset: Math.floor(now().getTime() / 1000) + resetInSeconds });
    },
  };
}
