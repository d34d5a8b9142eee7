import { AtpAgent, RichText } from '@atproto/api';
import { AppError, retryAtOf } from '../../contract/errors.js';
import type { Mention } from '../../contract/mention.js';
import {
  type Pollable,
  type PollResult,
  type ReplyRequest,
  type ReplyResult,
  unconfirmedReply,
} from '../connector.js';
import { httpFailure } from '../http.js';
import { isEarlierReply } from '../reply-text.js';
import { blueskyLimit } from '../text-limits.js';
import { normalizeNotification, PostRecord, postUrl, REASONS, replyRefs } from './normalize.js';

interface XrpcLike {
  status?: number;
  error?: string;
  message: string;
  headers?: Record<string, string>;
}

/** The bsky rate limiter sends RateLimit-Reset as Unix seconds. */
function blueskyFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as XrpcLike;
  if (typeof e?.status !== 'number' || e.status <= 1) {
    return new AppError('bluesky.unreachable', `Bluesky call failed: ${(error as Error)?.message}`, true);
  }
  const reset = Number(e.headers?.['ratelimit-reset']);
  const retryAt = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
  return httpFailure('bluesky', e.status, `${e.error ?? ''} ${e.message}`.trim(), retryAt);
}

const isSessionGone = (error: unknown) =>
  ['ExpiredToken', 'InvalidToken', 'AuthenticationRequired'].includes((error as XrpcLike)?.error ?? '');

export interface BlueskyOptions {
  service: string;
  identifier: string;
  password: string;
  fetch?: typeof fetch;
}

const MAX_PAGES = 10;
// Our own posts are read back this many at a time when a retry looks for an earlier reply.
const OWN_POSTS_PAGE = 50;

/** A logged-in agent, and the way every call goes through it. */
interface BlueskySession {
  agent: AtpAgent;
  withSession<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * Bluesky through @atproto/api against a configurable service. The agent
 * refreshes an expired access token itself; when the refresh token is gone
 * too, the connector logs in again once and repeats the call.
 */
export function createBlueskyConnector(options: BlueskyOptions): Pollable {
  const session = openSession(options);
  return {
    network: 'bluesky',
    poll: (since) => pollNotifications(session, since),
    reply: (request) => postReply(session, request),
    findEarlierReply: (request, since, skip) => findEarlierReply(session, request, since, skip),
  };
}

function openSession(options: BlueskyOptions): BlueskySession {
  const agent = new AtpAgent({
    service: options.service,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let loggingIn: Promise<unknown> | undefined;
  // Bluesky's limits are per account and per IP, so one 429 pauses every call until its reset.
  let blockedUntil: Date | undefined;

  async function login(): Promise<void> {
    loggingIn ??= agent.login({ identifier: options.identifier, password: options.password }).finally(() => {
      loggingIn = undefined;
    });
    await loggingIn;
  }

  async function withSession<T>(call: () => Promise<T>): Promise<T> {
    if (blockedUntil && blockedUntil.getTime() > Date.now()) {
      throw httpFailure('bluesky', 429, 'waiting for the rate-limit reset', blockedUntil);
    }
    try {
      if (!agent.session) await login();
      try {
        return await call();
      } catch (error) {
        if (!isSessionGone(error)) throw error;
        await login();
        return await call();
      }
    } catch (error) {
      const failure = blueskyFailure(error);
      const retryAt = retryAtOf(failure);
      if (failure.code === 'bluesky.rate_limited' && retryAt) blockedUntil = retryAt;
      throw failure;
    }
  }

  return { agent, withSession };
}

// The AppView dates a notification by the earlier of the post's createdAt and when it indexed it, so a
// post from a slow clock, or one indexed late, sorts behind one already seen. A poll reads back this far
// before the newest date it saw, and skips what it already gave.
const LATE_MARGIN_MS = 15 * 60_000;
const KEPT_SEEN = 500;

/** Where polling stands: the newest date seen, and the posts seen within the margin before it. */
interface Position {
  newest: number;
  seen: Set<string>;
}

// Kept as "<newest ISO date> <uri> <uri>…": the date first, so positions still compare as dates.
function readPosition(cursor: string | undefined): Position | undefined {
  if (!cursor) return undefined;
  const [newest, ...seen] = cursor.split(' ');
  const at = Date.parse(newest ?? '');
  return Number.isNaN(at) ? undefined : { newest: at, seen: new Set(seen) };
}

function writePosition(read: { uri: string; at: number }[]): string {
  const newest = Math.max(...read.map((r) => r.at));
  const recent = read
    .filter((r) => r.at > newest - LATE_MARGIN_MS)
    .slice(0, KEPT_SEEN)
    .map((r) => r.uri);
  return [new Date(newest).toISOString(), ...recent].join(' ');
}

/**
 * listNotifications pages from newest to oldest; its cursor walks back in
 * time. A poll reads from the top back to the margin before the newest date
 * it saw. A page can come back empty with a cursor (the AppView filtered a
 * page of likes): paging goes on while there is a cursor.
 */
function pollNotifications(
  { agent, withSession }: BlueskySession,
  since: string | undefined,
): Promise<PollResult> {
  return withSession(async () => {
    const handle = agent.session!.handle;
    const position = readPosition(since);
    const floor = position ? position.newest - LATE_MARGIN_MS : undefined;
    const mentions: Mention[] = [];
    const read: { uri: string; at: number }[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await agent.listNotifications({
        limit: 50,
        ...(cursor ? { cursor } : {}),
        reasons: [...REASONS],
      });
      let reachedKnown = false;
      for (const raw of data.notifications) {
        const at = Date.parse(raw.indexedAt);
        if (floor !== undefined && at <= floor) {
          reachedKnown = true;
          continue;
        }
        read.push({ uri: raw.uri, at });
        // A position stored before it listed what it saw (a bare date) covers everything up to its date.
        const given = position?.seen.size ? position.seen.has(raw.uri) : position && at <= position.newest;
        if (given) continue;
        const mention = normalizeNotification(raw, handle);
        if (mention) mentions.push(mention);
      }
      cursor = data.cursor;
      if (reachedKnown || !cursor) break;
    }
    if (mentions.length === 0) return { mentions: [], cursor: undefined };
    return { mentions: mentions.reverse(), cursor: writePosition(read) };
  });
}

async function postReply(
  { agent, withSession }: BlueskySession,
  request: ReplyRequest,
): Promise<ReplyResult> {
  if (blueskyLimit.count(request.text) > blueskyLimit.max || Buffer.byteLength(request.text) > 3000) {
    throw new AppError('reply.too_long', `longer than Bluesky's ${blueskyLimit.max} graphemes or 3000 bytes`);
  }
  return withSession(async () => {
    // Resolved now, not stored at ingest: the cid and thread root are only needed here.
    const { data } = await agent.getPosts({ uris: [request.target.externalId] });
    const parent = data.posts[0];
    if (!parent)
      throw new AppError('bluesky.parent_gone', `the post ${request.target.externalId} no longer exists`);
    const rich = new RichText({ text: request.text });
    await rich.detectFacets(agent);
    // A handle that did not resolve leaves a mention facet without a DID, which the PDS would refuse.
    const facets = rich.facets?.filter((facet) =>
      facet.features.every((feature) => (feature as { did?: unknown }).did !== ''),
    );
    const posted = await agent.post({
      text: rich.text,
      ...(facets && facets.length > 0 ? { facets } : {}),
      reply: replyRefs(parent),
      createdAt: new Date().toISOString(),
    });
    return { externalId: posted.uri, url: postUrl(agent.session!.handle, posted.uri) };
  });
}

/**
 * Our reply among our posts since `since`: createRecord has no idempotency key, and each call is a
 * new post. A retry may come up to an hour later (the reply recovery sweep), so pages go back to `since`.
 */
function findEarlierReply(
  { agent, withSession }: BlueskySession,
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): Promise<ReplyResult | undefined> {
  return withSession(async () => {
    const { did, handle } = agent.session!;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await agent.com.atproto.repo.listRecords({
        repo: did,
        collection: 'app.bsky.feed.post',
        limit: OWN_POSTS_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      // Every record of our repository is ours.
      const posts = data.records.flatMap((r) => {
        const record = PostRecord.safeParse(r.value);
        if (!record.success) return [];
        const at = Date.parse(record.data.createdAt ?? '');
        return [
          { id: r.uri, author: did, text: record.data.text, at, parent: record.data.reply?.parent.uri },
        ];
      });
      const lookup = { us: did, request, since, skip };
      const earlier = posts.find((p) => p.parent === request.target.externalId && isEarlierReply(p, lookup));
      if (earlier) return { externalId: earlier.id, url: postUrl(handle, earlier.id) };
      cursor = data.cursor;
      // Newest first: a page that reaches back before `since` is the last that could hold it.
      if (!cursor || data.records.length === 0 || posts.some((p) => p.at < since.getTime())) {
        return undefined;
      }
    }
    throw unconfirmedReply('bluesky', `we posted more than ${MAX_PAGES * OWN_POSTS_PAGE} times since`);
  });
}
