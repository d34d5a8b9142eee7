import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import { appendEvent } from '../db/events.repository.js';
import { insertMention, type MentionRow } from '../db/mentions.repository.js';
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
  const result: AcceptResult = { accepted: 0, duplicate: 0 };
  // One transaction (one commit, one WAL flush) for the whole body, and one queue call after it.
  // Should it fail, nothing is stored or queued and the sender retries the body; storing is idempotent.
  const stored = await deps.db.transaction(async (tx) => {
    const rows: { row: MentionRow; inserted: boolean }[] = [];
    for (const mention of mentions) {
      const one = await insertMention(tx, {
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
      });
      if (one.inserted) {
        await appendEvent(tx, {
          type: 'mention.received',
          actor: 'ingest',
          mentionId: one.row.id,
          details: { source },
        });
      }
      rows.push(one);
    }
    return rows;
  });
  const toQueue: { id: string; network: Mention['network']; externalId: string }[] = [];
  stored.forEach(({ row, inserted }, i) => {
    if (inserted) result.accepted++;
    else result.duplicate++;
    if (inserted || !row.notifiedAt) toQueue.push({ ...row, network: mentions[i]!.network });
  });
  await enqueueMentions(deps.queues, toQueue);
  return result;
}
