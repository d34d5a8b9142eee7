import { describe, expect, it } from 'vitest';
import type { CorpusExample } from '../../../scripts/lib/corpus.js';
import { corpusCases } from '../../../scripts/lib/eval-sets.js';
import {
  type EvalCase,
  type Expected,
  missedThresholds,
  namedCategory,
  type People,
  parseThreshold,
  score,
} from '../../../scripts/lib/evaluation.js';
import type { SimulatedDecision } from '../../../src/routing/simulator.js';
import { harbourTeam } from './fixtures.js';

const people: People = {
  UOWNER: { owner: true, name: 'Dee', skills: [], languages: ['en'] },
  UAMIR: { name: 'Amir', skills: ['billing'], languages: ['en', 'fr'] },
  UKATE: { name: 'Kate', skills: ['styling'], languages: ['en', 'es'] },
};

const expect_ = (externalId: string, lane: Expected['lane'], more: Partial<Expected> = {}): EvalCase => ({
  expected: { externalId, lane, ...more },
  text: `text of ${externalId}`,
});
const decided = (
  externalId: string,
  action: SimulatedDecision['action'],
  assignee: string | null,
  reasons = ['a reason that explains'],
): SimulatedDecision => ({ externalId, network: 'x', action, assignee, priority: 'normal', reasons });

describe('scoring a dry run', () => {
  const cases = [
    expect_('legal-1', 'owner', { category: 'legal' }),
    expect_('legal-2', 'owner', { category: 'legal' }),
    expect_('press-1', 'owner', { category: 'press' }),
    expect_('routine-1', 'staff', { category: 'routine', skill: 'billing', language: 'fr' }),
    expect_('routine-2', 'staff', { category: 'routine', samePersonAs: 'routine-1' }),
    expect_('routine-3', 'staff', { category: 'routine' }),
    expect_('spam-1', 'drop', { category: 'spam' }),
    expect_('spam-2', 'drop', { category: 'spam' }),
  ];
  const decisions = [
    decided('legal-1', 'escalate', 'UOWNER', ['legal action or a formal complaint ("solicitor")']),
    decided('legal-2', 'escalate', 'UOWNER', ['the press ("newsroom")']),
    decided('press-1', 'assign', 'UKATE'),
    decided('routine-1', 'assign', 'UAMIR'),
    decided('routine-2', 'assign', 'UAMIR'),
    decided('routine-3', 'assign', 'UOWNER'),
    decided('spam-1', 'drop', null),
    decided('spam-2', 'queue', null),
  ];
  const report = score(cases, decisions, people);

  it('computes the figures of score-routing.mjs', () => {
    const values = Object.fromEntries(Object.entries(report.figures).map(([name, f]) => [name, f.value]));
    expect(values).toEqual({
      'owner-recall': 2 / 3,
      'routine-to-owner': 1 / 3,
      'spam-dropped': 0.5,
      'genuine-dropped': 0,
      continuity: 1,
      language: 1,
      skill: 1,
      reasons: 1,
    });
    expect(report.figures['owner-recall']).toMatchObject({ hits: 2, of: 3 });
    expect(report.missing).toEqual([]);
  });

  it('counts expected lanes against where the mention went, the queue apart', () => {
    expect(report.confusion).toEqual({
      owner: { owner: 2, staff: 1, queue: 0, drop: 0 },
      staff: { owner: 1, staff: 2, queue: 0, drop: 0 },
      drop: { owner: 0, staff: 0, queue: 1, drop: 1 },
    });
  });

  it('gives precision and recall per category, reading the category an escalation names from its reasons', () => {
    const byName = Object.fromEntries(report.categories.map((c) => [c.category, c]));
    // legal-2 reached the owner, but as the press: the right lane, the wrong category.
    expect(byName.legal).toMatchObject({
      cases: 2,
      predicted: 1,
      correct: 1,
      precision: 1,
      recall: 0.5,
      rightLane: 1,
    });
    expect(byName.press).toMatchObject({
      cases: 1,
      predicted: 1,
      correct: 0,
      precision: 0,
      recall: 0,
      rightLane: 0,
    });
    // A lane whose cases share a category goes by it: routine is the staff lane, spam the drop lane.
    expect(byName.routine).toMatchObject({ cases: 3, predicted: 4, correct: 2, precision: 0.5 });
    expect(byName.spam).toMatchObject({ cases: 2, predicted: 1, correct: 1, precision: 1, recall: 0.5 });
  });

  it('lists the cases in the wrong lane with their text and the decision', () => {
    expect(report.wrong.map((w) => [w.externalId, w.category, w.outcome])).toEqual([
      ['press-1', 'press', 'staff'],
      ['routine-3', 'routine', 'owner'],
      ['spam-2', 'spam', 'queue'],
    ]);
    expect(report.wrong[0]).toMatchObject({ text: 'text of press-1', decision: { assignee: 'UKATE' } });
  });

  it('without categories, the lanes are the categories', () => {
    const plain = score(
      [expect_('a', 'owner'), expect_('b', 'staff'), expect_('c', 'drop')],
      [
        decided('a', 'escalate', 'UOWNER', ['legal threat ("lawyer")']),
        decided('b', 'queue', null),
        decided('c', 'drop', null),
      ],
      people,
    );
    expect(plain.categories.map((c) => [c.category, c.precision, c.recall])).toEqual([
      ['drop', 1, 1],
      ['owner', 1, 1],
      ['staff', 1, 1],
    ]);
  });

  it('counts a case without a decision as missing, and as neither escalated nor dropped', () => {
    const partial = score([expect_('a', 'owner'), expect_('b', 'drop')], [], people);
    expect(partial.missing).toEqual(['a', 'b']);
    expect(partial.figures['owner-recall'].value).toBe(0);
    expect(partial.figures['spam-dropped'].value).toBe(0);
  });

  it('reports figures per group, such as the language a post was written in', () => {
    const grouped = score(
      [
        { ...expect_('a', 'owner'), group: 'de' },
        { ...expect_('b', 'owner'), group: 'fr' },
      ],
      [decided('a', 'escalate', 'UOWNER'), decided('b', 'assign', 'UAMIR')],
      people,
    );
    expect(grouped.groups.map((g) => [g.group, g.cases, g.figures['owner-recall'].value])).toEqual([
      ['de', 1, 1],
      ['fr', 1, 0],
    ]);
  });
});

describe('the category an escalation names', () => {
  it('is a category whose name or label heads one of the reasons', () => {
    const categories = ['legal', 'press', 'staff_dispute', 'ask_owner'];
    expect(namedCategory(['a dispute with staff ("unpaid wages")'], categories)).toBe('staff_dispute');
    expect(namedCategory(['VIP: Jane is on the VIP list', 'the press: @x is on the list'], categories)).toBe(
      'press',
    );
    // Words the customer wrote, quoted in the reason, are not the reason's category.
    expect(namedCategory(['asks for the owner ("press the owner")'], categories)).toBe('ask_owner');
    expect(namedCategory(['the third complaint from @mo in 7 days'], categories)).toBeUndefined();
  });
});

describe('thresholds', () => {
  it('reads figure=value as a share or a percentage, and says what is wrong with anything else', () => {
    expect(parseThreshold('min', 'owner-recall=0.85')).toEqual({
      figure: 'owner-recall',
      bound: 'min',
      value: 0.85,
    });
    expect(parseThreshold('max', 'routine-to-owner=5%')).toEqual({
      figure: 'routine-to-owner',
      bound: 'max',
      value: 0.05,
    });
    expect(parseThreshold('min', 'owner=0.9')).toMatch(/no figure "owner"/);
    expect(parseThreshold('min', 'owner-recall')).toMatch(/figure=value/);
    expect(parseThreshold('min', 'owner-recall=2')).toMatch(/between 0 and 1/);
  });

  it('names each threshold the figures miss, and only those', () => {
    const report = score(
      [expect_('a', 'owner'), expect_('b', 'owner'), expect_('c', 'staff')],
      [decided('a', 'escalate', 'UOWNER'), decided('b', 'assign', 'UAMIR'), decided('c', 'assign', 'UAMIR')],
      people,
    );
    const thresholds = [
      parseThreshold('min', 'owner-recall=0.85'),
      parseThreshold('max', 'routine-to-owner=0.05'),
      parseThreshold('min', 'owner-recall=0.5'),
    ].filter((t) => typeof t !== 'string');
    expect(missedThresholds(report.figures, thresholds)).toEqual(['owner recall 50% is below 85%']);
  });
});

describe('the corpus as a set', () => {
  const example = (
    text: string,
    label: CorpusExample['label'],
    lang: CorpusExample['lang'],
  ): CorpusExample => ({
    text,
    label,
    lang,
    tone: null,
    business: 'cafe',
  });

  it('expects each label in its lane, from a distinct author, half an hour apart', () => {
    const { inputs, cases } = corpusCases(
      [
        example('See you in court', 'legal', 'en'),
        example('Buy followers', 'spam', 'en'),
        example('Tenéis mesa?', 'routine', 'es'),
        example('Posso reservar?', 'routine', 'pt'),
      ],
      harbourTeam(),
    );
    expect(cases.map((c) => [c.expected.lane, c.expected.category, c.group])).toEqual([
      ['owner', 'legal', 'en'],
      ['drop', 'spam', 'en'],
      ['staff', 'routine', 'es'],
      ['staff', 'routine', 'pt'],
    ]);
    // Only the owner speaks Portuguese, so no staff member can be expected to.
    expect(cases.map((c) => c.expected.language)).toEqual(['en', 'en', 'es', null]);
    expect(new Set(inputs.map((i) => i.mention.author.id)).size).toBe(4);
    const times = inputs.map((i) => Date.parse(i.mention.createdAt));
    expect(times[1]! - times[0]!).toBe(30 * 60_000);
  });
});
