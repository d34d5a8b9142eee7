import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import { storeMentions } from '../db/mentions.repository.js';
import { AppError } from '../errors.js';
import { enqueueMentions, type Queues } from '../queueing.js';

const BodySchema = z.union([MentionSchema, z.array(MentionSchema).min(1).max(1000)]);

/** Parses a request body holding one mention or an array; any bad field refuses the whole body. */
export function parseMentionsBody(body: unknown): Mention[] {
  const parsed = BodySchema.safeParse(body);
  if (parsed.success) return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  // A union error is vague; re-parse the likely branch so the message names the field.
  const precise = Array.isArray(body)
    ? z.array(MentionSchema).min(1).max(1000).safeParse(body)
    : MentionSchema.safeParse(body);
  throw new AppError('ingest.invalid_mention', describeIssues(precise.error ?? parsed.error));
}

export interface AcceptResult {
  accepted: number;
  duplicate: number;
}

/**
 * Stores each mention once, durably, then queues it for routing. A duplicate
 * that has not reached Slack yet is queued again under the same job id, which
 * BullMQ ignores while the first job exists and which recovers a lost job.
 */
export async function acceptMentions(
  deps: { db: Database; queues: Queues },
  mentions: Mention[],
  source: string,
): Promise<AcceptResult> {
  const stored = await storeMentions(
    deps.db,
    mentions.map((mention) => ({
      network: mention.network,
      externalId: mention.externalId,
      account: mention.account,
      authorId: mention.author.id,
      authorHandle: mention.author.handle,
      authorName: mention.author.name ?? null,
      authorFollowers: mention.author.followers ?? null,
      authorVerified: mention.author.verified ?? null,
      text: mention.text,
      url: mention.url ?? null,
      inReplyTo: mention.inReplyTo ?? null,
      kind: mention.kind ?? null,
      postedAt: new Date(mention.createdAt),
    })),
    source,
  );
  const accepted = stored.filter((row) => row.inserted).length;
  // One queue call for the batch: new mentions, and stored ones not yet in Slack (a lost job is recovered).
  const toQueue = stored
    .filter((row) => row.inserted || !row.notified)
    .map((row) => ({ id: row.id, network: row.network as Mention['network'], externalId: row.externalId }));
  await enqueueMentions(deps.queues, toQueue);
  // A mention listed twice in one body, or stored concurrently by another request, is a duplicate.
  return { accepted, duplicate: mentions.length - accepted };
}
