import type { Mention } from '../../../src/contract/mention.js';
import type { Policy } from '../../../src/routing/compiled-policy.js';
import { type Decision, decide } from '../../../src/routing/decide.js';
import { loadPolicyFile } from '../../../src/routing/policy-file.js';
import type { ContactSnapshot, RoutingSnapshot, StaffSnapshot } from '../../../src/routing/snapshot.js';
import { understand } from '../../../src/routing/understand/index.js';

/** Tuesday 6 May 2025, 10:00 UTC: 11:00 in Lisbon and London, 12:00 in Madrid and Berlin. */
export const NOW = new Date('2025-05-06T10:00:00Z');
export const OWNER = 'U0OWNER01';
export const SAM = 'U0SAM0001';
export const JANE = 'U0JANE001';
export const LUCIA = 'U0LUCIA01';
export const TOM = 'U0TOM0001';

export const examplePolicy: Policy = loadPolicyFile('examples/policy.yaml');

const person = (p: Partial<StaffSnapshot> & Pick<StaffSnapshot, 'id' | 'name'>): StaffSnapshot => ({
  role: 'staff',
  skills: [],
  languages: ['en'],
  timezone: 'Europe/Lisbon',
  capacity: 10,
  openConversations: 0,
  awayUntil: null,
  workingHours: null,
  ...p,
});

/** Harbour Street Bikes as in examples/team.yaml. */
export function harbourTeam(changes: Partial<Record<string, Partial<StaffSnapshot>>> = {}): StaffSnapshot[] {
  return [
    person({
      id: OWNER,
      name: 'Rosa Almeida',
      role: 'owner',
      skills: ['press', 'partnerships'],
      languages: ['en', 'pt'],
      capacity: 5,
    }),
    person({ id: SAM, name: 'Sam Okafor', skills: ['repairs', 'warranty'] }),
    person({
      id: JANE,
      name: 'Jane Whitfield',
      skills: ['billing', 'orders'],
      languages: ['en', 'fr'],
      timezone: 'Europe/London',
    }),
    person({
      id: LUCIA,
      name: 'Lucía Romero',
      skills: ['orders', 'rentals'],
      languages: ['es', 'en'],
      timezone: 'Europe/Madrid',
    }),
    person({
      id: TOM,
      name: 'Tom Becker',
      skills: ['repairs', 'ebikes'],
      languages: ['de', 'en'],
      timezone: 'Europe/Berlin',
      capacity: 6,
    }),
  ].map((p) => ({ ...p, ...changes[p.id] }));
}

export function mention(
  text: string,
  overrides: Partial<Omit<Mention, 'author'>> & { author?: Partial<Mention['author']> } = {},
): Mention {
  const { author, ...rest } = overrides;
  return {
    network: 'x',
    externalId: `m-${text.length}`,
    account: '@harbourbikes',
    author: { id: 'cust-1', handle: 'alex', followers: 150, ...author },
    text,
    createdAt: new Date(NOW.getTime() - 5 * 60_000).toISOString(),
    ...rest,
  };
}

export function snapshot(
  staff: StaffSnapshot[] = harbourTeam(),
  history: ContactSnapshot[] = [],
  recentComplaints = 0,
): RoutingSnapshot {
  return { staff, history, recentComplaints };
}

export function route(
  m: Mention,
  snap: RoutingSnapshot = snapshot(),
  policy: Policy = examplePolicy,
  now: Date = NOW,
): Decision {
  return decide(m, understand(m, policy), snap, policy, now);
}

export const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
