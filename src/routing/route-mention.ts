import { AppError } from '../contract/errors.js';
import type { Mention } from '../contract/mention.js';
import type { Database, Executor, Tx } from '../db/client.js';
import { commitChange } from '../db/conversation-change.js';
import { type ConversationRow, escalateToOwner, reopenConversation } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { type MentionRow, markRouted, mentionFromRow } from '../db/mentions.repository.js';
import { lockMentionAndOpen, openRoutedConversation, readMentionAndFacts } from '../db/routing.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { compilePolicy, type Policy } from './compiled-policy.js';
import { type Decision, decide, decideFollowUp } from './decide.js';
import { factWindows, loadSnapshot } from './load-snapshot.js';
import { DEFAULT_POLICY_FILE } from './policy.js';
import type { StormWatch } from './storm/storm-watch.js';
import { OWNER_CATEGORY_LABELS } from './understand/categories.js';
import { type Understanding, understand } from './understand/index.js';
import type { TriageVerdict } from './understand/reading-context.js';

export type RouteOutcome =
  | 'assigned'
  | 'escalated'
  | 'queued'
  | 'dropped'
  | 'joined'
  | 'joined_escalated'
  | 'clustered'
  | 'held'
  | 'already_routed';

export interface RouteDeps {
  db: Database;
  now: () => Date;
  /** The routing policy; without one, the defaults (no topics, no triggers, least loaded). */
  policy?: Policy;
  /** The optional model triage (TRIAGE_LLM_URL); it answers undefined when it cannot help in time. */
  triage?: (mention: Mention) => Promise<TriageVerdict | undefined>;
  /** The weather: during a storm, mentions that tell one story are counted in its cluster instead of a card each. */
  storm?: StormWatch;
}

const DEFAULT_POLICY = compilePolicy(DEFAULT_POLICY_FILE);

/** A mention older than this (the recovery sweep's threshold) is routed as it is in a storm, never held. */
const HOLD_ONLY_WITHIN_MS = 120_000;

/** Deciding again on fresh numbers settles a lost race; this many in a row means something else is wrong. */
const MAX_ATTEMPTS = 5;

/**
 * Routes one stored mention. Most mentions open a conversation: the router
 * reads the mention and its facts without locks, decides, and opens the
 * conversation in one checked call, which refuses if another router got
 * there first (the mention routed, the customer's conversation opened, the
 * chosen person full), and then the router reads and decides again. A
 * follow-up joins the customer's open conversation in a transaction that
 * holds both. Either way the mention's card (or thread line) is owed to
 * Slack in the same commit, so a retry after a crash finds the mention
 * routed and has nothing to do.
 */
export async function routeMention(
  deps: RouteDeps,
  mentionId: string,
  options: { held?: boolean } = {},
): Promise<RouteOutcome> {
  const policy = deps.policy ?? DEFAULT_POLICY;
  let triage: Promise<TriageVerdict | undefined> | undefined;
  for (let attempt = 1; ; attempt++) {
    const now = deps.now();
    const read = await readMentionAndFacts(deps.db, mentionId, factWindows(policy, now));
    if (!read) throw new AppError('routing.mention_missing', `mention ${mentionId} is not stored`);
    // Asked once, outside any transaction: a slow model must not hold locks, and a retry reuses its answer.
    if (!read.mention.routedAt && deps.triage)
      triage ??= deps.triage(mentionFromRow(read.mention)).catch(() => undefined);
    const verdict = triage ? await triage : undefined;
    const routed: Routed | Lost = read.mention.routedAt
      ? { outcome: 'already_routed' }
      : read.open
        ? await deps.db.transaction((tx) => joinInTransaction(policy, tx, read, now, verdict))
        : await decideAndOpen(
            policy,
            deps.db,
            read,
            now,
            verdict,
            deps.storm && {
              watch: deps.storm,
              mayHold: !options.held && policy.file.storm.holdSeconds > 0,
            },
          );
    if ('lost' in routed) {
      if (attempt >= MAX_ATTEMPTS)
        throw new AppError(
          'routing.contended',
          `${mentionId}: ${routed.lost} ${attempt} times in a row`,
          true,
        );
      continue;
    }
    return routed.outcome;
  }
}

interface Routed {
  outcome: RouteOutcome;
}
/** Another router changed what the decision was based on: read and decide again. */
interface Lost {
  lost: string;
}

type MentionRead = NonNullable<Awaited<ReturnType<typeof readMentionAndFacts>>>;

/**
 * With the mention and its open conversation locked: join it, or open one if
 * it closed meanwhile. The facts read a moment ago stand; only what the join
 * depends on is read again under the locks.
 */
async function joinInTransaction(
  policy: Policy,
  tx: Tx,
  read: MentionRead,
  now: Date,
  triage: TriageVerdict | undefined,
): Promise<Routed | Lost> {
  const locked = await lockMentionAndOpen(tx, read.mention.id);
  if (!locked) throw new AppError('routing.mention_missing', `mention ${read.mention.id} is not stored`);
  if (locked.mention.routedAt) return { outcome: 'already_routed' };
  if (!locked.open) return decideAndOpen(policy, tx, read, now, triage);
  const row = locked.mention;
  const mention = mentionFromRow(row);
  const readSnapshot = () => loadSnapshot(tx, policy, { ...mention, id: row.id }, now, read.facts);
  return joinOpenConversation(policy, tx, row, mention, locked.open, now, readSnapshot, triage);
}

/** Decides on a mention that opens a conversation, and opens it unless another router got there first. */
async function decideAndOpen(
  policy: Policy,
  db: Executor,
  read: MentionRead,
  now: Date,
  triage: TriageVerdict | undefined,
  storm?: { watch: StormWatch; mayHold: boolean },
): Promise<Routed | Lost> {
  const row = read.mention;
  const mention = mentionFromRow(row);
  const { snapshot, sameTextElsewhere, vouched } = await loadSnapshot(
    db,
    policy,
    { ...mention, id: row.id },
    now,
    read.facts,
  );
  const understanding = understand(mention, policy, {
    sameTextElsewhere,
    vouched,
    ...(triage ? { triage } : {}),
  });
  const decision = decide(mention, understanding, snapshot, policy, now);
  storm?.watch.noteMood(now, understanding.sentiment.label);
  // What would get a card of its own, but may tell a storm's story: not a spam, not a private message,
  // not a customer someone holds (they join their conversation before this). One for the owner is never
  // held (the first of its story is a card at once), and the ones after it take the story to the owner:
  // a thousand cards of one story would bury them.
  const storyTeller = storm && decision.action !== 'drop' && mention.kind !== 'direct_message';
  if (storyTeller) {
    const open = await storm.watch.current();
    const candidate = {
      mentionId: row.id,
      text: mention.text,
      sentiment: understanding.sentiment.label,
      forOwner:
        decision.action === 'escalate' && decision.assigneeId
          ? { ownerId: decision.assigneeId, why: ownerWhy(understanding, decision) }
          : undefined,
    };
    // Held only while fresh: a mention the recovery sweep brings back (unrouted for minutes) is not held again.
    const fresh = now.getTime() - row.receivedAt.getTime() < HOLD_ONLY_WITHIN_MS;
    const placed = open && (await storm.watch.placeOrHold(open, candidate, now, storm.mayHold && fresh));
    if (placed === 'held') return { outcome: 'held' };
    if (placed !== undefined) return { outcome: 'clustered' };
  }

  const values = {
    channel: teamChannel(policy, decision.team),
    network: row.network,
    account: row.account,
    authorId: row.authorId,
    authorHandle: row.authorHandle,
    assigneeId: decision.assigneeId,
    escalated: decision.action === 'escalate',
    openedAt: row.postedAt,
    priority: decision.priority,
    responseTargetMinutes: decision.responseTargetMinutes,
    routingReasons: decision.reasons,
    coveringFor: decision.coveringFor,
    ...(decision.action === 'drop'
      ? { status: 'spam' as const, closedAt: now }
      : { status: 'open' as const, closedAt: null }),
  };
  const routed = {
    mentionId: row.id,
    routedAt: now,
    event: { type: EVENT_TYPE[decision.action], details: decisionDetails(decision, understanding) },
  };
  // One checked call, which also owes the card: a commit never leaves a conversation Slack is not told of.
  const opened = await openRoutedConversation(db, values, routed);
  switch (opened.outcome) {
    case 'opened':
      if (storyTeller) storm.watch.noteAlone(row.id, mention.text);
      return { outcome: OUTCOME[decision.action] };
    case 'routed':
      return { outcome: 'already_routed' };
    case 'full':
      return { lost: `${decision.assigneeId} filled up while routing` };
    case 'open_elsewhere':
      return { lost: 'the customer’s conversation was opened concurrently' };
  }
}

// The Slack card reads its "Why" line from the first conversation.assigned event, escalations included.
const EVENT_TYPE: Record<Decision['action'], string> = {
  assign: 'conversation.assigned',
  escalate: 'conversation.assigned',
  queue: 'conversation.queued',
  drop: 'mention.dropped',
};
const OUTCOME: Record<Decision['action'], RouteOutcome> = {
  assign: 'assigned',
  escalate: 'escalated',
  queue: 'queued',
  drop: 'dropped',
};

// What the router read in the mention travels with the decision, so Slack can show it beside the reasons.
function decisionDetails(decision: Decision, understanding: Understanding): Record<string, unknown> {
  return {
    action: decision.action,
    language: understanding.language.code ?? null,
    sentiment: understanding.sentiment.label,
    intent: understanding.intent.primary,
    assigneeId: decision.assigneeId,
    priority: decision.priority,
    responseTargetMinutes: decision.responseTargetMinutes,
    reasons: decision.reasons,
    ...(decision.coveringFor ? { coveringFor: decision.coveringFor } : {}),
    ...(decision.team ? { team: decision.team } : {}),
  };
}

/** Why a mention is the owner's, in a few words: its first category, or routing's first reason. */
function ownerWhy(understanding: Understanding, decision: Decision): string {
  const signal = understanding.owner[0];
  return signal ? OWNER_CATEGORY_LABELS[signal.category] : (decision.reasons[0] ?? 'for the owner');
}

/** The channel of the team routing chose by, if the policy names one; null: the main channel. */
function teamChannel(policy: Policy, team: string | null): string | null {
  return (team && policy.file.teams[team]?.channel) || null;
}

/**
 * A follow-up joins the open conversation and its assignee; decideFollowUp
 * says whether it must go to the owner instead, and the change is made there
 * and then.
 */
async function joinOpenConversation(
  policy: Policy,
  tx: Tx,
  row: MentionRow,
  mention: Mention,
  open: ConversationRow,
  now: Date,
  readSnapshot: () => ReturnType<typeof loadSnapshot>,
  triage: TriageVerdict | undefined,
): Promise<Routed> {
  await markRouted(tx, row.id, open.id, now);
  await oweSlack(tx, [{ type: 'mention', mentionId: row.id }]);
  // The customer wrote again after our reply: the conversation is open again, with the same person,
  // and its response clock starts over (routing/clock-sweep.ts).
  if (await reopenConversation(tx, open.id)) {
    await commitChange(tx, open.id, {
      event: {
        type: 'conversation.reopened',
        actor: 'router',
        mentionId: row.id,
        at: now,
        details: { reason: 'customer wrote again' },
      },
      tell: {},
    });
  }
  await appendEvent(tx, {
    type: 'conversation.followup',
    actor: 'router',
    conversationId: open.id,
    mentionId: row.id,
    details: { assigneeId: open.assigneeId },
  });
  if (open.escalated) return { outcome: 'joined' };
  const { snapshot, sameTextElsewhere, vouched } = await readSnapshot();
  const understanding = understand(mention, policy, {
    sameTextElsewhere,
    vouched,
    ...(triage ? { triage } : {}),
  });
  const decided = decideFollowUp(mention, understanding, snapshot, policy);
  if (decided.action === 'join' || !(await escalateToOwner(tx, open.id, decided.ownerId))) {
    return { outcome: 'joined' };
  }
  const { ownerId, reasons } = decided;
  // Told as a person's escalation is: the card, a line in its thread, and the owner, once.
  await commitChange(tx, open.id, {
    assignment: { staffId: ownerId, assignedBy: 'router', reasons },
    event: {
      type: 'conversation.escalated',
      at: now,
      actor: 'router',
      mentionId: row.id,
      details: { ownerId, previousAssigneeId: open.assigneeId, reasons },
    },
    tell: { dms: [{ kind: 'escalated', user: ownerId }], homes: [ownerId, open.assigneeId] },
  });
  return { outcome: 'joined_escalated' };
}
