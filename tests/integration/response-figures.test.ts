import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResponseFigures } from '../../src/bot/team-views.js';
import {
  listConversationResponseFacts,
  listTimeoutEvents,
  staffNames,
} from '../../src/db/response-figures.repository.js';
import { conversations, events, replies } from '../../src/db/schema.js';
import { upsertRoster } from '../../src/db/staff.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';
import { insertMention } from '../support/mentions.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const daysAgo = (d: number) => minutesAgo(d * 24 * 60);
const WEEK_START = daysAgo(7);

const person = (id: string, name: string) => ({
  id,
  name,
  role: 'staff' as const,
  skills: [],
  languages: ['en'],
  timezone: 'UTC',
  capacity: 5,
});

describe.each(DATABASE_KINDS)('response figures on %s', (kind) => {
  let database: TestDatabase;
  const ids: Record<string, string> = {};

  /** A conversation with a 60-minute target and its first mention. */
  async function open(
    name: string,
    values: Partial<typeof conversations.$inferInsert> & { openedAt: Date },
  ): Promise<{ id: string; mentionId: string }> {
    const { db } = database;
    const [row] = await db
      .insert(conversations)
      .values({
        network: 'x',
        account: 'shop',
        authorId: `author-${name}`,
        authorHandle: name,
        assigneeId: 'U0ANN',
        responseTargetMinutes: 60,
        ...values,
      })
      .returning({ id: conversations.id });
    const { row: mention } = await insertMention(db, {
      network: values.network ?? 'x',
      externalId: `m-${name}`,
      account: 'shop',
      authorId: `author-${name}`,
      authorHandle: name,
      text: 'hello <!channel>',
      postedAt: values.openedAt,
      conversationId: row!.id,
    });
    ids[name] = row!.id;
    return { id: row!.id, mentionId: mention.id };
  }

  async function reply(
    c: { id: string; mentionId: string },
    staffId: string,
    status: 'queued' | 'posted' | 'failed',
    postedAt: Date | null,
  ) {
    await database.db.insert(replies).values({
      conversationId: c.id,
      mentionId: c.mentionId,
      staffId,
      submissionKey: `${c.id}-${staffId}-${status}-${postedAt?.getTime()}`,
      text: 'thanks',
      status,
      postedAt,
    });
  }

  async function event(conversationId: string, type: string, at: Date, details: Record<string, unknown>) {
    await database.db.insert(events).values({ conversationId, actor: 'bot', type, at, details });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await upsertRoster(database.db, [person('U0ANN', 'Ann'), person('U0BOB', 'Bob')]);

    // Answered 30 minutes in by Ann, then by Bob; a queued and a failed reply earlier count for nothing.
    const answered = await open('answered', {
      openedAt: daysAgo(2),
      status: 'replied',
      firstRepliedAt: new Date(daysAgo(2).getTime() + 30 * 60_000),
    });
    await reply(answered, 'U0BOB', 'queued', null);
    await reply(answered, 'U0BOB', 'failed', null);
    await reply(answered, 'U0BOB', 'posted', new Date(daysAgo(2).getTime() + 50 * 60_000));
    await reply(answered, 'U0ANN', 'posted', new Date(daysAgo(2).getTime() + 30 * 60_000));

    const overdue = await open('overdue', {
      network: 'mastodon',
      openedAt: minutesAgo(180),
      assigneeId: 'U0BOB',
    });
    const snoozed = await open('snoozed', {
      network: 'mastodon',
      openedAt: minutesAgo(180),
      assigneeId: 'U0BOB',
    });
    await event(snoozed.id, 'conversation.snoozed', minutesAgo(100), {
      until: minutesAgo(-60).toISOString(),
      option: '2h',
    });
    const woken = await open('woken', { openedAt: minutesAgo(180) });
    const snooze = { until: minutesAgo(-60).toISOString(), option: '2h' };
    await event(woken.id, 'conversation.snoozed', minutesAgo(100), snooze);
    await event(woken.id, 'conversation.snooze_ended', minutesAgo(50), { snoozeEventId: 1 });

    // Before the week: still overdue now, and answered ones that only a month shows.
    await open('old-overdue', { openedAt: daysAgo(20) });
    const oldAnswered = await open('old-answered', {
      openedAt: daysAgo(20),
      status: 'resolved',
      closedAt: daysAgo(19),
      firstRepliedAt: new Date(daysAgo(20).getTime() + 10 * 60_000),
    });
    await reply(oldAnswered, 'U0BOB', 'posted', new Date(daysAgo(20).getTime() + 10 * 60_000));

    // Brought back from the spam filter: its second conversation counts, this one does not.
    await open('not-spam', { openedAt: daysAgo(1), status: 'not_spam', closedAt: daysAgo(1) });
    // Answered before replies were recorded row by row: first_replied_at alone says when.
    await open('legacy', {
      openedAt: daysAgo(1),
      status: 'replied',
      firstRepliedAt: new Date(daysAgo(1).getTime() + 90 * 60_000),
    });

    await event(overdue.id, 'conversation.reassigned', minutesAgo(60), {
      assigneeId: 'U0BOB',
      previousAssigneeId: 'U0ANN',
      reason: 'response_timeout',
    });
    await event(overdue.id, 'clock.step', minutesAgo(30), {
      step: 'owner',
      outcome: 'owner_told',
      dueAt: minutesAgo(30).toISOString(),
      to: 'U0OWNER',
    });
    // Handed over by hand, and a timeout before the week: neither counts for the week.
    await event(overdue.id, 'conversation.reassigned', minutesAgo(20), {
      assigneeId: 'U0BOB',
      previousAssigneeId: 'U0ANN',
    });
    await event(oldAnswered.id, 'clock.step', daysAgo(19), {
      step: 'owner',
      outcome: 'owner_told',
      dueAt: daysAgo(19).toISOString(),
      to: 'U0OWNER',
    });
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('reads each conversation of the period and every open unanswered one, with its first posted reply', async () => {
    const facts = await listConversationResponseFacts(database.db, WEEK_START, NOW);
    const byName = (name: string) => facts.find((f) => f.id === ids[name]);
    expect(facts.map((f) => f.id).sort()).toEqual(
      ['answered', 'overdue', 'snoozed', 'woken', 'old-overdue', 'legacy'].map((n) => ids[n]).sort(),
    );
    expect(byName('answered')).toMatchObject({
      network: 'x',
      openedAt: daysAgo(2),
      targetMinutes: 60,
      firstResponseAt: new Date(daysAgo(2).getTime() + 30 * 60_000),
      firstResponderId: 'U0ANN',
      open: true,
      snoozedUntil: null,
    });
    expect(byName('legacy')).toMatchObject({
      firstResponseAt: new Date(daysAgo(1).getTime() + 90 * 60_000),
      firstResponderId: null,
    });
    expect(byName('snoozed')?.snoozedUntil).toEqual(minutesAgo(-60));
    expect(byName('woken')?.snoozedUntil).toBeNull();
    expect(byName('old-overdue')).toMatchObject({ firstResponseAt: null, open: true, assigneeId: 'U0ANN' });
  });

  it('reads reassignments and escalations on timeout in the period, for whom they were taken from', async () => {
    const timeouts = await listTimeoutEvents(database.db, WEEK_START, NOW);
    expect(timeouts.sort((a, b) => a.at.getTime() - b.at.getTime())).toEqual([
      { type: 'handed_over', at: minutesAgo(60), network: 'mastodon', staffId: 'U0ANN' },
      { type: 'owner_told', at: minutesAgo(30), network: 'mastodon', staffId: 'U0BOB' },
    ]);
    expect(await listTimeoutEvents(database.db, daysAgo(30), NOW)).toHaveLength(3);
    expect((await staffNames(database.db)).get('U0BOB')).toBe('Bob');
  });

  it('gives the week’s figures for the team, each person and each network', async () => {
    const figures = await loadResponseFigures({ db: database.db, now: () => NOW }, 'week');
    expect(figures.team).toEqual({
      opened: 5,
      answered: 2,
      medianFirstResponseMinutes: 60,
      p90FirstResponseMinutes: 84,
      withinTarget: { met: 1, of: 4, share: 0.25 },
      reassignedByTimeout: 1,
      escalatedByTimeout: 1,
      overdueNow: 3,
    });
    const ann = figures.people.find((p) => p.staffId === 'U0ANN');
    expect(ann).toMatchObject({
      name: 'Ann',
      // Hers: the one she answered first, and those she holds unanswered or answered with no reply row.
      opened: 3,
      answered: 2,
      medianFirstResponseMinutes: 60,
      reassignedByTimeout: 1,
      overdueNow: 2,
    });
    expect(figures.people.find((p) => p.staffId === 'U0BOB')).toMatchObject({
      opened: 2,
      answered: 0,
      escalatedByTimeout: 1,
      overdueNow: 1,
    });
    expect(figures.networks.map((n) => [n.network, n.opened, n.overdueNow])).toEqual([
      ['x', 3, 2],
      ['mastodon', 2, 1],
    ]);
  });

  it('gives the month’s figures, reaching back 30 days', async () => {
    const figures = await loadResponseFigures({ db: database.db, now: () => NOW }, 'month');
    expect(figures.from).toEqual(daysAgo(30));
    expect(figures.team).toMatchObject({
      opened: 7,
      answered: 3,
      medianFirstResponseMinutes: 30,
      escalatedByTimeout: 2,
      overdueNow: 3,
    });
  });
});
