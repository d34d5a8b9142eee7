import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import { AppError } from '../errors.js';
import type { NetworkConnector, ReplyRequest, ReplyResult } from './connector.js';
import { httpFailure } from './http.js';
import { GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER, genericSignature } from './signatures.js';

/**
 * The generic webhook: review sites, forms, Zapier-style tools or a network
 * we do not cover yet post events as JSON to /ingest/webhook/:source. Ids
 * are the sender's own, so they are namespaced by source: two sources may
 * both have an event "42".
 */
export const SOURCE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

// The normalized mention minus what the endpoint supplies (network, account) and with the sender's own id.
export const GenericEvent = MentionSchema.omit({ network: true, externalId: true, account: true }).extend({
  id: z.string().min(1).max(400),
});
export type GenericEvent = z.infer<typeof GenericEvent>;

export const GenericBody = z.union([GenericEvent, z.array(GenericEvent).min(1).max(500)]);

export const genericExternalId = (source: string, id: string) => `${source}:${id}`;

export function normalizeGenericEvent(source: string, event: GenericEvent): Mention {
  return {
    network: 'generic',
    externalId: genericExternalId(source, event.id),
    account: source,
    author: event.author,
    text: event.text,
    url: event.url,
    inReplyTo: event.inReplyTo ? genericExternalId(source, event.inReplyTo) : undefined,
    kind: event.kind ?? (event.inReplyTo ? 'reply' : 'mention'),
    createdAt: event.createdAt,
  };
}

/** One event or an array; any bad field refuses the whole body, naming it. */
export function parseGenericBody(
  source: string,
  body: unknown,
): { ok: true; mentions: Mention[] } | { ok: false; error: string } {
  const parsed = Array.isArray(body)
    ? z.array(GenericEvent).min(1).max(500).safeParse(body)
    : GenericEvent.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return { ok: true, mentions: events.map((event) => normalizeGenericEvent(source, event)) };
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(headers: Headers, now: Date): Date | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return new Date(now.getTime() + seconds * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export interface GenericOptions {
  replyUrl: string;
  secret: string;
  fetch?: typeof fetch;
  now?: () => Date;
}

/**
 * Replies go back to one configured URL, signed exactly as inbound events
 * are, with the reply id as Idempotency-Key so the receiver can drop a retry.
 */
export function createGenericConnector(options: GenericOptions): NetworkConnector {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  return {
    network: 'generic',
    async reply(request: ReplyRequest): Promise<ReplyResult> {
      const split = request.target.externalId.indexOf(':');
      if (split <= 0)
        throw new AppError('generic.bad_target', `not a generic event id: ${request.target.externalId}`);
      const body = JSON.stringify({
        source: request.target.externalId.slice(0, split),
        inReplyTo: request.target.externalId.slice(split + 1),
        author: request.target.authorHandle,
        text: request.text,
        idempotencyKey: request.idempotencyKey,
      });
      const timestamp = String(Math.floor(now().getTime() / 1000));
      let response: Response;
      try {
        response = await doFetch(options.replyUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': request.idempotencyKey,
            [GENERIC_TIMESTAMP_HEADER]: timestamp,
            [GENERIC_SIGNATURE_HEADER]: genericSignature(options.secret, timestamp, body),
          },
          body,
        });
      } catch (error) {
        throw new AppError(
          'generic.unreachable',
          `cannot reach the reply webhook: ${(error as Error).message}`,
          true,
        );
      }
      const text = await response.text();
      if (!response.ok)
        throw httpFailure('generic', response.status, text, retryAfter(response.headers, now()));
      const answer = z
        .object({ id: z.string().min(1).optional(), url: z.url().optional() })
        .safeParse(text ? JSON.parse(text) : {});
      const result = answer.success ? answer.data : {};
      return { externalId: result.id ?? request.idempotencyKey, url: result.url };
    },
  };
}
