import { z } from 'zod';
import type { SimulatedDecision } from '../../src/routing/simulator.js';
import { OWNER_CATEGORY_LABELS, type OwnerCategory } from '../../src/routing/understand/categories.js';

/**
 * Scores a dry run's decisions against the lanes a person expects, with the
 * figures of ../shared/eval/score-routing.mjs (same definitions, so the two
 * agree on the same decisions) and what it takes to see why: a lane
 * confusion table, precision and recall per category, and the wrong cases.
 */

export const LANES = ['owner', 'staff', 'drop'] as const;
export type Lane = (typeof LANES)[number];

/** One line of a set's expected.jsonl (see ../shared/eval/README.md); `category` is optional. */
export const ExpectedSchema = z.object({
  externalId: z.string().min(1),
  lane: z.enum(LANES),
  skill: z.string().min(1).nullish(),
  language: z.string().min(2).nullish(),
  samePersonAs: z.string().min(1).nullish(),
  category: z.string().min(1).nullish(),
});
export type Expected = z.infer<typeof ExpectedSchema>;

/** A set's people.json: who is the owner, and what each person can do. */
export const PeopleSchema = z.record(
  z.string(),
  z.object({
    owner: z.boolean().optional(),
    name: z.string().optional(),
    skills: z.array(z.string()).default([]),
    languages: z.array(z.string()).default([]),
  }),
);
export type People = z.infer<typeof PeopleSchema>;

export interface EvalCase {
  expected: Expected;
  /** The mention's text, to show a wrong case. */
  text: string;
  /** A slice to report separately, such as the language the example was written in. */
  group?: string;
}

/** Where a decision put the mention: the owner (escalated or assigned to them), staff, the queue, or nowhere. */
export type Outcome = 'owner' | 'staff' | 'queue' | 'drop';
export const OUTCOMES: readonly Outcome[] = ['owner', 'staff', 'queue', 'drop'];

export interface Figure {
  hits: number;
  of: number;
  /** hits / of; with nothing to count, the score of a perfect router. */
  value: number;
}

export const FIGURES = {
  'owner-recall': 'owner recall',
  'routine-to-owner': 'routine→owner',
  'spam-dropped': 'spam dropped',
  'genuine-dropped': 'genuine dropped',
  continuity: 'continuity',
  language: 'language',
  skill: 'skill',
  reasons: 'reasons',
} as const;
export type FigureName = keyof typeof FIGURES;
export type Figures = Record<FigureName, Figure>;

export interface CategoryScore {
  category: string;
  cases: number;
  predicted: number;
  correct: number;
  precision: number | null;
  recall: number | null;
  /** Cases of the category that reached the right lane, whatever the reasons said. */
  rightLane: number | null;
}

export interface WrongCase {
  externalId: string;
  text: string;
  expected: Lane;
  category: string;
  outcome: Outcome;
  decision: SimulatedDecision;
}

export interface Report {
  cases: number;
  figures: Figures;
  /** Expected cases the run made no decision for. */
  missing: string[];
  confusion: Record<Lane, Record<Outcome, number>>;
  categories: CategoryScore[];
  wrong: WrongCase[];
  groups: { group: string; cases: number; figures: Figures }[];
}

const laneOf = (outcome: Outcome): Lane =>
  outcome === 'owner' ? 'owner' : outcome === 'drop' ? 'drop' : 'staff';

function outcomeOf(decision: SimulatedDecision, ownerId: string | undefined): Outcome {
  if (decision.action === 'drop') return 'drop';
  if (decision.action === 'escalate' || (ownerId !== undefined && decision.assignee === ownerId))
    return 'owner';
  return decision.action === 'queue' ? 'queue' : 'staff';
}

export function score(
  cases: readonly EvalCase[],
  decisions: readonly SimulatedDecision[],
  people: People,
): Report {
  // As the scorer does: the last decision for an id is the one that counts.
  const byId = new Map(decisions.map((d) => [d.externalId, d]));
  const ownerId = Object.keys(people).find((id) => people[id]?.owner);
  const decided = cases.flatMap((c) => {
    const decision = byId.get(c.expected.externalId);
    return decision ? [{ ...c, decision, outcome: outcomeOf(decision, ownerId) }] : [];
  });

  const confusion = Object.fromEntries(
    LANES.map((lane) => [lane, Object.fromEntries(OUTCOMES.map((o) => [o, 0]))]),
  ) as Report['confusion'];
  for (const c of decided) confusion[c.expected.lane][c.outcome]++;

  const names = laneNames(cases);
  const expectedCategory = (e: Expected) => e.category ?? names[e.lane];
  // Only categories the set uses for the owner lane are worth telling apart among escalations.
  const ownerCategories = [
    ...new Set(cases.filter((c) => c.expected.lane === 'owner').map((c) => expectedCategory(c.expected))),
  ];
  const predictedCategory = (decision: SimulatedDecision, outcome: Outcome) => {
    const lane = laneOf(outcome);
    return (lane === 'owner' && namedCategory(decision.reasons, ownerCategories)) || names[lane];
  };
  const all = [
    ...new Set([...cases.map((c) => expectedCategory(c.expected)), ...Object.values(names)]),
  ].sort();
  const categories = all.map((category): CategoryScore => {
    const ofCategory = cases.filter((c) => expectedCategory(c.expected) === category);
    const predicted = decided.filter((c) => predictedCategory(c.decision, c.outcome) === category);
    const correct = predicted.filter((c) => expectedCategory(c.expected) === category).length;
    const inLane = decided.filter(
      (c) => expectedCategory(c.expected) === category && laneOf(c.outcome) === c.expected.lane,
    ).length;
    return {
      category,
      cases: ofCategory.length,
      predicted: predicted.length,
      correct,
      precision: predicted.length > 0 ? correct / predicted.length : null,
      recall: ofCategory.length > 0 ? correct / ofCategory.length : null,
      rightLane: ofCategory.length > 0 ? inLane / ofCategory.length : null,
    };
  });

  const groups = [...new Set(cases.flatMap((c) => (c.group ? [c.group] : [])))].sort().map((group) => {
    const inGroup = cases.filter((c) => c.group === group);
    const ids = new Set(inGroup.map((c) => c.expected.externalId));
    const own = decisions.filter((d) => ids.has(d.externalId));
    return { group, cases: inGroup.length, figures: figures(inGroup, byId, own, people, ownerId) };
  });

  return {
    cases: cases.length,
    figures: figures(cases, byId, [...byId.values()], people, ownerId),
    missing: cases.filter((c) => !byId.has(c.expected.externalId)).map((c) => c.expected.externalId),
    confusion,
    categories: categories.filter((c) => c.cases > 0 || c.predicted > 0),
    wrong: decided
      .filter((c) => laneOf(c.outcome) !== c.expected.lane)
      .map((c) => ({
        externalId: c.expected.externalId,
        text: c.text,
        expected: c.expected.lane,
        category: expectedCategory(c.expected),
        outcome: c.outcome,
        decision: c.decision,
      })),
    groups,
  };
}

/**
 * The definitions of score-routing.mjs; a case without a decision counts as neither escalated nor
 * dropped. `decisions` are the ones whose reasons count: every decision of the run, as the scorer reads them.
 */
function figures(
  cases: readonly EvalCase[],
  byId: ReadonlyMap<string, SimulatedDecision>,
  decisions: readonly SimulatedDecision[],
  people: People,
  ownerId: string | undefined,
): Figures {
  const expected = cases.map((c) => c.expected);
  const got = (e: Expected) => byId.get(e.externalId);
  const toOwner = (e: Expected) => {
    const d = got(e);
    return d !== undefined && outcomeOf(d, ownerId) === 'owner';
  };
  const person = (e: Expected) => {
    const assignee = got(e)?.assignee;
    return assignee ? people[assignee] : undefined;
  };
  const staffCases = expected.filter((e) => e.lane === 'staff');
  const languageCases = staffCases.filter((e) => e.language);
  const skillCases = staffCases.filter((e) => e.skill);
  const followUps = expected.filter((e) => e.samePersonAs);
  const genuine = expected.filter((e) => e.lane !== 'drop');
  return {
    'owner-recall': rate(expected.filter((e) => e.lane === 'owner').map(toOwner), 1),
    'routine-to-owner': rate(staffCases.map(toOwner), 0),
    'spam-dropped': rate(
      expected.filter((e) => e.lane === 'drop').map((e) => got(e)?.action === 'drop'),
      1,
    ),
    'genuine-dropped': rate(
      genuine.map((e) => got(e)?.action === 'drop'),
      0,
    ),
    continuity: rate(
      followUps.map((e) => {
        const assignee = got(e)?.assignee;
        return !!assignee && assignee === byId.get(e.samePersonAs!)?.assignee;
      }),
      1,
    ),
    language: rate(
      languageCases.map((e) => person(e)?.languages.includes(e.language!) === true),
      1,
    ),
    skill: rate(
      skillCases.map((e) => person(e)?.skills.includes(e.skill!) === true),
      1,
    ),
    reasons: rate(
      decisions.map((d) => d.reasons.length > 0 && d.reasons.every((r) => r.length > 3)),
      1,
    ),
  };
}

function rate(hits: readonly boolean[], empty: number): Figure {
  const n = hits.filter(Boolean).length;
  return { hits: n, of: hits.length, value: hits.length > 0 ? n / hits.length : empty };
}

/**
 * What each lane is called in the set: a lane whose cases all share one category goes by it (the
 * corpus's `routine` and `spam`), so a prediction of the lane meets the expected category.
 */
function laneNames(cases: readonly EvalCase[]): Record<Lane, string> {
  const name = (lane: Lane): string => {
    const used = new Set(cases.filter((c) => c.expected.lane === lane).map((c) => c.expected.category));
    const [only] = used;
    return used.size === 1 && only ? only : lane;
  };
  return { owner: name('owner'), staff: name('staff'), drop: name('drop') };
}

/**
 * The category an escalation names: the first reason whose headline (before any quote, detail or colon)
 * holds a category's name or its built-in label, as whole words.
 */
export function namedCategory(reasons: readonly string[], categories: readonly string[]): string | undefined {
  for (const reason of reasons) {
    const headline = reason
      .replace(/\s*[("].*$/, '')
      .replace(/:.*$/, '')
      .toLowerCase();
    const found = categories.find((category) =>
      [category.replace(/_/g, ' '), OWNER_CATEGORY_LABELS[category as OwnerCategory]]
        .filter((words): words is string => words !== undefined)
        .some((words) => new RegExp(`\\b${escapeRegExp(words.toLowerCase())}\\b`).test(headline)),
    );
    if (found) return found;
  }
  return undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Threshold {
  figure: FigureName;
  bound: 'min' | 'max';
  value: number;
}

/** Reads `owner-recall=0.9` (or `=90%`) given with --min or --max; a string is what is wrong with it. */
export function parseThreshold(bound: 'min' | 'max', written: string): Threshold | string {
  const match = /^([a-z-]+)=(\d+(?:\.\d+)?)(%?)$/.exec(written.trim());
  if (!match) return `--${bound} ${written}: write it as figure=value, such as owner-recall=0.9`;
  const figure = match[1]!;
  if (!(figure in FIGURES))
    return `--${bound} ${written}: no figure "${figure}" (${Object.keys(FIGURES).join(', ')})`;
  const value = Number(match[2]) / (match[3] ? 100 : 1);
  if (value > 1) return `--${bound} ${written}: a figure is a share between 0 and 1`;
  return { figure: figure as FigureName, bound, value };
}

/** One line per threshold the figures miss. */
export function missedThresholds(figures: Figures, thresholds: readonly Threshold[]): string[] {
  return thresholds.flatMap(({ figure, bound, value }) => {
    const got = figures[figure].value;
    if (bound === 'min' ? got >= value : got <= value) return [];
    // Two decimals, so that a figure just past its bound never reads as equal to it.
    const exact = (share: number) => `${Number((share * 100).toFixed(2))}%`;
    return [`${FIGURES[figure]} ${exact(got)} is ${bound === 'min' ? 'below' : 'above'} ${exact(value)}`];
  });
}

export const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
