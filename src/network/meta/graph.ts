import { z } from 'zod';
import { AppError } from '../../contract/errors.js';
import { type Mention, NETWORK_NAMES } from '../../contract/mention.js';
import { type ReplyResult, unconfirmedReply } from '../connector.js';
import { fetchWithToken, httpFailure } from '../http.js';
import { type EarlierLookup, isEarlierReply, type Written } from '../reply-text.js';

/**
 * Plain fetch against the Graph API, shared by the Facebook Pages and
 * Instagram connectors. Graph reports most failures as HTTP 400 with a code
 * in the body, so the code, not the status, decides: 4, 17, 32 and 613 are
 * rate limits to wait out; 190 is a dead token no retry can fix.
 */
export interface GraphOptions {
  graphUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Told once per failing call when the token is refused, so the owner can be alerted. */
  onAuthFailure?: (message: string) => void;
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
// Meta does not always say when access returns; a few minutes is its usual guidance for a throttled app.
const DEFAULT_WAIT_MS = 5 * 60_000;

const GraphError = z.object({
  error: z.object({ message: z.string(), code: z.number(), error_subcode: z.number().optional() }),
});

/** `estimated_time_to_regain_access` (minutes) from X-Business-Use-Case-Usage, when Meta sends it. */
export function graphRetryAt(headers: Headers, now: Date): Date {
  const usage = headers.get('x-business-use-case-usage');
  let minutes = 0;
  if (usage) {
    try {
      const parsed = JSON.parse(usage) as Record<string, { estimated_time_to_regain_access?: unknown }[]>;
      for (const entries of Object.values(parsed)) {
        for (const entry of entries ?? []) {
          const value = Number(entry.estimated_time_to_regain_access);
          if (Number.isFinite(value)) minutes = Math.max(minutes, value);
        }
      }
    } catch {
      // An unreadable usage header is no reason to lose the retry; fall back to the default wait.
    }
  }
  return new Date(now.getTime() + (minutes > 0 ? minutes * 60_000 : DEFAULT_WAIT_MS));
}

export function graphFailure(
  network: 'facebook' | 'instagram',
  status: number,
  body: string,
  headers: Headers,
  now: Date,
): AppError {
  let parsed: z.infer<typeof GraphError> | undefined;
  try {
    parsed = GraphError.parse(JSON.parse(body));
  } catch {
    parsed = undefined;
  }
  const code = parsed?.error.code;
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
    const error = new AppError(
      `${network}.rate_limited`,
      `${network} rate limit (#${code}): ${parsed?.error.message}`,
      true,
    );
    return Object.assign(error, { retryAt: graphRetryAt(headers, now) });
  }
  if (code === 190) {
    return new AppError(
      `${network}.token_invalid`,
      `${network} access token refused (#190): ${parsed?.error.message}`,
    );
  }
  const failure = httpFailure(network, status, body, status === 429 ? graphRetryAt(headers, now) : undefined);
  return parsed
    ? Object.assign(failure, { graphCode: parsed.error.code, graphMessage: parsed.error.message })
    : failure;
}

/** The Graph error code and message a failure carries, when Meta sent one. */
export function graphErrorOf(error: unknown): { code: number; message: string } | undefined {
  const { graphCode, graphMessage } = (error ?? {}) as { graphCode?: unknown; graphMessage?: unknown };
  return typeof graphCode === 'number' && typeof graphMessage === 'string'
    ? { code: graphCode, message: graphMessage }
    : undefined;
}

export function createGraphClient(network: 'facebook' | 'instagram', options: GraphOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.graphUrl.replace(/\/$/, '');
  return async function graph(path: string, init: RequestInit = {}): Promise<unknown> {
    const response = await fetchWithToken(network, doFetch, base, path, options.token, init);
    if (!response.ok) {
      const failure = graphFailure(
        network,
        response.status,
        await response.text(),
        response.headers,
        new Date(),
      );
      if (failure.code.endsWith('.token_invalid')) options.onAuthFailure?.(failure.message);
      throw failure;
    }
    return response.json();
  };
}

export type GraphClient = ReturnType<typeof createGraphClient>;

const PrivateMessageSent = z.object({ recipient_id: z.string(), message_id: z.string().min(1) });

/**
 * Whom a private message goes to: the author of a comment (Meta's private reply, allowed once per
 * comment within 7 days of it) or a customer in their own Messenger or Instagram Direct conversation
 * (allowed within 24 hours of their last message).
 */
export type PrivateRecipient = { commentId: string } | { userId: string };

/**
 * One message in Messenger (Facebook) or Instagram Direct, sent from `inbox` (`me` for a Page token,
 * or the Instagram account id). Meta answers a message outside its window with #10 (not allowed), and
 * a bad recipient or a text too long with #100; no retry changes either, so both become a permanent
 * failure that tells the writer why.
 */
export async function sendPrivateMessage(
  graph: GraphClient,
  network: 'facebook' | 'instagram',
  inbox: string,
  to: PrivateRecipient,
  text: string,
): Promise<ReplyResult> {
  const toComment = 'commentId' in to;
  let body: unknown;
  try {
    body = await graph(`/${encodeURIComponent(inbox)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        toComment
          ? { recipient: { comment_id: to.commentId }, message: { text } }
          : { recipient: { id: to.userId }, messaging_type: 'RESPONSE', message: { text } },
      ),
    });
  } catch (error) {
    const refusal = graphErrorOf(error);
    if (refusal?.code === 10 || refusal?.code === 100) {
      const rule = toComment
        ? 'Meta allows one per comment, within 7 days of it'
        : "Meta delivers an answer only within 24 hours of the customer's last message";
      throw new AppError(
        `${network}.private_reply_refused`,
        `${NETWORK_NAMES[network]} refused the private message (${rule}): ${refusal.message}`,
        false,
        { cause: error },
      );
    }
    throw error;
  }
  const sent = PrivateMessageSent.parse(body);
  return { externalId: sent.message_id, url: undefined };
}

/** `ask` once and keep the answer; a failure is not kept, so the next call asks again. */
export function remembered<T>(ask: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => {
    answer ??= ask().catch((error: unknown) => {
      answer = undefined;
      throw error;
    });
    return answer;
  };
}

// A retry can come long after its attempt (the recovery sweep): an edge is read back this many pages at most.
const MAX_PAGES = 10;

const Paging = z.object({
  next: z.string().optional(),
  cursors: z.object({ after: z.string().optional() }).optional(),
});

/**
 * Our reply among the items of a Graph edge (a comment's comments or replies), read page by page along
 * its `after` cursor. An edge read newest first stops at the page that reaches back before `since`.
 */
export async function findOnEdge(
  graph: GraphClient,
  network: 'facebook' | 'instagram',
  edge: { path: string; query: Record<string, string>; item: z.ZodType<Written>; newestFirst: boolean },
  lookup: EarlierLookup,
): Promise<ReplyResult | undefined> {
  const Page = z.object({ data: z.array(edge.item), paging: Paging.optional() });
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ ...edge.query, ...(after ? { after } : {}) });
    const { data, paging } = Page.parse(await graph(`${edge.path}?${query}`));
    const found = data.find((written) => isEarlierReply(written, lookup));
    if (found) return { externalId: found.id, url: undefined };
    after = paging?.cursors?.after;
    const reachedSince = edge.newestFirst && data.some((w) => w.at < lookup.since.getTime());
    if (!paging?.next || !after || reachedSince) return undefined;
  }
  throw unconfirmedReply(network, `has more under that post than we read back (${MAX_PAGES} pages)`);
}

// Meta shows only a conversation's latest 20 messages.
const MESSAGES_SHOWN = 20;

const Conversations = z.object({
  data: z.array(
    z.object({
      messages: z
        .object({
          data: z.array(
            z.object({
              id: z.string(),
              message: z.string().default(''),
              from: z.object({ id: z.string().optional(), username: z.string().optional() }).optional(),
              created_time: z.string().optional(),
            }),
          ),
        })
        .optional(),
    }),
  ),
});

/**
 * Our message to the customer in their Messenger or Instagram Direct conversation with `inbox` (`me`
 * for a Page token, or the Instagram account id), read through the Conversations API. Messenger names
 * us by the Page's id, Instagram by our username.
 */
export async function findEarlierMessage(
  graph: GraphClient,
  network: 'facebook' | 'instagram',
  inbox: string,
  lookup: EarlierLookup,
): Promise<ReplyResult | undefined> {
  const query = new URLSearchParams({
    platform: network === 'facebook' ? 'messenger' : 'instagram',
    user_id: lookup.request.target.authorId,
    fields: `messages.limit(${MESSAGES_SHOWN}){id,message,from,created_time}`,
  });
  const { data } = Conversations.parse(await graph(`/${encodeURIComponent(inbox)}/conversations?${query}`));
  const messages: Written[] = data.flatMap((conversation) =>
    (conversation.messages?.data ?? []).map((m) => ({
      id: m.id,
      author: network === 'facebook' ? m.from?.id : m.from?.username,
      text: m.message,
      at: Date.parse(m.created_time ?? ''),
    })),
  );
  const found = messages.find((written) => isEarlierReply(written, lookup));
  if (found) return { externalId: found.id, url: undefined };
  // Every message shown is newer than the attempt: ours may be among the older ones Meta does not show.
  if (messages.length >= MESSAGES_SHOWN && messages.every((m) => m.at >= lookup.since.getTime())) {
    throw unconfirmedReply(network, `more than ${MESSAGES_SHOWN} messages have been exchanged since`);
  }
  return undefined;
}

/**
 * How long a sender's name is waited for: it is asked while Meta waits for the webhook's answer, and a
 * message kept under the sender's id beats a delivery Meta times out and sends again.
 */
export const SENDER_LOOKUP_TIMEOUT_MS = 3000;

/** Names the sender of a direct message, whom Meta's delivery gives by id only. */
export interface SenderDirectory {
  describeSender(id: string): Promise<Mention['author']>;
}
