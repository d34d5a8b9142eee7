import type { Database } from '../db/client.js';
import { changeConversation } from '../db/conversation-change.js';
import { lockStaffLoad } from '../db/routing.repository.js';
import { listRosterWithLoad } from '../db/staff.repository.js';
import { assignWaiting, handBack, listCovered, listWaiting } from '../db/waiting.repository.js';
import type { Policy } from './compiled-policy.js';
import { decideAgain } from './decide-again.js';
import { availability } from './eligibility.js';

export interface DrainDeps {
  db: Database;
  now: () => Date;
  policy: Policy;
}

/**
 * The queue does not wait forever: each sweep decides again for every
 * conversation nobody could take, with the team as it is now and the wait so
 * far (skills and languages relax after the policy's wait). Whoever becomes
 * eligible takes it, with a DM and the card redrawn.
 */
export async function assignWaitingConversations(deps: DrainDeps, limit = 50): Promise<number> {
  let assigned = 0;
  for (const waiting of await listWaiting(deps.db, limit)) {
    const changed = await changeConversation(deps.db, waiting.id, async (tx, conversation) => {
      if (!conversation || conversation.assigneeId || conversation.closedAt || !conversation.firstMentionId)
        return undefined;
      const now = deps.now();
      const decision = await decideAgain(tx, deps.policy, conversation, now);
      // Only a plain assignment: an owner-lane mention was escalated when it arrived, never queued.
      if (decision?.action !== 'assign' || !decision.assigneeId) return undefined;
      const load = await lockStaffLoad(tx, decision.assigneeId);
      if (!load || load.openConversations >= load.capacity) return undefined;
      const waitedMinutes = Math.round((now.getTime() - conversation.openedAt.getTime()) / 60_000);
      const reasons = [...decision.reasons, `waited ${waitedMinutes} min in the queue`];
      const taken = await assignWaiting(tx, conversation.id, {
        assigneeId: decision.assigneeId,
        reasons,
        coveringFor: decision.coveringFor,
      });
      if (!taken) return undefined;
      const assigneeId = decision.assigneeId;
      return {
        assignment: { staffId: assigneeId, assignedBy: 'router', reasons },
        event: {
          type: 'conversation.assigned',
          actor: 'router',
          at: now,
          details: { action: 'assign', assigneeId, reasons, fromQueue: true, waitedMinutes },
        },
        // The card's "Why" is the assignment; the thread has no line for it.
        tell: { thread: false, dms: [{ kind: 'assigned', user: assigneeId }], homes: [assigneeId] },
      };
    });
    if (changed !== undefined) assigned++;
  }
  return assigned;
}

/**
 * A colleague covers while the customer's usual contact is away; once that
 * person is back (and has room), the conversation goes back to them with a
 * line in the thread saying so.
 */
export async function handBackCoveredConversations(deps: DrainDeps, limit = 50): Promise<number> {
  const covered = await listCovered(deps.db, limit);
  if (covered.length === 0) return 0;
  const team = new Map((await listRosterWithLoad(deps.db)).map((person) => [person.id, person]));
  let handed = 0;
  for (const conversation of covered) {
    const owner = conversation.coveringFor ? team.get(conversation.coveringFor) : undefined;
    const colleague = conversation.assigneeId;
    if (!owner || !colleague || !availability(owner, deps.now()).ok) continue;
    const changed = await changeConversation(deps.db, conversation.id, async (tx) => {
      const load = await lockStaffLoad(tx, owner.id);
      if (!load || load.openConversations >= load.capacity) return undefined;
      if (!(await handBack(tx, conversation.id, colleague, owner.id))) return undefined;
      const cover = team.get(colleague)?.name ?? colleague;
      owner.openConversations++;
      return {
        assignment: {
          staffId: owner.id,
          assignedBy: 'router',
          reasons: [`back with ${owner.name}, who knows this customer; ${cover} covered meanwhile`],
        },
        event: {
          type: 'conversation.reassigned',
          at: deps.now(),
          actor: 'router',
          details: { assigneeId: owner.id, previousAssigneeId: colleague, reason: 'usual contact is back' },
        },
        tell: { dms: [{ kind: 'reassigned', user: owner.id }], homes: [owner.id, colleague] },
      };
    });
    if (changed !== undefined) handed++;
  }
  return handed;
}
