import { z } from 'zod';
import { type Mention, NETWORK_NAMES } from '../contract/mention.js';
import { AppError } from '../errors.js';
import type { ReplyRequest, ReplyResult } from './connector.js';
import { fetchWithToken, httpFailure } from './http.js';
import { isSameReplyText } from './reply-text.js';

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

// Graph has no idempotency key: a retry reads back what we may have published, within these latest.
const LOOKED_AT = 50;

const Listed = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      message: z.string().optional(),
      text: z.string().optional(),
      from: z.object({ id: z.string() }).optional(),
      created_time: z.string().optional(),
      timestamp: z.string().optional(),
    }),
  ),
});
type ListedItem = z.infer<typeof Listed>['data'][number];

/** The first item by `authorId` carrying the request's text, written since `since`, not one of `skip`. */
function ourEarlier(
  items: readonly ListedItem[],
  authorId: string,
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): ListedItem | undefined {
  return items.find(
    (item) =>
      item.from?.id === authorId &&
      !skip.has(item.id) &&
      new Date(item.created_time ?? item.timestamp ?? 0) >= since &&
      isSameReplyText(item.message ?? item.text ?? '', request.text),
  );
}

/**
 * Our comment under `parentId` (a Facebook comment's /comments, an Instagram comment's /replies) that
 * an earlier attempt published, as `authorId` (the Page, or the Instagram account).
 */
export async function findEarlierComment(
  graph: GraphClient,
  edge: 'comments' | 'replies',
  authorId: string,
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): Promise<ReplyResult | undefined> {
  const fields = edge === 'comments' ? 'id,message,from,created_time' : 'id,text,from,timestamp';
  const query = new URLSearchParams({ fields, order: 'reverse_chronological', limit: String(LOOKED_AT) });
  const listed = Listed.parse(
    await graph(`/${encodeURIComponent(request.target.externalId)}/${edge}?${query}`),
  );
  const found = ourEarlier(listed.data, authorId, request, since, skip);
  return found ? { externalId: found.id, url: undefined } : undefined;
}

const Conversations = z.object({ data: z.array(z.object({ messages: Listed.optional() })) });

/**
 * Our message to a customer in their Messenger or Instagram Direct conversation with `inbox` that an
 * earlier attempt sent, read through the Conversations API.
 */
export async function findEarlierMessage(
  graph: GraphClient,
  platform: 'messenger' | 'instagram',
  inbox: { path: string; id: string },
  request: ReplyRequest,
  since: Date,
  skip: ReadonlySet<string>,
): Promise<ReplyResult | undefined> {
  const query = new URLSearchParams({
    platform,
    user_id: request.target.authorId,
    fields: `messages.limit(${LOOKED_AT}){id,message,from,created_time}`,
  });
  const listed = Conversations.parse(
    await graph(`/${encodeURIComponent(inbox.path)}/conversations?${query}`),
  );
  const messages = listed.data.flatMap((c) => c.messages?.data ?? []);
  const found = ourEarlier(messages, inbox.id, request, since, skip);
  return found ? { externalId: found.id, url: undefined } : undefined;
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
