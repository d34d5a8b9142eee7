import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../../contract/mention.js';

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
