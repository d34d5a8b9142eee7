import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { describeIssues, type Mention } from '../../src/contract/mention.js';
import type { Policy } from '../../src/routing/compiled-policy.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import type { StaffSnapshot } from '../../src/routing/snapshot.js';
import { loadTeamFile } from '../../src/routing/team-file.js';
import { OWNER_CATEGORIES } from '../../src/routing/understand/categories.js';
import type { CorpusExample } from './corpus.js';
import {
  type EvalCase,
  type Expected,
  ExpectedSchema,
  type Lane,
  type People,
  PeopleSchema,
} from './evaluation.js';
import { readMentionsFile, type SimulationInput } from './mentions-file.js';
import { startingRoster } from './roster.js';

/** Everything a dry run and its scoring need: the mentions in time order, what is expected, the team. */
export interface EvalSet {
  name: string;
  inputs: SimulationInput[];
  cases: EvalCase[];
  people: People;
  staff: StaffSnapshot[];
  policy: Policy;
}

export class SetError extends Error {}

/** A folder in the ../shared/eval format; people.json, when absent, is read from the team file. */
export function loadSetDirectory(dir: string): EvalSet {
  const file = (name: string) => path.join(dir, name);
  for (const name of ['mentions.jsonl', 'expected.jsonl', 'team.yaml', 'policy.yaml']) {
    if (!existsSync(file(name))) throw new SetError(`${dir}: no ${name}`);
  }
  const { inputs, problems } = readMentionsFile(file('mentions.jsonl'));
  if (problems.length > 0) throw new SetError(problems.join('\n'));
  const staff = startingRoster(loadTeamFile(file('team.yaml')));
  const people = existsSync(file('people.json'))
    ? parseJson(PeopleSchema, readFileSync(file('people.json'), 'utf8'), file('people.json'))
    : peopleOf(staff);
  const texts = new Map(inputs.map(({ mention }) => [mention.externalId, mention.text]));
  const cases = readFileSync(file('expected.jsonl'), 'utf8')
    .split('\n')
    .flatMap((line, index) =>
      line.trim() === '' ? [] : [parseJson(ExpectedSchema, line, `${file('expected.jsonl')}:${index + 1}`)],
    )
    .map((expected) => ({ expected, text: texts.get(expected.externalId) ?? '' }));
  return {
    name: path.basename(path.resolve(dir)),
    inputs,
    cases,
    people,
    staff,
    policy: loadPolicyFile(file('policy.yaml')),
  };
}

/** The corpus as a set, scored with a team and policy of one's choosing (the examples' by default). */
export function corpusSet(
  name: string,
  examples: CorpusExample[],
  teamFile: string,
  policyFile: string,
): EvalSet {
  if (examples.length === 0) throw new SetError(`${name}: the corpus has no examples in this split`);
  const staff = startingRoster(loadTeamFile(teamFile));
  return {
    name,
    ...corpusCases(examples, staff),
    people: peopleOf(staff),
    staff,
    policy: loadPolicyFile(policyFile),
  };
}

// A Monday morning, and half an hour between posts: a steady day's traffic, never a surge.
const CORPUS_START = Date.parse('2026-01-05T09:00:00Z');
const CORPUS_SPACING_MS = 30 * 60_000;

/**
 * Each example becomes a post of its own author (modest reach, a plain handle, so nothing but the text
 * looks like spam or influence), expected in its label's lane. A language is expected of the assignee
 * only where a staff member speaks it; otherwise nobody can be asked to.
 */
export function corpusCases(
  examples: readonly CorpusExample[],
  staff: readonly StaffSnapshot[],
): { inputs: SimulationInput[]; cases: EvalCase[] } {
  const hasStaff = staff.some((p) => p.role === 'staff');
  const spoken = new Set(staff.filter((p) => p.role === 'staff' || !hasStaff).flatMap((p) => p.languages));
  const inputs: SimulationInput[] = [];
  const cases: EvalCase[] = [];
  examples.forEach((example, index) => {
    const n = index + 1;
    const mention: Mention = {
      network: 'x',
      externalId: `corpus-${n}`,
      account: 'business',
      author: {
        id: `corpus-author-${n}`,
        handle: `customer_${n}`,
        name: 'Customer',
        followers: 150,
        verified: false,
      },
      text: example.text,
      kind: 'mention',
      createdAt: new Date(CORPUS_START + index * CORPUS_SPACING_MS).toISOString(),
    };
    const expected: Expected = {
      externalId: mention.externalId,
      lane: laneOfLabel(example.label),
      skill: null,
      language: spoken.has(example.lang) ? example.lang : null,
      samePersonAs: null,
      category: example.label,
    };
    inputs.push({ mention });
    cases.push({ expected, text: example.text, group: example.lang });
  });
  return { inputs, cases };
}

function laneOfLabel(label: CorpusExample['label']): Lane {
  if (label === 'spam') return 'drop';
  return (OWNER_CATEGORIES as readonly string[]).includes(label) ? 'owner' : 'staff';
}

function peopleOf(staff: readonly StaffSnapshot[]): People {
  return Object.fromEntries(
    staff.map((p) => [
      p.id,
      { owner: p.role === 'owner', name: p.name, skills: p.skills, languages: p.languages },
    ]),
  );
}

function parseJson<S extends z.ZodType>(schema: S, text: string, where: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SetError(`${where}: not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new SetError(`${where}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
