import type { Mention } from '../contract/mention.js';
import { linkedIdentities, type Policy } from './compiled-policy.js';
import { availability, hasSkills, speaks } from './eligibility.js';
import { escalationReasons } from './escalation.js';
import { PRIORITIES, type Priority } from './policy.js';
import { firstName, shortDate } from './reasons.js';
import { evaluateRules, type RuleOutcome } from './rules.js';
import { type Choice, contactReason, SELECTORS, type SelectionContext } from './selectors.js';
import type { ContactSnapshot, RoutingSnapshot, StaffSnapshot } from './snapshot.js';
import type { Understanding } from './understand/index.js';
import { languageName } from './understand/language.js';

export type { ContactSnapshot, RoutingSnapshot, StaffSnapshot } from './snapshot.js';

export interface Decision {
  action: 'assign' | 'escalate' | 'drop' | 'queue';
  /** The Slack user id of the person who takes it; null for a drop or a mention waiting in the queue. */
  assigneeId: string | null;
  priority: Priority;
  responseTargetMinutes: number;
  /** Why, in words the assignee and the owner read in Slack. Never empty. */
  reasons: string[];
  /** The customer's usual contact, away for now: the conversation goes back to them on return. */
  coveringFor: string | null;
  /**
   * The team routing chose by (the topic's, or a rule's assign.team), whose channel the conversation
   * goes to; null for escalations, drops and conversations of no team.
   */
  team: string | null;
}

/** What becomes of a follow-up in an open conversation that is not with the owner already. */
export type FollowUpDecision =
  | { action: 'join' }
  | { action: 'escalate'; ownerId: string; reasons: string[] };

/**
 * Pure, as decide() is: a follow-up joins its conversation and its assignee,
 * unless it says what only the owner can answer (a legal threat after a
 * routine question), and is not likely spam: then the conversation goes to
 * the owner, with the reasons.
 */
export function decideFollowUp(
  mention: Mention,
  u: Understanding,
  snapshot: RoutingSnapshot,
  policy: Policy,
): FollowUpDecision {
  const identities = linkedIdentities(policy, mention.network, mention.author.handle);
  const reasons = escalationReasons(policy, mention, u, snapshot, identities);
  const owner = snapshot.staff.find((p) => p.role === 'owner');
  if (reasons.length === 0 || u.spam.likelihood >= policy.file.spam.dropAt || !owner)
    return { action: 'join' };
  return { action: 'escalate', ownerId: owner.id, reasons };
}

/**
 * Pure: the same mention, understanding, snapshot, policy and time always
 * give the same decision. Order of business: VIPs go to the owner; spam is
 * dropped; the owner lane (legal, press, safety…) escalates; the policy's
 * drop rules apply; everything else goes to the best eligible staff member
 * by the policy's selectors, and waits in the queue when nobody is eligible.
 */
export function decide(
  mention: Mention,
  u: Understanding,
  snapshot: RoutingSnapshot,
  policy: Policy,
  now: Date,
): Decision {
  const identities = linkedIdentities(policy, mention.network, mention.author.handle);
  const customer = policy.customers.get(identities[0]!);
  const staff = [...snapshot.staff].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const owner = staff.find((p) => p.role === 'owner');
  const rules = evaluateRules(policy, mention, u, identities);
  const priority = rules.priority?.value ?? routinePriority(u);
  const target = (p: Priority) => rules.responseTargetMinutes?.value ?? policy.responseTargets[p];

  const escalate = (why: string[]): Decision => {
    const p = higher(policy.file.escalation.priority, rules.priority?.value ?? 'low');
    if (!owner) return queue(['only the owner can answer this, and no owner is on the roster', ...why], p);
    const status = availability({ ...owner, openConversations: 0 }, now);
    const note = status.ok ? [] : [`${status.text}, but only the owner can answer this`];
    return {
      action: 'escalate',
      assigneeId: owner.id,
      priority: p,
      // A rule's target for routine work must not slow down what only the owner can answer.
      responseTargetMinutes: Math.min(target(p), policy.responseTargets[p]),
      reasons: [...why, ...note],
      coveringFor: null,
      team: null,
    };
  };
  const drop = (why: string[]): Decision => ({
    action: 'drop',
    assigneeId: null,
    priority: 'low',
    responseTargetMinutes: policy.responseTargets.low,
    reasons: why,
    coveringFor: null,
    team: null,
  });
  const queue = (why: string[], p: Priority = priority): Decision => ({
    action: 'queue',
    assigneeId: null,
    priority: p,
    responseTargetMinutes: target(p),
    reasons: why,
    coveringFor: null,
    team: null,
  });

  if (identities.some((key) => policy.vip.has(key))) {
    return escalate([`VIP: ${customer?.name ?? `@${mention.author.handle}`} is on the VIP list`]);
  }
  // A customer whose words say the owner lane is never dropped on the model's hunch alone.
  const spokenForByWords = u.spam.kind === undefined && u.owner.some((signal) => signal.source !== 'model');
  if (u.spam.likelihood >= policy.file.spam.dropAt && !spokenForByWords) {
    return drop([`likely spam (${Math.round(u.spam.likelihood * 100)}%: ${u.spam.signals.join(', ')})`]);
  }
  const owed = escalationReasons(policy, mention, u, snapshot, identities);
  if (rules.escalate) owed.push(`${rules.escalate.reason} (rule "${rules.escalate.rule}")`);
  if (owed.length > 0) return escalate(owed);
  if (rules.drop) return drop([`${rules.drop.reason} (rule "${rules.drop.rule}")`]);

  return assignRoutine(mention, u, snapshot, policy, now, { staff, owner, rules, priority, target, queue });
}

function assignRoutine(
  mention: Mention,
  u: Understanding,
  snapshot: RoutingSnapshot,
  policy: Policy,
  now: Date,
  ctx: {
    staff: StaffSnapshot[];
    owner: StaffSnapshot | undefined;
    rules: RuleOutcome;
    priority: Priority;
    target: (p: Priority) => number;
    queue: (why: string[]) => Decision;
  },
): Decision {
  const { staff, owner, rules, priority } = ctx;
  const settings = policy.file.routing;
  const notes: string[] = [];
  const ruleNames = new Set<string>();
  for (const applied of [rules.assign, rules.priority, rules.responseTargetMinutes, rules.skills]) {
    if (applied) ruleNames.add(applied.rule);
  }

  // Routine work is for staff; a business run by its owner alone is the exception.
  const hasStaff = staff.some((p) => p.role === 'staff');
  const pool = staff.filter((p) => p.role === 'staff' || !hasStaff);
  const available = pool.filter((p) => availability(p, now).ok);

  const mainTopic = u.topics[0];
  const topic = mainTopic ? policy.topics.find((t) => t.name === mainTopic.name) : undefined;
  const teamName = rules.assign && 'team' in rules.assign ? rules.assign.team : topic?.team;
  const { skills, language } = needsOf(mention, u, policy, now, {
    staff,
    available,
    skills: rules.skills?.value ?? topic?.skills ?? [],
    notes,
  });
  const candidates = available.filter((p) => hasSkills(p, skills) && speaks(p, language));

  const finish = (person: StaffSnapshot, why: string[], coveringFor: string | null = null): Decision => {
    const reasons = [...why];
    if (mainTopic) reasons.push(topicReason(mainTopic));
    if (language && language !== policy.file.languages[0] && person.languages.includes(language)) {
      reasons.push(`speaks ${languageName(language)}`);
    }
    reasons.push(...notes);
    for (const name of ruleNames) reasons.push(`rule "${name}"`);
    return {
      action: 'assign',
      assigneeId: person.id,
      priority,
      responseTargetMinutes: ctx.target(priority),
      reasons,
      coveringFor,
      team: teamName ?? null,
    };
  };

  const assign = rules.assign;
  if (assign && 'person' in assign) {
    const named = staff.find((p) => p.id === assign.person);
    const status = named ? availability(named, now) : undefined;
    if (named && status?.ok) return finish(named, [`the policy sends this to ${firstName(named.name)}`]);
    notes.push(
      named && status && !status.ok
        ? `the policy sends this to ${firstName(named.name)}, but ${status.text}`
        : `the policy names ${assign.person}, who is not on the roster`,
    );
  }

  const relationship = findRelationship(
    snapshot.history,
    pool,
    now,
    settings.relationshipDays,
    mention.network,
  );
  let coveringFor: string | null = null;
  if (relationship) {
    const status = availability(relationship.person, now);
    if (!status.ok && status.why !== 'at_capacity') coveringFor = relationship.person.id;
    if (!status.ok) notes.unshift(`${contactReason(relationship.contact, now)}: ${status.text}`);
  }

  const selection: SelectionContext = {
    mention,
    now,
    candidates,
    speakers: available.filter((p) => speaks(p, language)),
    relationship,
    team: teamName ? { name: teamName, members: teamMembers(policy, teamName, staff) } : undefined,
    poolLabel: skills.length > 0 ? `of those with ${skills.join(' and ')} skills` : 'on the team',
  };
  let choice: Choice | undefined;
  for (const name of settings.selectors) {
    choice = SELECTORS[name](selection);
    if (choice) break;
  }
  if (choice) {
    const covering = coveringFor && coveringFor !== choice.person.id ? coveringFor : null;
    const coverNote = covering && relationship ? [coverReason(relationship.person, now)] : [];
    return finish(choice.person, [...choice.reasons, ...coverNote], covering);
  }

  if (owner && hasStaff && settings.ownerTakesRoutine === 'last_resort' && availability(owner, now).ok) {
    return finish(owner, ['no staff member can take it now, and the policy lets the owner step in']);
  }

  const queued = ctx.queue([
    'waiting in the queue: nobody eligible right now',
    ...whyNobody(pool, skills, language, now),
    ...(mainTopic ? [topicReason(mainTopic)] : []),
    ...notes,
  ]);
  return { ...queued, team: teamName ?? null };
}

/**
 * The skills and language a routine mention needs: a language nobody speaks
 * is dropped, and after the policy's wait, when nobody available has both,
 * each is relaxed, with a note saying so.
 */
function needsOf(
  mention: Mention,
  u: Understanding,
  policy: Policy,
  now: Date,
  ctx: { staff: StaffSnapshot[]; available: StaffSnapshot[]; skills: string[]; notes: string[] },
): { skills: string[]; language: string | undefined } {
  const settings = policy.file.routing;
  let { skills } = ctx;
  let language = u.language.code;
  if (language && !ctx.staff.some((p) => p.languages.includes(language!))) {
    ctx.notes.push(`written in ${languageName(language)}, which nobody on the team speaks`);
    language = undefined;
  }
  const waited = Math.max(0, (now.getTime() - Date.parse(mention.createdAt)) / 60_000);
  if (ctx.available.some((p) => hasSkills(p, skills) && speaks(p, language))) return { skills, language };
  if (skills.length > 0 && settings.relaxSkillsAfterMinutes && waited >= settings.relaxSkillsAfterMinutes) {
    ctx.notes.push(
      `waited ${Math.floor(waited)} minutes, so anyone may take it without ${skills.join(', ')} skills`,
    );
    skills = [];
  }
  if (language && settings.relaxLanguageAfterMinutes && waited >= settings.relaxLanguageAfterMinutes) {
    ctx.notes.push(
      `waited ${Math.floor(waited)} minutes, so anyone may take it without ${languageName(language)}`,
    );
    language = undefined;
  }
  return { skills, language };
}

/** Why nobody could take a routine mention: what it needs, and who would fit but cannot now. */
function whyNobody(
  pool: StaffSnapshot[],
  skills: string[],
  language: string | undefined,
  now: Date,
): string[] {
  const needs = [
    ...(language ? [`needs someone who speaks ${languageName(language)}`] : []),
    ...(skills.length > 0 ? [`needs ${skills.join(' and ')} skills`] : []),
  ];
  const unavailable = pool
    .filter((p) => hasSkills(p, skills) && speaks(p, language))
    .map((p) => availability(p, now))
    .flatMap((s) => (s.ok ? [] : [s.text]));
  const why =
    pool.length === 0
      ? ['nobody is on the roster']
      : unavailable.length === 0
        ? [`nobody on the team ${needs.length > 0 ? 'has what it needs' : 'can take it'}`]
        : unavailable.slice(0, 4);
  return [...needs, ...why];
}

function topicReason(topic: { name: string; matched: string }): string {
  return topic.matched.toLowerCase() === topic.name.toLowerCase()
    ? topic.name
    : `${topic.name} ("${topic.matched}")`;
}

function coverReason(person: StaffSnapshot, now: Date): string {
  const who = firstName(person.name);
  const until =
    person.awayUntil && person.awayUntil.getTime() > now.getTime()
      ? `away until ${shortDate(person.awayUntil)}`
      : 'off shift';
  return `covering for ${who}, who is ${until}; goes back to ${who} on return`;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The customer's person: the latest to reply to them, or else the latest assigned, within the window.
 * Contacts at the same moment are told apart by the mention's own network first, then by name, so the
 * decision and its reason never depend on the order the history was read in.
 */
function findRelationship(
  history: readonly ContactSnapshot[],
  pool: readonly StaffSnapshot[],
  now: Date,
  days: number,
  network: string,
): { person: StaffSnapshot; contact: ContactSnapshot } | undefined {
  const since = now.getTime() - days * 86_400_000;
  const contacts = history
    .filter((c) => c.at.getTime() >= since && c.at.getTime() <= now.getTime())
    .filter((c) => pool.some((p) => p.id === c.staffId))
    .sort(
      (a, b) =>
        Number(b.replied) - Number(a.replied) ||
        b.at.getTime() - a.at.getTime() ||
        byText(a.staffId, b.staffId) ||
        Number(b.network === network) - Number(a.network === network) ||
        byText(a.network, b.network) ||
        byText(a.handle, b.handle),
    );
  const contact = contacts[0];
  const person = contact && pool.find((p) => p.id === contact.staffId);
  return contact && person ? { person, contact } : undefined;
}

function teamMembers(policy: Policy, name: string, staff: readonly StaffSnapshot[]): Set<string> {
  const team = policy.file.teams[name];
  const members = new Set(team?.members ?? []);
  if (team && team.skills.length > 0) {
    for (const person of staff) if (hasSkills(person, team.skills)) members.add(person.id);
  }
  return members;
}

/** Without a rule, urgency follows what the customer is doing: a complaint is waited on, praise is not. */
function routinePriority(u: Understanding): Priority {
  const base: Priority =
    u.intent.primary === 'complaint' ||
    (u.intent.primary === 'bug_report' && u.sentiment.label === 'negative')
      ? 'high'
      : u.intent.primary === 'praise' || u.intent.primary === 'other'
        ? 'low'
        : 'normal';
  return u.influence.level === 'high' ? higher(base, nextUp(base)) : base;
}

const nextUp = (p: Priority): Priority =>
  PRIORITIES[Math.min(PRIORITIES.indexOf(p) + 1, PRIORITIES.length - 1)]!;
const higher = (a: Priority, b: Priority): Priority =>
  PRIORITIES.indexOf(a) >= PRIORITIES.indexOf(b) ? a : b;
