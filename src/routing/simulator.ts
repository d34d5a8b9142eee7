import type { Mention } from '../contract/mention.js';
import { linkedIdentities, type Policy } from './compiled-policy.js';
import { type Decision, decide } from './decide.js';
import { escalationReasons } from './escalation.js';
import { identityKey } from './identity.js';
import type { ContactSnapshot, StaffSnapshot } from './snapshot.js';
import { understand } from './understand/index.js';

export interface SimulatedDecision {
  externalId: string;
  network: string;
  action: Decision['action'];
  assignee: string | null;
  priority: Decision['priority'];
  reasons: string[];
}

interface OpenConversation {
  assigneeId: string | null;
  escalated: boolean;
  handle: string;
}

const DAY = 86_400_000;

/**
 * The router in memory, for dry runs: the same understand() and decide() as
 * the worker, with load, relationships, open conversations and complaint
 * counts kept as the worker keeps them in the database. Conversations are
 * never answered here, so they stay open and load only grows.
 */
export class Simulator {
  private readonly staff: StaffSnapshot[];
  private readonly open = new Map<string, OpenConversation>();
  private readonly history: (ContactSnapshot & { identity: string })[] = [];
  private readonly complaints: { identity: string; at: number }[] = [];
  private readonly texts: { text: string; authorId: string; at: number }[] = [];
  readonly decisions: SimulatedDecision[] = [];

  constructor(
    staff: StaffSnapshot[],
    private readonly policy: Policy,
  ) {
    this.staff = staff.map((p) => ({ ...p }));
  }

  route(mention: Mention, now: Date): SimulatedDecision {
    const identities = linkedIdentities(this.policy, mention.network, mention.author.handle);
    const conversationKey = `${mention.network}\u0000${mention.author.id}`;
    const at = now.getTime();
    const sameTextElsewhere =
      mention.text.length >= 20
        ? new Set(
            this.texts
              .filter((t) => t.text === mention.text && t.authorId !== mention.author.id && at - t.at <= DAY)
              .map((t) => t.authorId),
          ).size
        : 0;
    const u = understand(mention, this.policy, { sameTextElsewhere });
    const repeat = this.policy.file.escalation.repeatComplaints;
    const recentComplaints = repeat
      ? this.complaints.filter((c) => identities.includes(c.identity) && at - c.at <= repeat.withinDays * DAY)
          .length
      : 0;
    const since = at - this.policy.file.routing.relationshipDays * DAY;
    const snapshot = {
      staff: this.staff,
      history: this.history.filter((h) => identities.includes(h.identity) && h.at.getTime() >= since),
      recentComplaints,
    };
    this.texts.push({ text: mention.text, authorId: mention.author.id, at });
    if (u.intent.all.includes('complaint')) this.complaints.push({ identity: identities[0]!, at });

    const open = this.open.get(conversationKey);
    if (open) return this.record(mention, this.followUp(mention, open, u, snapshot, identities));

    const decision = decide(mention, u, snapshot, this.policy, now);
    if (decision.action !== 'drop') {
      this.open.set(conversationKey, {
        assigneeId: decision.assigneeId,
        escalated: decision.action === 'escalate',
        handle: mention.author.handle,
      });
    }
    if (decision.assigneeId) {
      this.loadOf(decision.assigneeId, +1);
      this.history.push({
        identity: identityKey(mention.network, mention.author.handle),
        staffId: decision.assigneeId,
        network: mention.network,
        handle: mention.author.handle.replace(/^@/, ''),
        at: now,
        replied: false,
      });
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
    open: OpenConversation,
    u: ReturnType<typeof understand>,
    snapshot: Parameters<typeof escalationReasons>[3],
    identities: string[],
  ): Omit<SimulatedDecision, 'externalId' | 'network'> {
    const owner = this.staff.find((p) => p.role === 'owner');
    const reasons = open.escalated ? [] : escalationReasons(this.policy, mention, u, snapshot, identities);
    if (reasons.length > 0 && owner && u.spam.likelihood < this.policy.file.spam.dropAt) {
      if (open.assigneeId) this.loadOf(open.assigneeId, -1);
      this.loadOf(owner.id, +1);
      open.assigneeId = owner.id;
      open.escalated = true;
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
      reasons: [`follow-up in @${open.handle.replace(/^@/, '')}'s open conversation`],
    };
  }

  private loadOf(staffId: string, change: number): void {
    const person = this.staff.find((p) => p.id === staffId);
    if (person) person.openConversations += change;
  }

  private record(mention: Mention, d: Omit<SimulatedDecision, 'externalId' | 'network'>): SimulatedDecision {
    const decision = { externalId: mention.externalId, network: mention.network, ...d };
    this.decisions.push(decision);
    return decision;
  }

  /** The numbers an owner checks before switching a policy on. */
  summary(): string {
    const lines: string[] = [];
    const count = (action: string) => this.decisions.filter((d) => d.action === action).length;
    lines.push(
      `${this.decisions.length} mentions: ${count('assign')} assigned, ${count('escalate')} escalated, ${count('drop')} dropped, ${count('queue')} waiting`,
    );
    lines.push('Load per person (open conversations at the end):');
    for (const p of [...this.staff].sort(
      (a, b) => b.openConversations - a.openConversations || (a.id < b.id ? -1 : 1),
    )) {
      lines.push(
        `  ${p.name} (${p.id}${p.role === 'owner' ? ', owner' : ''}): ${p.openConversations} of ${p.capacity}`,
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
    lines.push('Nobody could take:');
    for (const d of this.decisions.filter(
      (x) => x.action === 'queue' && !x.reasons[0]?.startsWith('follow-up'),
    )) {
      lines.push(`  ${d.network} ${d.externalId}: ${d.reasons.slice(1).join('; ')}`);
    }
    return lines.join('\n');
  }
}
