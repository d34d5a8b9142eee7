import type { Mention } from '../contract/mention.js';
import { linkedIdentities, type Policy } from './compiled-policy.js';
import { type Decision, decide } from './decide.js';
import { availability } from './eligibility.js';
import { escalationReasons } from './escalation.js';
import { identityKey } from './identity.js';
import { plural } from './reasons.js';
import type { ContactSnapshot, RoutingSnapshot, StaffSnapshot } from './snapshot.js';
import { understand } from './understand/index.js';

export interface SimulatedDecision {
  externalId: string;
  network: string;
  action: Decision['action'];
  assignee: string | null;
  priority: Decision['priority'];
  reasons: string[];
}

/** A conversation that waited in the queue until the sweep found someone for it. */
export interface SimulatedPickup {
  /** The conversation's first mention. */
  externalId: string;
  network: string;
  assignee: string;
  waitedMinutes: number;
  reasons: string[];
}

export interface SimulatorOptions {
  /** Minutes from assignment to the answer that closes a conversation, unless its mentions say when they were answered. */
  handleMinutes?: number;
  /** How often the queue is looked at again while working hours change who is on shift. */
  sweepMinutes?: number;
}

interface Conversation {
  key: string;
  first: Mention;
  openedAt: number;
  assigneeId: string | null;
  escalated: boolean;
  /** When the assignee has answered and the conversation closes; null while nobody has it. */
  closesAt: number | null;
  /** How long answering takes once someone has it. */
  handlingMs: number;
  /** Why it was queued when it arrived, for the summary. */
  queueReasons: string[];
  /** Who was available, and which waits had passed, when the sweep last decided again. */
  lastLook: string;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * The router in memory, for dry runs: the same understand() and decide() as
 * the worker, with load, relationships, open conversations and complaint
 * counts kept as the worker keeps them in the database. Time moves with the
 * mentions, so they must come in time order: a conversation closes once its
 * assignee has answered (after the handling time, or when the history says
 * it was answered), which frees their capacity, and the queue is swept again
 * whenever who could take it may have changed, as the worker's sweep does.
 */
export class Simulator {
  private readonly staff: StaffSnapshot[];
  private readonly open = new Map<string, Conversation>();
  private readonly history: (ContactSnapshot & { identity: string })[] = [];
  private readonly complaints: { identity: string; at: number; externalId: string }[] = [];
  private readonly texts: { text: string; authorId: string; at: number }[] = [];
  private readonly taken = new Map<string, number>();
  private readonly handleMs: number;
  private readonly sweepMs: number;
  /** Only working hours change availability between events; without them the sweep needs no clock ticks. */
  private readonly shifts: boolean;
  private clock = Number.NEGATIVE_INFINITY;
  private queued = 0;
  readonly decisions: SimulatedDecision[] = [];
  readonly pickups: SimulatedPickup[] = [];

  constructor(
    staff: StaffSnapshot[],
    private readonly policy: Policy,
    options: SimulatorOptions = {},
  ) {
    this.staff = staff.map((p) => ({ ...p }));
    this.handleMs = (options.handleMinutes ?? 60) * MINUTE;
    this.sweepMs = (options.sweepMinutes ?? 5) * MINUTE;
    this.shifts = staff.some((p) => p.workingHours !== null);
  }

  /** Routes one mention at `now`; `repliedAt`, when the history has it, is when the business answered it. */
  route(mention: Mention, now: Date, repliedAt?: Date): SimulatedDecision {
    const at = now.getTime();
    this.advanceTo(at);
    const handlingMs = repliedAt
      ? Math.max(0, repliedAt.getTime() - Date.parse(mention.createdAt))
      : this.handleMs;
    const identities = linkedIdentities(this.policy, mention.network, mention.author.handle);
    const conversationKey = `${mention.network}\u0000${mention.author.id}`;
    const u = understand(mention, this.policy, { sameTextElsewhere: this.sameTextElsewhere(mention, at) });
    const snapshot = this.snapshotFor(identities, at, mention.externalId);
    this.texts.push({ text: mention.text, authorId: mention.author.id, at });
    if (u.intent.all.includes('complaint')) {
      this.complaints.push({ identity: identities[0]!, at, externalId: mention.externalId });
    }

    const open = this.open.get(conversationKey);
    if (open) {
      return this.record(mention, this.followUp(mention, open, u, snapshot, identities, at, handlingMs));
    }

    const decision = decide(mention, u, snapshot, this.policy, now);
    if (decision.action !== 'drop') {
      const conversation: Conversation = {
        key: conversationKey,
        first: mention,
        openedAt: at,
        assigneeId: null,
        escalated: decision.action === 'escalate',
        closesAt: null,
        handlingMs,
        queueReasons: decision.reasons,
        lastLook: '',
      };
      this.open.set(conversationKey, conversation);
      if (decision.assigneeId) this.take(conversation, decision.assigneeId, at);
      else {
        this.queued++;
        conversation.lastLook = this.look(conversation, at, this.staffKey(at));
      }
    }
    return this.record(mention, {
      action: decision.action,
      assignee: decision.assigneeId,
      priority: decision.priority,
      reasons: decision.reasons,
    });
  }

  /** As the worker does: a follow-up joins its conversation, and escalates it if it must. */
  private followUp(
    mention: Mention,
    open: Conversation,
    u: ReturnType<typeof understand>,
    snapshot: RoutingSnapshot,
    identities: string[],
    at: number,
    handlingMs: number,
  ): Omit<SimulatedDecision, 'externalId' | 'network'> {
    // The conversation closes once the last of its mentions is answered.
    if (open.closesAt === null) open.handlingMs = Math.max(open.handlingMs, handlingMs);
    else open.closesAt = Math.max(open.closesAt, at + handlingMs);
    const owner = this.staff.find((p) => p.role === 'owner');
    const reasons = open.escalated ? [] : escalationReasons(this.policy, mention, u, snapshot, identities);
    if (reasons.length > 0 && owner && u.spam.likelihood < this.policy.file.spam.dropAt) {
      if (open.assigneeId) this.loadOf(open.assigneeId, -1);
      this.loadOf(owner.id, +1);
      open.assigneeId = owner.id;
      open.escalated = true;
      open.closesAt ??= at + open.handlingMs;
      return {
        action: 'escalate',
        assignee: owner.id,
        priority: this.policy.file.escalation.priority,
        reasons,
      };
    }
    return {
      action: open.escalated ? 'escalate' : open.assigneeId ? 'assign' : 'queue',
      assignee: open.assigneeId,
      priority: 'normal',
      reasons: [`follow-up in @${open.first.author.handle.replace(/^@/, '')}'s open conversation`],
    };
  }

  /**
   * Runs the clock forward to `to`: at each moment something can change, answered conversations
   * close and the queue is swept. Events are strictly after the clock, or closings already due,
   * so the loop ends.
   */
  private advanceTo(to: number): void {
    for (let t = this.nextEvent(); t <= to; t = this.nextEvent()) {
      const due = [...this.open.values()]
        .filter((c) => c.closesAt !== null && c.closesAt <= t)
        .sort((a, b) => a.closesAt! - b.closesAt!);
      for (const conversation of due) this.close(conversation);
      this.clock = Math.max(this.clock, t);
      this.sweep(t);
    }
    this.clock = Math.max(this.clock, to);
  }

  private nextEvent(): number {
    let next = Number.POSITIVE_INFINITY;
    const routing = this.policy.file.routing;
    for (const c of this.open.values()) {
      if (c.closesAt !== null) {
        next = Math.min(next, c.closesAt);
        continue;
      }
      // A long enough wait lets anyone take it without the skills or the language: a change of its own.
      for (const minutes of [routing.relaxSkillsAfterMinutes, routing.relaxLanguageAfterMinutes]) {
        const relaxAt = minutes === undefined ? undefined : Date.parse(c.first.createdAt) + minutes * MINUTE;
        if (relaxAt !== undefined && relaxAt > this.clock) next = Math.min(next, relaxAt);
      }
      if (this.shifts) next = Math.min(next, (Math.floor(this.clock / this.sweepMs) + 1) * this.sweepMs);
    }
    return next;
  }

  /**
   * The worker's queue sweep: oldest first, decide again with the team as it is now, and take
   * only a plain assignment (an owner-lane mention was escalated when it arrived, never queued).
   */
  private sweep(t: number): void {
    const now = new Date(t);
    let staffKey = this.staffKey(t);
    for (const conversation of this.open.values()) {
      if (conversation.assigneeId !== null) continue;
      const look = this.look(conversation, t, staffKey);
      // Nothing decide() reads has changed since the last try, so the answer would be the same.
      if (look === conversation.lastLook) continue;
      conversation.lastLook = look;
      const mention = conversation.first;
      const identities = linkedIdentities(this.policy, mention.network, mention.author.handle);
      const u = understand(mention, this.policy, { sameTextElsewhere: this.sameTextElsewhere(mention, t) });
      const decision = decide(
        mention,
        u,
        this.snapshotFor(identities, t, mention.externalId),
        this.policy,
        now,
      );
      if (decision.action !== 'assign' || !decision.assigneeId) continue;
      this.take(conversation, decision.assigneeId, t);
      const waitedMinutes = Math.round((t - conversation.openedAt) / MINUTE);
      this.pickups.push({
        externalId: mention.externalId,
        network: mention.network,
        assignee: decision.assigneeId,
        waitedMinutes,
        reasons: [...decision.reasons, `waited ${waitedMinutes} min in the queue`],
      });
      staffKey = this.staffKey(t);
    }
  }

  /** Who can take new work at `t`: the only thing about the team that can turn a queue into an assignment. */
  private staffKey(t: number): string {
    const now = new Date(t);
    return this.staff.map((p) => (availability(p, now).ok ? '1' : '0')).join('');
  }

  private look(conversation: Conversation, t: number, staffKey: string): string {
    const waited = t - Date.parse(conversation.first.createdAt);
    const routing = this.policy.file.routing;
    const passed = [routing.relaxSkillsAfterMinutes, routing.relaxLanguageAfterMinutes].map((minutes) =>
      minutes !== undefined && waited >= minutes * MINUTE ? '1' : '0',
    );
    return `${staffKey}:${passed.join('')}`;
  }

  private take(conversation: Conversation, staffId: string, at: number): void {
    const { network, author } = conversation.first;
    this.loadOf(staffId, +1);
    conversation.assigneeId = staffId;
    conversation.closesAt = at + conversation.handlingMs;
    this.history.push({
      identity: identityKey(network, author.handle),
      staffId,
      network,
      handle: author.handle.replace(/^@/, ''),
      at: new Date(at),
      replied: false,
    });
  }

  /** Answered: the assignee's load goes down, and their reply counts as a contact, as a posted reply does. */
  private close(conversation: Conversation): void {
    const { network, author } = conversation.first;
    if (conversation.assigneeId) {
      this.loadOf(conversation.assigneeId, -1);
      this.history.push({
        identity: identityKey(network, author.handle),
        staffId: conversation.assigneeId,
        network,
        handle: author.handle.replace(/^@/, ''),
        at: new Date(conversation.closesAt!),
        replied: true,
      });
    }
    this.open.delete(conversation.key);
  }

  private snapshotFor(identities: string[], at: number, externalId: string): RoutingSnapshot {
    const repeat = this.policy.file.escalation.repeatComplaints;
    const recentComplaints = repeat
      ? this.complaints.filter(
          (c) =>
            c.externalId !== externalId &&
            identities.includes(c.identity) &&
            at - c.at <= repeat.withinDays * DAY,
        ).length
      : 0;
    const since = at - this.policy.file.routing.relationshipDays * DAY;
    return {
      staff: this.staff,
      history: this.history.filter(
        (h) => identities.includes(h.identity) && h.at.getTime() >= since && h.at.getTime() <= at,
      ),
      recentComplaints,
    };
  }

  /** Short texts ("thanks!") repeat innocently; only longer ones copied by other authors are a campaign. */
  private sameTextElsewhere(mention: Mention, at: number): number {
    if (mention.text.length < 20) return 0;
    return new Set(
      this.texts
        .filter((t) => t.text === mention.text && t.authorId !== mention.author.id && at - t.at <= DAY)
        .map((t) => t.authorId),
    ).size;
  }

  private loadOf(staffId: string, change: number): void {
    const person = this.staff.find((p) => p.id === staffId);
    if (person) person.openConversations += change;
    if (change > 0) this.taken.set(staffId, (this.taken.get(staffId) ?? 0) + change);
  }

  private record(mention: Mention, d: Omit<SimulatedDecision, 'externalId' | 'network'>): SimulatedDecision {
    const decision = { externalId: mention.externalId, network: mention.network, ...d };
    this.decisions.push(decision);
    return decision;
  }

  /** Conversations nobody has taken yet, oldest first. */
  stillWaiting(): { externalId: string; network: string; waitedMinutes: number; reasons: string[] }[] {
    return [...this.open.values()]
      .filter((c) => c.assigneeId === null)
      .map((c) => ({
        externalId: c.first.externalId,
        network: c.first.network,
        waitedMinutes: Math.round((this.clock - c.openedAt) / MINUTE),
        reasons: c.queueReasons,
      }));
  }

  /** The numbers an owner checks before switching a policy on. */
  summary(): string {
    const lines: string[] = [];
    const count = (action: string) => this.decisions.filter((d) => d.action === action).length;
    lines.push(
      `${this.decisions.length} mentions: ${count('assign')} assigned, ${count('escalate')} escalated, ${count('drop')} dropped, ${count('queue')} queued on arrival`,
    );
    const waiting = this.stillWaiting();
    const waits = this.pickups.map((p) => p.waitedMinutes);
    lines.push(
      `Queue: ${plural(this.queued, 'conversation')} waited for someone; ${this.pickups.length} taken later` +
        (waits.length > 0 ? ` (median wait ${median(waits)} min, longest ${Math.max(...waits)} min)` : '') +
        `; ${waiting.length} still waiting at the end`,
    );
    lines.push('Conversations per person (taken in all; open at the end):');
    for (const p of [...this.staff].sort(
      (a, b) => (this.taken.get(b.id) ?? 0) - (this.taken.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1),
    )) {
      lines.push(
        `  ${p.name} (${p.id}${p.role === 'owner' ? ', owner' : ''}): ${this.taken.get(p.id) ?? 0} taken; ${p.openConversations} of ${p.capacity} open`,
      );
    }
    const escalations = new Map<string, number>();
    for (const d of this.decisions.filter(
      (x) => x.action === 'escalate' && !x.reasons[0]?.startsWith('follow-up'),
    )) {
      const reason = (d.reasons[0] ?? 'unknown').replace(/ \(.*$/, '').replace(/:.*$/, '');
      escalations.set(reason, (escalations.get(reason) ?? 0) + 1);
    }
    lines.push('Escalations by reason:');
    for (const [reason, n] of [...escalations].sort((a, b) => b[1] - a[1])) lines.push(`  ${reason}: ${n}`);
    lines.push('Drops:');
    for (const d of this.decisions.filter((x) => x.action === 'drop')) {
      lines.push(`  ${d.network} ${d.externalId}: ${d.reasons.join('; ')}`);
    }
    lines.push('Nobody could take by the end:');
    for (const w of waiting) {
      lines.push(
        `  ${w.network} ${w.externalId} (waited ${w.waitedMinutes} min): ${w.reasons.slice(1).join('; ')}`,
      );
    }
    return lines.join('\n');
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}
