import { AppError } from '../contract/errors.js';
import type { Network } from '../contract/mention.js';
import type { SlackWork } from '../contract/slack-work.js';
import type { Tx } from '../db/client.js';
import {
  attachMention,
  batchKey,
  batchOf,
  batchReplyKey,
  findOrOpenConversation,
  listLatestMembers,
  listReplyCandidates,
  lockCluster,
  markClusterSpam,
  setClusterAssignee,
  splitMember,
} from '../db/cluster-actions.repository.js';
import { loadClusterView } from '../db/cluster-view.repository.js';
import { commitChange } from '../db/conversation-change.js';
import { appendEvent } from '../db/events.repository.js';
import { createReply } from '../db/replies.repository.js';
import { type Owed, oweSlack } from '../db/slack-owed.repository.js';
import { findRosterMember, type StaffRow } from '../db/staff.repository.js';
import type { ClusterRow } from '../db/storms.repository.js';
import { checkReply, textLimitFor } from '../network/text-limits.js';
import { enqueueReply, enqueueReroute } from '../queue/queues.js';
import { clusterReplyModal, clusterSplitModal } from './cluster-modals.js';
import { type ActionDeps, type Outcome, requireRosterMember } from './conversation-actions.js';

/**
 * The use cases behind a storm cluster's message: assign it, answer every
 * member at once, split one off, file it all as spam. Each locks the
 * cluster, checks it is still open, changes it conditionally and owes the
 * cluster's message its update in the same transaction; a double click
 * finds nothing to do.
 */

function requireOpen(cluster: ClusterRow | undefined): ClusterRow {
  if (!cluster) throw new AppError('cluster.not_found', 'That story no longer exists.');
  if (cluster.status === 'spam')
    throw new AppError('cluster.closed', 'This story is already marked as spam, so there is nothing to do.');
  if (cluster.status === 'merged')
    throw new AppError(
      'cluster.merged',
      'This story turned out to be another one told differently: act on that one’s message in the storm thread.',
    );
  return cluster;
}

/** Once someone holds the story, only they or the owner answer or hand it on. */
function requireMayHandle(actor: StaffRow, cluster: ClusterRow, doing: string): void {
  if (!cluster.assigneeId || cluster.assigneeId === actor.id || actor.role === 'owner') return;
  throw new AppError(
    'rights.not_assignee',
    `This story is <@${cluster.assigneeId}>'s: only they or the owner can ${doing} it.`,
  );
}

const clusterUpdate = (clusterId: number, eventId: number): Owed => ({
  work: { type: 'cluster', clusterId },
  key: `k-${clusterId}-a${eventId}`,
});

/** Runs one change of a cluster for a person on the roster, in one transaction. */
function changeCluster<T>(
  deps: ActionDeps,
  actorId: string,
  clusterId: number,
  run: (tx: Tx, actor: StaffRow, cluster: ClusterRow) => Promise<T>,
): Promise<T> {
  return deps.db.transaction(async (tx) => {
    const actor = await requireRosterMember(tx, actorId);
    return run(tx, actor, requireOpen(await lockCluster(tx, clusterId)));
  });
}

export function assignCluster(
  deps: ActionDeps,
  input: { actorId: string; clusterId: number; assigneeId: string; channel: string | undefined },
): Promise<Outcome> {
  return changeCluster(deps, input.actorId, input.clusterId, async (tx, actor, cluster) => {
    const target = await findRosterMember(tx, input.assigneeId);
    if (!target)
      throw new AppError(
        'rights.target_not_on_roster',
        `<@${input.assigneeId}> is not on the Firsthand roster, so they can't take a story. Pick someone on the team.`,
      );
    if (cluster.assigneeId === target.id) return { changed: false };
    requireMayHandle(actor, cluster, 'hand on');
    if (!(await setClusterAssignee(tx, cluster.id, target.id))) return { changed: false };
    const { id: eventId } = await appendEvent(tx, {
      type: 'cluster.assigned',
      actor: actor.id,
      conversationId: null,
      at: deps.now(),
      details: { stormId: cluster.stormId, clusterId: cluster.id, assigneeId: target.id },
    });
    const told: SlackWork[] = input.channel
      ? [
          {
            type: 'ephemeral',
            channel: input.channel,
            user: actor.id,
            text: `This story is now <@${target.id}>'s: they answer its mentions, with *Reply to all* or one by one.`,
          },
        ]
      : [];
    // Whoever it was given to hears of it, unless they took it themselves.
    const given: SlackWork[] =
      target.id === actor.id
        ? []
        : [{ type: 'cluster_dm', user: target.id, by: actor.id, clusterId: cluster.id, eventId }];
    await oweSlack(tx, [clusterUpdate(cluster.id, eventId), ...told, ...given]);
    return { changed: true };
  });
}

export function markClusterAsSpam(deps: ActionDeps, actorId: string, clusterId: number): Promise<Outcome> {
  return deps.db.transaction(async (tx) => {
    const actor = await requireRosterMember(tx, actorId);
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster) throw new AppError('cluster.not_found', 'That story no longer exists.');
    if (cluster.status === 'spam') return { changed: false };
    requireOpen(cluster);
    if (!(await markClusterSpam(tx, cluster.id))) return { changed: false };
    const { id: eventId } = await appendEvent(tx, {
      type: 'cluster.spam',
      actor: actor.id,
      conversationId: null,
      at: deps.now(),
      details: { stormId: cluster.stormId, clusterId: cluster.id },
    });
    await oweSlack(tx, [clusterUpdate(cluster.id, eventId)]);
    return { changed: true };
  });
}

/** The split form's choices, if this person may split this story. */
export async function prepareSplit(deps: ActionDeps, actorId: string, clusterId: number) {
  const members = await changeCluster(deps, actorId, clusterId, (tx, _actor, cluster) =>
    listLatestMembers(tx, cluster.id, 100),
  );
  if (members.length === 0)
    throw new AppError('cluster.empty', 'No mention is left in this story to split off.');
  return clusterSplitModal({ clusterId, members });
}

/**
 * One member leaves the story: no longer counted, unrouted, and routed again
 * on its own (the router opens its conversation and card). The job is added
 * after the commit, under an id of its own; if that add is lost, the
 * stalled-mentions sweep finds it unrouted.
 */
export async function splitOff(
  deps: ActionDeps,
  input: { actorId: string; clusterId: number; mentionId: string },
): Promise<Outcome> {
  const eventId = await changeCluster(deps, input.actorId, input.clusterId, async (tx, actor, cluster) => {
    if (!(await splitMember(tx, cluster.id, input.mentionId, deps.now()))) return undefined;
    const { id } = await appendEvent(tx, {
      type: 'cluster.split',
      actor: actor.id,
      conversationId: null,
      at: deps.now(),
      mentionId: input.mentionId,
      details: { stormId: cluster.stormId, clusterId: cluster.id, mentionId: input.mentionId },
    });
    await oweSlack(tx, [clusterUpdate(cluster.id, id)]);
    return id;
  });
  if (eventId === undefined) return { changed: false };
  await enqueueReroute(deps.queues, input.mentionId, eventId);
  return { changed: true };
}

/** The reply-to-all form, if this person may answer this story. */
export async function prepareClusterReply(deps: ActionDeps, actorId: string, clusterId: number) {
  await changeCluster(deps, actorId, clusterId, async (_tx, actor, cluster) =>
    requireMayHandle(actor, cluster, 'answer'),
  );
  const view = await loadClusterView(deps.db, clusterId);
  if (!view || view.count === 0)
    throw new AppError('cluster.empty', 'No mention is left in this story to answer.');
  return clusterReplyModal({
    clusterId,
    count: view.count,
    networks: view.networks.map((n) => ({ ...n, limit: textLimitFor(n.network as Network) })),
  });
}

export interface ClusterReplyOutcome {
  batch: string;
  queued: number;
  notSent: number;
}

/**
 * Answers every member still counted in the story and not yet answered, with
 * one text, checked against each member's network: for each, the customer's
 * open conversation (or a new one held by the writer) takes the member, and a
 * reply keyed by the submission and the member is stored, all in one
 * transaction; the jobs are queued after it commits. A resubmission of the
 * same form stores nothing new and queues again only what is still queued,
 * so a lost queue add is made good and nothing is posted twice.
 */
export async function submitClusterReply(
  deps: ActionDeps,
  input: { actorId: string; clusterId: number; submissionKey: string; text: string },
): Promise<ClusterReplyOutcome> {
  const batch = batchOf(input.clusterId, input.submissionKey);
  const { queued, notSent } = await changeCluster(
    deps,
    input.actorId,
    input.clusterId,
    async (tx, actor, cluster) => {
      requireMayHandle(actor, cluster, 'answer');
      const candidates = await listReplyCandidates(tx, cluster.id, batch);
      const toQueue: string[] = [];
      const left: { network: string; handle: string; reason: string }[] = [];
      const firstRefusal: string[] = [];
      let created = 0;
      for (const member of candidates) {
        if (member.batchReplyId) {
          if (member.batchReplyStatus === 'queued') toQueue.push(member.batchReplyId);
          continue;
        }
        if (member.answered) continue;
        const check = checkReply(member.network as Network, member.handle, input.text);
        if (!check.ok) {
          left.push({ network: member.network, handle: member.handle, reason: check.message });
          firstRefusal.push(check.message);
          continue;
        }
        const conversationId = await conversationFor(tx, actor.id, member, deps.now());
        const stored = await createReply(tx, {
          conversationId,
          mentionId: member.mentionId,
          staffId: actor.id,
          submissionKey: batchReplyKey(batch, member.mentionId),
          text: check.text,
        });
        if (stored.created) {
          created += 1;
          await appendEvent(tx, {
            type: 'reply.requested',
            actor: actor.id,
            at: deps.now(),
            conversationId,
            mentionId: member.mentionId,
            details: { replyId: stored.row.id },
          });
        }
        if (stored.row.status === 'queued') toQueue.push(stored.row.id);
      }
      const resubmitted = candidates.some((m) => m.batchReplyId);
      if (created === 0 && !resubmitted) {
        // Nothing would go out: say why on the form rather than post empty results.
        throw new AppError(
          'reply.invalid',
          firstRefusal[0] ?? 'Everyone in this story has been answered already.',
        );
      }
      if (created > 0) {
        const { id: eventId } = await appendEvent(tx, {
          type: 'cluster.replied',
          actor: actor.id,
          conversationId: null,
          at: deps.now(),
          details: { stormId: cluster.stormId, clusterId: cluster.id, replies: created },
        });
        await oweSlack(tx, [
          clusterUpdate(cluster.id, eventId),
          {
            work: {
              type: 'cluster_replies',
              clusterId: cluster.id,
              batch,
              ...(left.length > 0 ? { notSent: left.slice(0, 500) } : {}),
            },
            key: batchKey(batch),
          },
        ]);
      }
      return { queued: toQueue, notSent: left.length };
    },
  );
  for (const replyId of queued) await enqueueReply(deps.queues, replyId);
  return { batch, queued: queued.length, notSent };
}

/**
 * The member's conversation: the customer's open one (the member becomes a
 * line in its thread), or a new one the writer holds, opened by the member
 * and closed as answered by the story (no card: the story's message shows it).
 */
async function conversationFor(
  tx: Tx,
  actorId: string,
  member: Awaited<ReturnType<typeof listReplyCandidates>>[number],
  at: Date,
): Promise<string> {
  const reasons = [`answered from a storm story by <@${actorId}>`];
  const conversation = await findOrOpenConversation(tx, member, actorId, reasons, at);
  await attachMention(tx, member.mentionId, conversation.id, !conversation.opened);
  if (conversation.opened) {
    // Held by whoever answered: the writer took it by answering, as a claim would.
    await commitChange(tx, conversation.id, {
      assignment: { staffId: actorId, assignedBy: actorId, reasons },
      event: {
        type: 'conversation.claimed',
        actor: actorId,
        at,
        mentionId: member.mentionId,
        details: { assigneeId: actorId, previousAssigneeId: null },
      },
      tell: { card: false, thread: false },
    });
    return conversation.id;
  }
  await oweSlack(tx, [{ work: { type: 'mention', mentionId: member.mentionId } }]);
  return conversation.id;
}
