import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Network } from './mention.js';

/**
 * The contract between stages: queue names, job payload schemas and job ids.
 * Stages meet only here and through the src/db repositories.
 */
export const QUEUE = {
  mentions: 'mentions',
  notify: 'notify',
  replies: 'replies',
} as const;

export const MentionJobSchema = z.object({ mentionId: z.string().uuid() });
export type MentionJob = z.infer<typeof MentionJobSchema>;

export const NotifyJobSchema = z.discriminatedUnion('type', [
  // A mention reached a conversation: post the root message or a thread reply.
  z.object({ type: z.literal('mention'), mentionId: z.string().uuid() }),
  // Something happened to a conversation: redraw its Slack message.
  z.object({ type: z.literal('refresh'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // Tell one person something only they should see.
  z.object({
    type: z.literal('ephemeral'),
    channel: z.string(),
    user: z.string(),
    text: z.string(),
  }),
  // Something the owner must fix (a dead network token); `hour` makes the job id repeat within the hour.
  z.object({
    type: z.literal('alert'),
    kind: z.string().min(1).max(100),
    text: z.string(),
    hour: z.number().int(),
  }),
  // Add an event's line to the conversation's thread log.
  z.object({ type: z.literal('log'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // A direct message to one person about one conversation, for the event that called for it.
  z.object({
    type: z.literal('dm'),
    kind: z.enum(['assigned', 'reassigned', 'escalated', 'snooze_ended']),
    user: z.string(),
    conversationId: z.string().uuid(),
    eventId: z.number().int(),
  }),
  // Redraw one person's App Home; `notice` tops it (a refusal of a click made there, with no channel to answer in).
  z.object({ type: z.literal('home'), user: z.string(), notice: z.string().max(2000).optional() }),
  // A conversation reassigned into another channel: a new card there, a pointer in the old thread.
  z.object({ type: z.literal('move'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // A snooze runs out (scheduled as a delayed job at its end).
  z.object({ type: z.literal('snooze_end'), conversationId: z.string().uuid(), eventId: z.number().int() }),
  // The day's count of mentions filtered as spam, for the team channel; `day` (UTC) makes it once a day.
  z.object({
    type: z.literal('spam_count'),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    count: z.number().int().positive(),
    topReasons: z.array(z.object({ reason: z.string(), count: z.number().int().positive() })).max(10),
  }),
]);
export type NotifyJob = z.infer<typeof NotifyJobSchema>;

export const ReplyJobSchema = z.object({ replyId: z.string().uuid() });
export type ReplyJob = z.infer<typeof ReplyJobSchema>;

/**
 * BullMQ refuses ':' in custom ids, and external ids (Bluesky at-uris) contain
 * it, so the external id is hashed. The same mention always gets the same id.
 */
export function mentionJobId(network: Network, externalId: string): string {
  return `m-${network}-${createHash('sha256').update(externalId).digest('hex').slice(0, 40)}`;
}

export function notifyJobId(job: NotifyJob): string | undefined {
  switch (job.type) {
    case 'mention':
      return `n-${job.mentionId}`;
    case 'refresh':
      return `r-${job.conversationId}-${job.eventId}`;
    case 'log':
      return `l-${job.eventId}`;
    case 'dm':
      return `d-${job.kind}-${job.eventId}-${job.user}`;
    case 'snooze_end':
      return `s-${job.eventId}`;
    case 'move':
      return `v-${job.eventId}`;
    case 'ephemeral':
    case 'home':
      return undefined;
    case 'alert':
      return `a-${job.kind.replace(/[^A-Za-z0-9_.-]/g, '_')}-${job.hour}`;
    case 'spam_count':
      return `f-${job.day}`;
  }
}

/** An owner alert that posts at most once per kind per clock hour, however often the failure repeats. */
export const alertJob = (kind: string, text: string, now: Date): NotifyJob => ({
  type: 'alert',
  kind,
  text,
  hour: Math.floor(now.getTime() / 3_600_000),
});

export const replyJobId = (replyId: string) => `reply-${replyId}`;

/**
 * A mention routed again, once brought back from the spam filter (the event
 * that did it): its first job may still be kept as done under its own id,
 * and adding that id again would do nothing.
 */
export const rerouteJobId = (mentionId: string, eventId: number) => `m-again-${mentionId}-${eventId}`;
