/**
 * What happened, as the append-only events table records it: one variant per
 * event type with the shape of its details, so a writer cannot give one
 * type two shapes and a reader (the card, the thread log, reports) knows what
 * it will find.
 */

/** The router's decision and what it read in the mention, shown on the card beside the reasons. */
export interface DecisionDetails {
  action: 'assign' | 'escalate' | 'queue' | 'drop';
  assigneeId: string | null;
  reasons: string[];
  language?: string | null;
  sentiment?: string;
  intent?: string;
  priority?: string;
  responseTargetMinutes?: number;
  coveringFor?: string;
  team?: string;
  /** Taken from the waiting queue, after this long. */
  fromQueue?: boolean;
  waitedMinutes?: number;
}

export type DomainEvent =
  | { type: 'conversation.assigned' | 'conversation.queued' | 'mention.dropped'; details: DecisionDetails }
  | { type: 'conversation.followup'; details: { assigneeId: string | null } }
  | {
      type: 'conversation.claimed';
      /** `reason: 'response_timeout'`: taken up on the response clock's offer. */
      details: { assigneeId: string; previousAssigneeId: string | null; reason?: string };
    }
  | {
      type: 'conversation.reassigned';
      details: {
        assigneeId: string;
        previousAssigneeId: string | null;
        channel?: string | null;
        reason?: string;
      };
    }
  | {
      type: 'conversation.escalated';
      details: { ownerId: string; previousAssigneeId: string | null; reasons: string[] };
    }
  | { type: 'conversation.resolved' | 'conversation.spam'; details?: Record<string, never> }
  | { type: 'conversation.snoozed'; details: { until: string; option: string } }
  | { type: 'conversation.snooze_ended'; details: { snoozeEventId: number } }
  | { type: 'reply.requested'; details: { replyId: string } }
  | { type: 'reply.posted'; details: { replyId: string; networkReplyId: string; url: string | null } }
  | { type: 'reply.failed'; details: { replyId: string; code: string; message: string } }
  | {
      type: 'mention.unspammed';
      details: {
        network: string;
        authorId: string;
        authorHandle: string;
        droppedFor: unknown;
        newlyVouched: boolean;
      };
    }
  | { type: 'staff.away' | 'staff.back'; details: { until: string | null } }
  | { type: 'conversation.reopened'; details: { reason: string } }
  | { type: 'conversation.waiting'; details?: Record<string, never> }
  | { type: 'conversation.auto_closed'; details: { quietDays: number } }
  | { type: 'clock.started'; details: { reason: string; steps: { step: string; at: string }[] } }
  | {
      type: 'clock.step';
      details: {
        step: 'remind' | 'offer' | 'owner';
        /** What it did: reminded the assignee, offered it on, found nobody free, told the owner, or came too late. */
        outcome: 'reminded' | 'offered' | 'passed' | 'nobody_free' | 'owner_told' | 'missed';
        dueAt: string;
        to?: string;
        from?: string | null;
      };
    }
  | {
      type: 'storm.started' | 'storm.ended';
      details: { stormId: number; reasons: string[]; figures: StormFigures };
    }
  | {
      type: 'cluster.assigned' | 'cluster.spam' | 'cluster.split' | 'cluster.replied';
      details: {
        stormId: number;
        clusterId: number;
        assigneeId?: string;
        mentionId?: string;
        replies?: number;
      };
    };

/** What a storm's start or end was measured on (routing/storm/storm-detect.ts). */
export interface StormFigures {
  perMinute: number;
  baselinePerMinute: number;
  /** Share of negative mentions in the last minute, and over the hour before it; null: too few to say. */
  negativeShare: number | null;
  negativeShareBefore: number | null;
}

export type EventType = DomainEvent['type'];
