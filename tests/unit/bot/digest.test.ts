import { describe, expect, it } from 'vitest';
import { digestAsText, shapeDigest } from '../../../src/bot/digest/digest.js';
import { digestWeek, nextDigestAt } from '../../../src/bot/digest/schedule.js';
import type { DigestFacts, MissedConversation, OwnerLaneCase } from '../../../src/db/digest.repository.js';
import { blockKitProblems } from '../../standins/slack.standin.js';

const at = (iso: string) => new Date(iso);

describe('nextDigestAt', () => {
  it('is the coming Monday 08:00 in Paris, in winter and in summer time', () => {
    expect(nextDigestAt(at('2026-01-14T12:00:00Z'), 'Europe/Paris')).toEqual(at('2026-01-19T07:00:00Z'));
    expect(nextDigestAt(at('2026-07-01T12:00:00Z'), 'Europe/Paris')).toEqual(at('2026-07-06T06:00:00Z'));
  });

  it('keeps 08:00 on the wall clock across the weekends the clocks change', () => {
    // Paris: summer time from Sunday 29 March, winter time from Sunday 25 October 2026.
    expect(nextDigestAt(at('2026-03-27T12:00:00Z'), 'Europe/Paris')).toEqual(at('2026-03-30T06:00:00Z'));
    expect(nextDigestAt(at('2026-10-24T12:00:00Z'), 'Europe/Paris')).toEqual(at('2026-10-26T07:00:00Z'));
    // New York: daylight time from Sunday 8 March, standard time from Sunday 1 November 2026.
    expect(nextDigestAt(at('2026-03-07T12:00:00Z'), 'America/New_York')).toEqual(at('2026-03-09T12:00:00Z'));
    expect(nextDigestAt(at('2026-10-31T12:00:00Z'), 'America/New_York')).toEqual(at('2026-11-02T13:00:00Z'));
  });

  it('counts Monday in the owner’s zone east of UTC, where it starts while UTC is still on Sunday', () => {
    // Sunday 22:30 UTC is Monday 07:30 in Tokyo: today's digest is still ahead.
    expect(nextDigestAt(at('2026-12-06T22:30:00Z'), 'Asia/Tokyo')).toEqual(at('2026-12-06T23:00:00Z'));
    // Sunday 23:30 UTC is Monday 08:30 in Tokyo: this week's has gone, next week's is due.
    expect(nextDigestAt(at('2026-12-06T23:30:00Z'), 'Asia/Tokyo')).toEqual(at('2026-12-13T23:00:00Z'));
  });

  it('counts Monday in the owner’s zone west of UTC, and never schedules the digest it is sending', () => {
    // Monday 15:00 UTC is Monday 07:00 in Los Angeles.
    expect(nextDigestAt(at('2026-12-07T15:00:00Z'), 'America/Los_Angeles')).toEqual(
      at('2026-12-07T16:00:00Z'),
    );
    // Exactly at 08:00 the next one is a week later.
    expect(nextDigestAt(at('2026-12-07T16:00:00Z'), 'America/Los_Angeles')).toEqual(
      at('2026-12-14T16:00:00Z'),
    );
  });

  it('takes another hour, and falls back to UTC for a zone it does not know', () => {
    expect(nextDigestAt(at('2026-12-07T15:00:00Z'), 'Europe/London', 9)).toEqual(at('2026-12-14T09:00:00Z'));
    expect(nextDigestAt(at('2026-12-05T00:00:00Z'), 'Mars/Olympus')).toEqual(at('2026-12-07T08:00:00Z'));
  });
});

describe('digestWeek', () => {
  it('covers Monday to Sunday before a Monday-morning digest, in local days across a clock change', () => {
    const week = digestWeek(at('2026-03-30T06:00:00Z'), 'Europe/Paris');
    expect(week.start).toEqual(at('2026-03-22T23:00:00Z')); // Monday 23 March, 00:00 CET
    expect(week.end).toEqual(at('2026-03-29T22:00:00Z')); // Monday 30 March, 00:00 CEST
    expect(week.days).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
  });

  it('takes the owner’s date, not UTC’s, west of UTC', () => {
    const week = digestWeek(at('2026-12-07T16:00:00Z'), 'America/Los_Angeles');
    expect(week.end).toEqual(at('2026-12-07T08:00:00Z'));
    expect(week.days[0]).toBe('2026-11-30');
    expect(week.days[6]).toBe('2026-12-06');
  });
});

const week = digestWeek(at('2026-12-07T07:00:00Z'), 'Europe/Berlin');

const facts = (over: Partial<DigestFacts> = {}): DigestFacts => ({
  days: [
    { day: '2026-12-01', opened: 4, answered: 3, medianMinutes: 12, p90Minutes: 95 },
    { day: '2026-12-03', opened: 1, answered: 0, medianMinutes: null, p90Minutes: null },
  ],
  load: [
    {
      staffId: 'U1',
      name: 'Olga Owner',
      role: 'owner',
      assigned: 2,
      closed: 1,
      openAtEnd: 1,
      repliesPosted: 1,
    },
    { staffId: 'U2', name: 'Sam', role: 'staff', assigned: 3, closed: 3, openAtEnd: 0, repliesPosted: 4 },
  ],
  missed: [],
  missedTotal: 0,
  topCustomers: [],
  ownerLane: [],
  ownerLaneTotal: 0,
  ...over,
});

const missed = (i: number, over: Partial<MissedConversation> = {}): MissedConversation => ({
  conversationId: `c${i}`,
  network: 'x',
  authorHandle: `customer${i}`,
  assigneeId: null,
  assigneeName: null,
  openedAt: at('2026-12-02T09:00:00Z'),
  targetMinutes: 60,
  reason: 'nobody_eligible',
  queuedBecause: null,
  url: null,
  ...over,
});

const lane = (over: Partial<OwnerLaneCase> = {}): OwnerLaneCase => ({
  conversationId: 'c9',
  network: 'bluesky',
  authorHandle: 'journalist.example',
  escalatedAt: at('2026-12-02T10:00:00Z'),
  reason: 'a journalist is asking',
  outcome: 'resolved',
  url: 'https://bsky.app/profile/journalist.example/post/1',
  ...over,
});

const sectionText = (blocks: unknown[], title: string) =>
  (blocks as { type: string; text?: { text: string } }[])
    .map((b) => b.text?.text ?? '')
    .find((t) => t.startsWith(`*${title}*`)) ?? '';

describe('shapeDigest', () => {
  it('shows every day of the week, quiet ones included, and sums them', () => {
    const digest = shapeDigest(week, facts());
    expect(digest.period).toBe('30 Nov – 6 Dec 2026');
    expect(digest.chart.days.map((d) => d.label)).toEqual([
      'Mon 30',
      'Tue 1',
      'Wed 2',
      'Thu 3',
      'Fri 4',
      'Sat 5',
      'Sun 6',
    ]);
    expect(digest.chart.days[1]).toMatchObject({ opened: 4, medianMinutes: 12, p90Minutes: 95 });
    expect(digest.chart.days[0]).toMatchObject({ opened: 0, medianMinutes: null });
    expect(digest.text).toContain('5 conversations opened, 3 answered, 0 missed, 0 in the owner lane');
    const byDay = sectionText(digest.blocks, 'First response by day');
    expect(byDay).toContain('Tue 1 Dec: 4 opened, 3 answered, median 12 min, 90% within 1 h 35 min');
    expect(byDay).toContain('Mon 30 Nov: 0 opened, 0 answered');
  });

  it('charts each person’s closed and still-open conversations', () => {
    const digest = shapeDigest(week, facts());
    expect(digest.chart.load).toEqual([
      { person: 'Olga Owner', kind: 'closed', count: 1 },
      { person: 'Olga Owner', kind: 'open at week end', count: 1 },
      { person: 'Sam', kind: 'closed', count: 3 },
      { person: 'Sam', kind: 'open at week end', count: 0 },
    ]);
    expect(sectionText(digest.blocks, 'Load by person')).toContain(
      'Olga Owner (owner): 2 assigned, 1 closed, 1 open at week end, 1 reply',
    );
  });

  it('says why each target was missed', () => {
    const digest = shapeDigest(
      week,
      facts({
        missed: [
          missed(1, { queuedBecause: 'written in Thai, which nobody on the team speaks' }),
          missed(2, { reason: 'snoozed', assigneeName: 'Sam' }),
          missed(3, { reason: 'still_open', assigneeName: 'Sam' }),
          missed(4, { reason: 'closed_unanswered', assigneeName: 'Sam' }),
        ],
        missedTotal: 4,
      }),
    );
    const text = sectionText(digest.blocks, 'Missed');
    expect(text).toContain(
      '@customer1 on x, opened Wed 2 Dec, target 1 h: nobody eligible could take it (written in Thai, which nobody on the team speaks)',
    );
    expect(text).toContain(
      '@customer2 on x, opened Wed 2 Dec, target 1 h: snoozed past its target, with Sam',
    );
    expect(text).toContain('still open, with Sam');
    expect(text).toContain('closed late without a reply');
  });

  it('lists the owner lane with how each case ended', () => {
    const digest = shapeDigest(
      week,
      facts({
        ownerLane: [
          lane(),
          lane({ outcome: 'open', url: null }),
          lane({ outcome: 'replied' }),
          lane({ outcome: 'spam' }),
        ],
        ownerLaneTotal: 4,
      }),
    );
    const text = sectionText(digest.blocks, 'Owner lane');
    expect(text).toContain(
      '<https://bsky.app/profile/journalist.example/post/1|@journalist.example> on bluesky, Wed 2 Dec: a journalist is asking → *resolved*',
    );
    expect(text).toContain(
      '@journalist.example on bluesky, Wed 2 Dec: a journalist is asking → *open, no reply yet*',
    );
    expect(text).toContain('→ *replied, still open*');
    expect(text).toContain('→ *marked spam*');
    expect(digest.text).toContain('4 in the owner lane');
  });

  it('escapes what customers wrote: handles, names and reasons cannot ping or link', () => {
    const digest = shapeDigest(
      week,
      facts({
        topCustomers: [
          {
            network: 'x',
            authorId: 'a1',
            handle: '<!channel>',
            name: '<@U0BOSS> & co',
            mentions: 7,
            conversations: 2,
          },
        ],
        missed: [
          missed(1, { authorHandle: '<!here>', queuedBecause: 'asked for <https://evil.example|a refund>' }),
        ],
        missedTotal: 1,
        ownerLane: [lane({ authorHandle: 'x\u202Egoogle.com', reason: '<!everyone> is angry', url: null })],
        ownerLaneTotal: 1,
      }),
    );
    const all = digestAsText(digest.blocks as never);
    expect(all).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U0BOSS>|<https:\/\/evil/);
    expect(all).toContain('@&lt;!channel&gt; (&lt;@U0BOSS&gt; &amp; co) on x: 7 mentions in 2 conversations');
    expect(all).toContain('&lt;!everyone&gt; is angry');
    expect(all).not.toContain('\u202E');
  });

  it('stays within Slack’s limits however much there is, and counts what it leaves out', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      missed(i, { authorHandle: `a-rather-long-handle-${'x'.repeat(40)}-${i}` }),
    );
    const digest = shapeDigest(week, facts({ missed: many, missedTotal: 120 }));
    expect(blockKitProblems(digest.blocks, 50)).toEqual([]);
    const text = sectionText(digest.blocks, 'Missed');
    expect(text.length).toBeLessThanOrEqual(3000);
    const shown = text.split('\n').filter((l) => l.startsWith('• ')).length;
    expect(text).toContain(`…and ${120 - shown} more`);
    expect(digest.text).toContain('120 missed');
  });

  it('says plainly when a week was quiet', () => {
    const digest = shapeDigest(week, facts({ days: [], load: [] }));
    expect(blockKitProblems(digest.blocks, 50)).toEqual([]);
    expect(sectionText(digest.blocks, 'Missed')).toContain('Nothing missed');
    expect(sectionText(digest.blocks, 'Owner lane')).toContain('Nothing was escalated to the owner.');
    expect(sectionText(digest.blocks, 'Customers who wrote most')).toContain('Nobody wrote this week.');
  });
});
