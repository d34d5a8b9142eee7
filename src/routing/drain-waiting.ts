import type { SlackWork } from '../contract/slack-work.js';
import type { Database } from '../db/client.js';
import { lockConversation } from '../db/conversation-changes.repository.js';
import { recordAssignment } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { findMention, mentionFromRow } from '../db/mentions.repository.js';
import { lockStaffLoad } from '../db/routing.repository.js';
import { oweSlack } from '../db/slack-outbox.repository.js';
import { listRosterWithLoad } from '../db/staff.repository.js';
import { assignWaiting, handBack, listCovered, listWaiting } from '../db/waiting.repository.js';
import type { Policy } from './compiled-policy.js';
import { decide } from './decide.js';
import { availability } from './eligibility.js';
import { loadSnapshot } from './load-snapshot.js';
import { understand } from './understand/index.js';

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
    const changed = await deps.db.transaction(async (tx): Promise<boolean> => {
      const conversation = await lockConversation(tx, waiting.id);
      if (!conversation || conversation.assigneeId || conversation.closedAt || !conversation.firstMentionId)
        return false;
      const row = await findMention(tx, conversation.firstMentionId);
      if (!row) return false;
      const mention = mentionFromRow(row);
      const now = deps.now();
      const { snapshot, sameTextElsewhere, vouched } = await loadSnapshot(
        tx,
        deps.policy,
        { ...mention, id: row.id },
        now,
      );
      const decision = decide(
        mention,
        understand(mention, deps.policy, { sameTextElsewhere, vouched }),
        snapshot,
        deps.policy,
        now,
      );
      // Only a plain assignment: an owner-lane mention was escalated when it arrived, never queued.
      if (decision.action !== 'assign' || !decision.assigneeId) return false;
      const load = await lockStaffLoad(tx, decision.assigneeId);
      if (!load || load.openConversations >= load.capacity) return false;
      const waitedMinutes = Math.round((now.getTime() - conversation.openedAt.getTime()) / 60_000);
      const reasons = [...decision.reasons, `waited ${waitedMinutes} min in the queue`];
      const taken = await assignWaiting(tx, conversation.id, {
        assigneeId: decision.assigneeId,
        reasons,
        coveringFor: decision.coveringFor,
      });
      if (!taken) return false;
      await recordAssignment(tx, {
        conversationId: conversation.id,
        staffId: decision.assigneeId,
        assignedBy: 'router',
        reasons,
      });
      const event = await appendEvent(tx, {
        type: 'conversation.assigned',
        actor: 'router',
        conversationId: conversation.id,
        details: {
          action: 'assign',
          assigneeId: decision.assigneeId,
          reasons,
          fromQueue: true,
          waitedMinutes,
        },
      });
      const jobs: SlackWork[] = [
        { type: 'refresh', conversationId: conversation.id, eventId: event.id },
        {
          type: 'dm',
          kind: 'assigned',
          user: decision.assigneeId,
          conversationId: conversation.id,
          eventId: event.id,
        },
        { type: 'home', user: decision.assigneeId },
      ];
      await oweSlack(tx, jobs);
      return true;
    });
    if (changed) assigned++;
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
    const changed = await deps.db.transaction(async (tx): Promise<boolean> => {
      const load = await lockStaffLoad(tx, owner.id);
      if (!load || load.openConversations >= load.capacity) return false;
      if (!(await handBack(tx, conversation.id, colleague, owner.id))) return false;
      const cover = team.get(colleague)?.name ?? colleague;
      const reasons = [`back with ${owner.name}, who knows this customer; ${cover} covered meanwhile`];
      await recordAssignment(tx, {
        conversationId: conversation.id,
        staffId: owner.id,
        assignedBy: 'router',
        reasons,
      });
      const event = await appendEvent(tx, {
        type: 'conversation.reassigned',
        actor: 'router',
        conversationId: conversation.id,
        details: { assigneeId: owner.id, previousAssigneeId: colleague, reason: 'usual contact is back' },
      });
      owner.openConversations++;
      const jobs: SlackWork[] = [
        { type: 'refresh', conversationId: conversation.id, eventId: event.id },
        { type: 'log', conversationId: conversation.id, eventId: event.id },
        {
          type: 'dm',
          kind: 'reassigned',
          user: owner.id,
          conversationId: conversation.id,
          eventId: event.id,
        },
        { type: 'home', user: owner.id },
        { type: 'home', user: colleague },
      ];
      await oweSlack(tx, jobs);
      return true;
    });
    if (changed) handed++;
  }
  return handed;
}
