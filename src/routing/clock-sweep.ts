import type { Database, Tx } from '../db/client.js';
import {
  type ClockStepRow,
  listClocksToStart,
  listOffered,
  listQuietConversations,
  readClockFacts,
  scheduleOffer,
  settleStep,
  startClockBatch,
  takeDueStep,
} from '../db/clock.repository.js';
import { changeConversation, commitChange } from '../db/conversation-change.js';
import { lockConversation } from '../db/conversation-changes.repository.js';
import { type ConversationRow, resolveConversation } from '../db/conversations.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { findOwner, listRosterWithLoad } from '../db/staff.repository.js';
import type { Policy } from './compiled-policy.js';
import { decideAgain } from './decide-again.js';
import type { Priority } from './policy.js';
import { clockSchedule, decideStep } from './response-clock.js';

export interface ClockDeps {
  db: Database;
  now: () => Date;
  policy: Policy;
}

/**
 * Starts the response clock of every conversation someone holds that has
 * none running (routed, or the customer wrote again after our reply), with
 * its steps counted in the assignee's working hours: the batch in one
 * transaction. Returns how many it started.
 */
export async function startClocks(deps: ClockDeps, limit = 100): Promise<number> {
  const waiting = await listClocksToStart(deps.db, limit);
  if (waiting.length === 0) return 0;
  const team = new Map((await listRosterWithLoad(deps.db)).map((person) => [person.id, person]));
  const clocks = waiting.map(({ conversation, startAt, reason }) => {
    const assigneeId = conversation.assigneeId!;
    const target = conversation.responseTargetMinutes!;
    const steps = clockSchedule(
      deps.policy,
      startAt,
      conversation.priority as Priority,
      target,
      team.get(assigneeId),
    );
    const offerAt = steps.find((s) => s.step === 'offer')?.at.getTime();
    return {
      start: { conversationId: conversation.id, assigneeId, at: startAt, reason, steps },
      // The card's "Respond by" moves to the assignee's working hours: redraw it when that changes it.
      movesRespondBy: offerAt !== undefined && offerAt !== startAt.getTime() + target * 60_000,
    };
  });
  return deps.db.transaction(async (tx) => {
    const started = await startClockBatch(
      tx,
      clocks.map((clock) => clock.start),
    );
    await oweSlack(
      tx,
      clocks.flatMap(({ start, movesRespondBy }) => {
        const eventId = started.get(start.conversationId);
        return movesRespondBy && eventId !== undefined
          ? [{ type: 'refresh' as const, conversationId: start.conversationId, eventId }]
          : [];
      }),
    );
    return started.size;
  });
}

/**
 * Closes conversations we answered, or that wait on the customer, once the
 * customer has said nothing for the policy's days, with a line in the
 * thread; a later message opens them again. Returns how many.
 */
export async function closeQuietConversations(deps: ClockDeps, limit = 100): Promise<number> {
  const days = deps.policy.file.responseClock.autoCloseAfterDays;
  if (days === false) return 0;
  const now = deps.now();
  const quiet = await listQuietConversations(deps.db, new Date(now.getTime() - days * 86_400_000), limit);
  let closed = 0;
  for (const { id, assigneeId } of quiet) {
    const eventId = await changeConversation(deps.db, id, async (tx, conversation) => {
      if (!conversation || !['replied', 'waiting'].includes(conversation.status)) return undefined;
      if (!(await resolveConversation(tx, id, now))) return undefined;
      return {
        event: { type: 'conversation.auto_closed', actor: 'router', at: now, details: { quietDays: days } },
        tell: { homes: [assigneeId] },
      };
    });
    if (eventId !== undefined) closed++;
  }
  return closed;
}

/**
 * Takes the steps that are due, one transaction each, and fires those that
 * still apply: a step is due by its row in PostgreSQL, so a restart loses
 * none, and a step taken twice finds itself settled. Returns what each did.
 */
export async function sweepClockSteps(
  deps: ClockDeps,
  limit = 50,
): Promise<{ fired: number; missed: number; stopped: number }> {
  const counts = { fired: 0, missed: 0, stopped: 0 };
  for (let i = 0; i < limit; i++) {
    const outcome = await deps.db.transaction(async (tx) => {
      const now = deps.now();
      const step = await takeDueStep(tx, now);
      if (!step) return undefined;
      const conversation = await lockConversation(tx, step.conversationId);
      const facts = await readClockFacts(tx, step, now);
      const offered =
        step.step === 'offer' ? await listOffered(tx, step.clockEventId, step.conversationId) : [];
      const stopped = !conversation?.assigneeId
        ? 'nobody holds it'
        : conversation.closedAt || conversation.status !== 'open'
          ? 'answered or closed'
          : facts.newestClock !== step.clockEventId
            ? 'a newer clock replaced it'
            : facts.repliedSince
              ? 'answered'
              : facts.snoozed
                ? 'snoozed'
                : offered.includes(conversation.assigneeId)
                  ? 'claimed by the person it was offered to'
                  : undefined;
      const decided = decideStep({ stopped, dueAt: step.dueAt, nextDueAt: facts.nextDueAt }, now);
      if (decided.fire) await fire(deps, tx, conversation!, step, now);
      else if (decided.outcome === 'missed') await missed(tx, conversation!, step, now);
      await settleStep(tx, step.id, decided.outcome, now);
      return decided.outcome;
    });
    if (!outcome) break;
    counts[outcome]++;
  }
  return counts;
}

async function missed(tx: Tx, conversation: ConversationRow, step: ClockStepRow, now: Date): Promise<void> {
  await commitChange(tx, conversation.id, {
    event: {
      type: 'clock.step',
      actor: 'router',
      at: now,
      details: { step: step.step, outcome: 'missed', dueAt: step.dueAt.toISOString() },
    },
    tell: { card: false, thread: false },
  });
}

/** Does what a due step is for; each is shown in the conversation's thread with its time. */
async function fire(
  deps: ClockDeps,
  tx: Tx,
  conversation: ConversationRow,
  step: ClockStepRow,
  now: Date,
): Promise<void> {
  const assignee = conversation.assigneeId!;
  const dueAt = step.dueAt.toISOString();
  if (step.step === 'remind') {
    await commitChange(tx, conversation.id, {
      event: {
        type: 'clock.step',
        actor: 'router',
        // Dated by the sweep's clock, as the step's due time is: the card shows when it happened.
        at: now,
        details: { step: 'remind', outcome: 'reminded', dueAt, to: assignee },
      },
      tell: { dms: [{ kind: 'reminder', user: assignee }] },
    });
    return;
  }
  if (step.step === 'owner') {
    const owner = await findOwner(tx);
    if (!owner) return;
    await commitChange(tx, conversation.id, {
      event: {
        type: 'clock.step',
        actor: 'router',
        at: now,
        details: { step: 'owner', outcome: 'owner_told', dueAt, to: owner.id },
      },
      tell: { dms: [{ kind: 'overdue', user: owner.id }] },
    });
    return;
  }
  // Offered in turn to the people routing would choose now, each with a claim window; the one who
  // has it can still answer meanwhile.
  const offered = await listOffered(tx, step.clockEventId, conversation.id);
  // The person routing would choose now among everyone else: skills, language, hours, load, team first.
  const again = await decideAgain(tx, deps.policy, conversation, now, [assignee, ...offered]);
  const next = again?.action === 'assign' ? (again.assigneeId ?? undefined) : undefined;
  if (!next) {
    await commitChange(tx, conversation.id, {
      event: {
        type: 'clock.step',
        actor: 'router',
        at: now,
        details: { step: 'offer', outcome: 'nobody_free', dueAt },
      },
      tell: {},
    });
    return;
  }
  await commitChange(tx, conversation.id, {
    event: {
      type: 'clock.step',
      actor: 'router',
      at: now,
      details: { step: 'offer', outcome: 'offered', dueAt, to: next, from: assignee },
    },
    tell: { dms: [{ kind: 'offer', user: next }] },
  });
  const window = deps.policy.file.responseClock.claimWindowMinutes;
  await scheduleOffer(tx, step, new Date(now.getTime() + window * 60_000));
}
