import { AppError } from '../contract/errors.js';
import type { LoadedConversation } from '../db/conversation-view.repository.js';
import type { EventRow } from '../db/events.repository.js';
import { directAnswerDeadline } from '../network/text-limits.js';
import type { ConversationCard, ModalTurn } from './blocks.js';

/**
 * The router's reading of a mention arrives as it grows: on the conversation
 * row (priority, response target, reasons) and in the assignment event's
 * details. Each value is read where it is found, in whichever shape (a word
 * or an object with a label), and left out when absent.
 */
const ROUTING_KEYS = ['label', 'name', 'value', 'code', 'language', 'kind', 'polarity', 'intent'];

function word(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 100);
  if (value && typeof value === 'object') {
    for (const key of ROUTING_KEYS) {
      const inner = (value as Record<string, unknown>)[key];
      if (typeof inner === 'string' && inner.trim()) return inner.trim().slice(0, 100);
    }
  }
  return undefined;
}

const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function routingFacts(row: object, details: Record<string, unknown>) {
  const loose = row as Record<string, unknown>;
  const nested = (details.understanding ?? {}) as Record<string, unknown>;
  const pick = (key: string) => word(details[key]) ?? word(nested[key]) ?? word(loose[key]);
  const targetMinutes =
    number(loose.responseTargetMinutes) ?? number(details.responseTargetMinutes) ?? undefined;
  const openedAt = loose.openedAt instanceof Date ? loose.openedAt : undefined;
  const explicitDue = typeof details.dueAt === 'string' ? new Date(details.dueAt) : undefined;
  const dueAt =
    explicitDue && !Number.isNaN(explicitDue.getTime())
      ? explicitDue
      : openedAt && targetMinutes !== undefined
        ? new Date(openedAt.getTime() + targetMinutes * 60_000)
        : undefined;
  const rowReasons = Array.isArray(loose.routingReasons) ? (loose.routingReasons as unknown[]) : [];
  const detailReasons = Array.isArray(details.reasons) ? (details.reasons as unknown[]) : [];
  const reasons = (rowReasons.length ? rowReasons : detailReasons).filter(
    (r): r is string => typeof r === 'string',
  );
  return {
    priority: pick('priority'),
    dueAt,
    reasons,
    understanding: { language: pick('language'), sentiment: pick('sentiment'), intent: pick('intent') },
  };
}

/** The snooze in effect at `now`, if any: the latest snooze not yet over. */
export function activeSnooze(events: EventRow[], now: Date): Date | undefined {
  const last = events.findLast(
    (e) => e.type === 'conversation.snoozed' || e.type === 'conversation.snooze_ended',
  );
  if (last?.type !== 'conversation.snoozed' || typeof last.details.until !== 'string') return undefined;
  const until = new Date(last.details.until);
  return until > now ? until : undefined;
}

export function toCard(loaded: LoadedConversation, now: Date = new Date()): ConversationCard {
  const { conversation, mentions, replies, events } = loaded;
  const first = mentions.find((m) => m.id === conversation.firstMentionId) ?? mentions[0];
  if (!first) throw new AppError('conversation.empty', `conversation ${conversation.id} has no mention`);
  const posted = replies.filter((r) => r.status === 'posted' && r.postedAt);
  const last = posted.at(-1);
  const assigned = events.find((e) => e.type === 'conversation.assigned');
  const closed = events.findLast((e) => e.type === 'conversation.resolved' || e.type === 'conversation.spam');
  const facts = routingFacts(conversation, assigned?.details ?? {});
  const understanding = Object.fromEntries(
    Object.entries(facts.understanding).filter(([, v]) => v !== undefined),
  ) as ConversationCard['understanding'];
  const snoozedUntil = conversation.closedAt ? undefined : activeSnooze(events, now);
  const answerBy = directAnswerDeadline(conversation.network, mentions);
  const dueAt = clockDueAt(events) ?? facts.dueAt;
  const step = conversation.status === 'open' ? clockStep(events) : undefined;
  return {
    conversationId: conversation.id,
    network: conversation.network,
    status: conversation.status,
    escalated: conversation.escalated,
    assigneeId: conversation.assigneeId,
    author: {
      handle: first.authorHandle,
      name: first.authorName,
      followers: first.authorFollowers,
      verified: first.authorVerified,
    },
    text: first.text,
    url: first.url,
    ...(first.kind === 'direct_message' ? { privateMessage: true } : {}),
    ...(answerBy && !conversation.closedAt ? { answerBy } : {}),
    reasons: facts.reasons,
    openedAt: conversation.openedAt,
    lastReply: last?.postedAt ? { staffId: last.staffId, postedAt: last.postedAt } : undefined,
    firstRepliedAt: conversation.firstRepliedAt,
    closedBy: closed?.actor,
    understanding,
    ...(facts.priority ? { priority: facts.priority } : {}),
    ...(dueAt ? { dueAt } : {}),
    ...(snoozedUntil ? { snoozedUntil } : {}),
    ...(step ? { clockStep: step } : {}),
    followups: Math.max(0, mentions.length - 1),
  };
}

/**
 * When the running response clock offers the conversation on: the target in
 * the assignee's working hours (routing/response-clock.ts), once the clock
 * has started; until then the card counts wall-clock minutes.
 */
function clockDueAt(events: LoadedConversation['events']): Date | undefined {
  const clock = events.findLast((e) => e.type === 'clock.started');
  const steps = Array.isArray(clock?.details.steps)
    ? (clock.details.steps as { step?: unknown; at?: unknown }[])
    : [];
  const offer = steps.find((s) => s.step === 'offer' && typeof s.at === 'string');
  const at = offer ? new Date(offer.at as string) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

/** The latest step of the running response clock (a pass or a late step is no news for the card). */
function clockStep(events: LoadedConversation['events']): ConversationCard['clockStep'] {
  const started = events.findLast((e) => e.type === 'clock.started');
  const step = events.findLast(
    (e) =>
      e.type === 'clock.step' &&
      started !== undefined &&
      e.id > started.id &&
      ['reminded', 'offered', 'nobody_free', 'owner_told'].includes(String(e.details.outcome)),
  );
  if (!step) return undefined;
  // Taken up on the offer: the card says who claimed it, not who it was offered to.
  const claimed = events.findLast(
    (e) => e.type === 'conversation.claimed' && e.id > step.id && e.details.reason === 'response_timeout',
  );
  if (step.details.outcome === 'offered' && claimed)
    return { outcome: 'claimed', at: claimed.at, to: claimed.actor };
  const to = typeof step.details.to === 'string' ? step.details.to : undefined;
  return { outcome: String(step.details.outcome), at: step.at, ...(to ? { to } : {}) };
}

/** The conversation so far, oldest first: the customer's messages and our replies, by the author's name. */
export function toTurns({ mentions, replies }: LoadedConversation): ModalTurn[] {
  const turns = [
    ...mentions.map((m) => ({ at: m.postedAt, turn: { from: `@${m.authorHandle}`, text: m.text } })),
    ...replies
      .filter((r) => r.status === 'posted')
      .map((r) => ({
        at: r.postedAt ?? r.createdAt,
        turn: { from: `Our reply (by ${r.staffName ?? r.staffId})`, text: r.text },
      })),
  ];
  return turns.sort((a, b) => a.at.getTime() - b.at.getTime()).map((t) => t.turn);
}
