import type { Mention } from '../contract/mention.js';

/** The team as the router sees it at one moment. */
export interface StaffSnapshot {
  id: string;
  name: string;
  role: 'owner' | 'staff';
  capacity: number;
  openConversations: number;
}

export interface RoutingSnapshot {
  staff: StaffSnapshot[];
}

export type Decision =
  | { action: 'assign'; assigneeId: string; reasons: string[] }
  | { action: 'unassigned'; assigneeId: null; reasons: string[] };

/**
 * Pure: the same mention, snapshot and time always give the same decision.
 * The least-loaded staff member under capacity takes the mention (ties go to
 * the lowest id); the owner only when no staff member can.
 */
export function decide(_mention: Mention, snapshot: RoutingSnapshot, _now: Date): Decision {
  const available = snapshot.staff
    .filter((person) => person.role === 'staff' && person.openConversations < person.capacity)
    .sort((a, b) => a.openConversations - b.openConversations || a.id.localeCompare(b.id));
  const chosen = available[0];
  if (chosen) {
    const tied = available.filter((p) => p.openConversations === chosen.openConversations).length;
    return {
      action: 'assign',
      assigneeId: chosen.id,
      reasons: [
        `${plural(chosen.openConversations, 'open conversation')}, ${tied > 1 ? 'tied for fewest' : 'fewest'} on the team`,
      ],
    };
  }
  const owner = snapshot.staff.find((person) => person.role === 'owner');
  if (owner) {
    return {
      action: 'assign',
      assigneeId: owner.id,
      reasons: [
        snapshot.staff.length > 1
          ? 'every staff member is at capacity'
          : 'no staff on the roster besides the owner',
      ],
    };
  }
  return { action: 'unassigned', assigneeId: null, reasons: ['nobody is on the roster'] };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
