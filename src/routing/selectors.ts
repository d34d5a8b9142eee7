import type { Mention } from '../contract/mention.js';
import { NETWORK_NAMES, type Network } from '../contract/mention.js';
import { byLoad } from './eligibility.js';
import { ago, plural } from './reasons.js';
import type { ContactSnapshot, StaffSnapshot } from './snapshot.js';

/**
 * Selectors pick one person from those who may take the mention. Each is a
 * small function so a policy can reorder or drop them (routing.selectors);
 * decide() tries them in order and the first answer wins.
 */
export interface SelectionContext {
  mention: Mention;
  now: Date;
  /** Free, on shift, with the skills and language the mention needs. Sorted by id. */
  candidates: StaffSnapshot[];
  /** Free and on shift with the language, whatever their skills: a known contact outweighs a skill. */
  speakers: StaffSnapshot[];
  relationship: { person: StaffSnapshot; contact: ContactSnapshot } | undefined;
  team: { name: string; members: Set<string> } | undefined;
  /** Who the candidates are, for the load reason: "on the team", "of those with billing skills". */
  poolLabel: string;
}

export interface Choice {
  person: StaffSnapshot;
  reasons: string[];
}

export type Selector = (ctx: SelectionContext) => Choice | undefined;

export function contactReason(contact: ContactSnapshot, now: Date): string {
  const where = NETWORK_NAMES[contact.network as Network] ?? contact.network;
  return contact.replied
    ? `talked to @${contact.handle} ${ago(contact.at, now)} on ${where}`
    : `had @${contact.handle}'s conversation on ${where} ${ago(contact.at, now)}`;
}

function loadReason(chosen: StaffSnapshot, pool: readonly StaffSnapshot[], scope: string): string {
  const tied = pool.filter((p) => p.openConversations === chosen.openConversations).length > 1;
  return `${plural(chosen.openConversations, 'open conversation')}, ${tied ? 'tied for fewest' : 'fewest'} ${scope}`;
}

export const continuity: Selector = ({ relationship, speakers, now }) => {
  if (!relationship) return undefined;
  const person = speakers.find((p) => p.id === relationship.person.id);
  return person ? { person, reasons: [contactReason(relationship.contact, now)] } : undefined;
};

export const topicTeam: Selector = ({ team, candidates }) => {
  if (!team) return undefined;
  const pool = candidates.filter((p) => team.members.has(p.id)).sort(byLoad);
  const person = pool[0];
  return person
    ? { person, reasons: [`in the ${team.name} team`, loadReason(person, pool, 'in the team')] }
    : undefined;
};

export const leastLoaded: Selector = ({ candidates, poolLabel }) => {
  const pool = [...candidates].sort(byLoad);
  const person = pool[0];
  return person ? { person, reasons: [loadReason(person, pool, poolLabel)] } : undefined;
};

export const SELECTORS: Record<'continuity' | 'topic_team' | 'least_loaded', Selector> = {
  continuity,
  topic_team: topicTeam,
  least_loaded: leastLoaded,
};
