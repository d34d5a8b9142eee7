import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Network } from './mention.js';

/**
 * The contract between stages: queue names, job payload schemas and job ids.
 * Stages meet only here and through the src/db repositories.
 */
export const QUEUE = {
  mentions: 'mentions',
  replies: 'replies',
} as const;

export const MentionJobSchema = z.object({
  mentionId: z.string().uuid(),
  // Held once in a storm, for its story's next mentions to find it: the second time it is routed as it is.
  held: z.boolean().optional(),
});
export type MentionJob = z.infer<typeof MentionJobSchema>;

export const ReplyJobSchema = z.object({ replyId: z.string().uuid() });
export type ReplyJob = z.infer<typeof ReplyJobSchema>;

/**
 * BullMQ refuses ':' in custom ids, and external ids (Bluesky at-uris) contain
 * it, so the external id is hashed. The same mention always gets the same id.
 */
export function mentionJobId(network: Network, externalId: string): string {
  return `m-${network}-${createHash('sha256').update(externalId).digest('hex').slice(0, 40)}`;
}

export const replyJobId = (replyId: string) => `reply-${replyId}`;

/** A mention held in a storm, routed again after the hold under an id of its own. */
export const heldJobId = (mentionId: string) => `m-held-${mentionId}`;

/**
 * A mention routed again, once brought back from the spam filter (the event
 * that did it): its first job may still be kept as done under its own id,
 * and adding that id again would do nothing.
 */
export const rerouteJobId = (mentionId: string, eventId: number) => `m-again-${mentionId}-${eventId}`;
