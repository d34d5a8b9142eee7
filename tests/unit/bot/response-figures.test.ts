import { describe, expect, it } from 'vitest';
import { figuresBlocks, figuresLine, homeFiguresSection } from '../../../src/bot/figures-view.js';
import {
  computeResponseFigures,
  percentile,
  periodStart,
  type ResponseFigures,
} from '../../../src/bot/response-figures.js';
import type {
  ConversationResponseFacts,
  TimeoutEventFacts,
} from '../../../src/db/response-figures.repository.js';
import { blockKitProblems } from '../../standins/slack.standin.js';

const NOW = new Date('2025-06-02T10:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const daysAgo = (d: number) => minutesAgo(d * 24 * 60);

let n = 0;
/** A conversation opened `openedDaysAgo` days ago with a 60-minute target, answered after `answeredAfter` minutes. */
function conversation(
  values: Partial<ConversationResponseFacts> & { answeredAfter?: number; openedDaysAgo?: number } = {},
): ConversationResponseFacts {
  const { answeredAfter, openedDaysAgo = 1, ...rest } = values;
  const openedAt = rest.openedAt ?? daysAgo(openedDaysAgo);
  return {
    id: `c${++n}`,
    network: 'x',
    openedAt,
    targetMinutes: 60,
    firstResponseAt:
      answeredAfter === undefined ? null : new Date(openedAt.getTime() + answeredAfter * 60_000),
    firstResponderId: answeredAfter === undefined ? null : 'U0ANN',
    assigneeId: 'U0ANN',
    open: answeredAfter === undefined,
    snoozedUntil: null,
    ...rest,
  };
}

const names = new Map([
  ['U0ANN', 'Ann'],
  ['U0BOB', 'Bob'],
]);

const compute = (
  conversations: ConversationResponseFacts[],
  timeouts: TimeoutEventFacts[] = [],
  period: 'week' | 'month' = 'week',
) => computeResponseFigures({ period, now: NOW, conversations, timeouts, staffNames: names });

describe('percentile', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(percentile([30, 10, 20], 0.5)).toBe(20);
    expect(percentile([40, 10, 30, 20], 0.5)).toBe(25);
  });

  it('interpolates the 90th percentile between neighbours, as percentile_cont does', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(percentile([5, 1, 3], 0.9)).toBeCloseTo(4.6);
    expect(percentile([7], 0.9)).toBe(7);
  });

  it('has no value for no values', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([], 0.9)).toBeNull();
  });
});

describe('response figures for a period', () => {
  it('are empty, not zero, when nothing happened in the period', () => {
    const figures = compute([]);
    expect(figures.from).toEqual(daysAgo(7));
    expect(figures.to).toEqual(NOW);
    expect(figures.team).toEqual({
      opened: 0,
      answered: 0,
      medianFirstResponseMinutes: null,
      p90FirstResponseMinutes: null,
      withinTarget: { met: 0, of: 0, share: null },
      reassignedByTimeout: 0,
      escalatedByTimeout: 0,
      overdueNow: 0,
    });
    expect(figures.people).toEqual([]);
    expect(figures.networks).toEqual([]);
  });

  it('gives the median and p90 of first-response minutes, and the share answered by the target', () => {
    const figures = compute([
      conversation({ answeredAfter: 10 }),
      conversation({ answeredAfter: 20 }),
      conversation({ answeredAfter: 60 }), // exactly at the target still counts as within it
      conversation({ answeredAfter: 90 }),
    ]);
    expect(figures.team).toMatchObject({
      opened: 4,
      answered: 4,
      medianFirstResponseMinutes: 40,
      withinTarget: { met: 3, of: 4, share: 0.75 },
    });
    expect(figures.team.p90FirstResponseMinutes).toBeCloseTo(81);
  });

  it('counts an open, unanswered conversation past its due time as overdue and as missing its target', () => {
    const figures = compute([
      conversation({ answeredAfter: 5 }),
      conversation({ openedAt: minutesAgo(90) }), // overdue
      conversation({ openedAt: minutesAgo(30) }), // not due yet: neither met nor missed
      conversation({ openedAt: minutesAgo(90), snoozedUntil: minutesAgo(-60) }), // snoozed
      conversation({ openedAt: minutesAgo(90), snoozedUntil: minutesAgo(10) }), // snooze over: overdue
      conversation({ openedAt: minutesAgo(90), open: false }), // closed without a reply
      conversation({ openedAt: minutesAgo(90), targetMinutes: null }), // no target
    ]);
    expect(figures.team).toMatchObject({
      opened: 7,
      answered: 1,
      overdueNow: 2,
      withinTarget: { met: 1, of: 3, share: 1 / 3 },
    });
  });

  it('judges by the response clock’s working-hours time when the clock ran', () => {
    const figures = compute([
      // Opened 90 minutes ago at night: by the wall clock overdue, by the assignee's hours due tomorrow.
      conversation({ openedAt: minutesAgo(90), clockDueAt: minutesAgo(-600) }),
      // Answered after 70 minutes, within a clock that gave it until 120.
      conversation({ openedAt: minutesAgo(200), answeredAfter: 70, clockDueAt: minutesAgo(80) }),
    ]);
    expect(figures.team).toMatchObject({ overdueNow: 0, withinTarget: { met: 1, of: 1, share: 1 } });
  });

  it('counts conversations overdue now that were opened before the period, but nothing else of them', () => {
    const figures = compute([
      conversation({ openedDaysAgo: 20 }),
      conversation({ openedDaysAgo: 20, answeredAfter: 5, open: false }),
    ]);
    expect(figures.team).toMatchObject({ opened: 0, answered: 0, overdueNow: 1 });
    expect(figures.team.withinTarget.of).toBe(0);
    expect(compute([conversation({ openedDaysAgo: 20, answeredAfter: 5 })], [], 'month').team).toMatchObject({
      opened: 1,
      answered: 1,
    });
  });

  it('credits the person who answered first, and an unanswered conversation to whoever holds it', () => {
    const figures = compute([
      conversation({ answeredAfter: 10, assigneeId: 'U0ANN', firstResponderId: 'U0BOB' }),
      conversation({ openedAt: minutesAgo(120), assigneeId: 'U0ANN' }),
      conversation({ openedAt: minutesAgo(120), assigneeId: null }),
    ]);
    const person = (id: string) => figures.people.find((p) => p.staffId === id);
    expect(person('U0BOB')).toMatchObject({ name: 'Bob', opened: 1, answered: 1, overdueNow: 0 });
    expect(person('U0ANN')).toMatchObject({ name: 'Ann', opened: 1, answered: 0, overdueNow: 1 });
    expect(figures.people).toHaveLength(2);
    expect(figures.team).toMatchObject({ opened: 3, overdueNow: 2 });
  });

  it('splits by network, busiest first', () => {
    const figures = compute([
      conversation({ network: 'mastodon', answeredAfter: 10 }),
      conversation({ network: 'x', answeredAfter: 30 }),
      conversation({ network: 'x', answeredAfter: 50 }),
    ]);
    expect(figures.networks.map((f) => [f.network, f.opened, f.medianFirstResponseMinutes])).toEqual([
      ['x', 2, 40],
      ['mastodon', 1, 10],
    ]);
  });

  it('counts reassignments and escalations on timeout in the period, for the person it was taken from', () => {
    const figures = compute(
      [],
      [
        { type: 'handed_over', at: minutesAgo(30), network: 'x', staffId: 'U0ANN' },
        { type: 'handed_over', at: minutesAgo(40), network: 'x', staffId: 'U0ANN' },
        { type: 'owner_told', at: minutesAgo(50), network: 'mastodon', staffId: 'U0BOB' },
        { type: 'owner_told', at: daysAgo(8), network: 'x', staffId: 'U0BOB' },
      ],
    );
    expect(figures.team).toMatchObject({ reassignedByTimeout: 2, escalatedByTimeout: 1 });
    expect(figures.people.find((p) => p.staffId === 'U0ANN')).toMatchObject({ reassignedByTimeout: 2 });
    expect(figures.people.find((p) => p.staffId === 'U0BOB')).toMatchObject({ escalatedByTimeout: 1 });
    expect(figures.networks.find((f) => f.network === 'mastodon')).toMatchObject({ escalatedByTimeout: 1 });
  });

  it('takes its due times from the clock it is given', () => {
    const dueInADay = (openedAt: Date) => new Date(openedAt.getTime() + 86_400_000);
    const figures = computeResponseFigures({
      period: 'week',
      now: NOW,
      conversations: [conversation({ answeredAfter: 90 }), conversation({ openedAt: minutesAgo(120) })],
      timeouts: [],
      staffNames: names,
      dueAt: dueInADay,
    });
    expect(figures.team).toMatchObject({ overdueNow: 0, withinTarget: { met: 1, of: 1 } });
  });

  it('reaches back 7 days for a week and 30 for a month', () => {
    expect(periodStart('week', NOW)).toEqual(daysAgo(7));
    expect(periodStart('month', NOW)).toEqual(daysAgo(30));
  });
});

describe('response figures in Slack', () => {
  const figures: ResponseFigures = compute(
    [
      conversation({ answeredAfter: 12 }),
      conversation({ answeredAfter: 200, network: 'toString', firstResponderId: 'U0BOB' }),
      conversation({ openedAt: minutesAgo(120), network: '<!channel>' }),
    ],
    [{ type: 'handed_over', at: minutesAgo(5), network: 'x', staffId: 'U0ANN' }],
  );

  it('says the team’s median, p90, share within target, timeouts and overdue in one line', () => {
    expect(figuresLine(figures.team)).toBe(
      'first response median 1 h 46 min, p90 3 h 1 min · 33% within target (1 of 3) · 1 reassigned on timeout · :warning: 1 overdue now',
    );
    expect(figuresLine(compute([]).team)).toBe('no first responses');
  });

  it('shows each person by their roster id and escapes each network', () => {
    const text = JSON.stringify(figuresBlocks(figures));
    expect(text).toContain('<@U0ANN>');
    expect(text).toContain('<@U0BOB>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(blockKitProblems(figuresBlocks(figures), 50)).toEqual([]);
  });

  it('keeps App Home to the team and the person looking', () => {
    const text = JSON.stringify(homeFiguresSection(figures, 'U0BOB'));
    expect(text).toContain('*You:* 1 new, 1 answered');
    expect(text).toContain('The last 7 days');
    expect(JSON.stringify(homeFiguresSection(figures, 'U0NEW'))).toContain('nothing in this period');
  });
});
