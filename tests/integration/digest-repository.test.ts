import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestWeek } from '../../src/bot/digest/schedule.js';
import { renderWeeklyDigest } from '../../src/bot/digest/weekly-digest.js';
import type { Database } from '../../src/db/client.js';
import { type DigestFacts, loadDigestFacts } from '../../src/db/digest.repository.js';
import { assignments, conversations, events, mentions, replies, staff } from '../../src/db/schema.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';

const OWNER = 'U0OWN';
const SAM = 'U0SAM';
const GONE = 'U0GONE';
const at = (iso: string) => new Date(iso);

/** A conversation with its first mention; more mentions of the same customer with `mentions`. */
async function conversation(
  db: Database,
  o: {
    handle: string;
    network?: string;
    openedAt: string;
    assignee?: string;
    target?: number | null;
    status?: 'open' | 'replied' | 'resolved' | 'spam';
    closedAt?: string;
    url?: string;
  },
) {
  const network = o.network ?? 'x';
  const [row] = await db
    .insert(conversations)
    .values({
      network,
      account: 'shop',
      authorId: `id-${o.handle}`,
      authorHandle: o.handle,
      assigneeId: o.assignee ?? null,
      status: o.status ?? 'open',
      responseTargetMinutes: o.target === undefined ? 60 : o.target,
      openedAt: at(o.openedAt),
      closedAt: o.closedAt ? at(o.closedAt) : null,
    })
    .returning({ id: conversations.id });
  const id = row!.id;
  const mentionId = await mention(db, id, network, o.handle, o.openedAt, o.url);
  await db.update(conversations).set({ firstMentionId: mentionId }).where(eq(conversations.id, id));
  if (o.assignee) await assign(db, id, o.assignee, o.openedAt);
  return { id, mentionId };
}

async function mention(
  db: Database,
  conversationId: string,
  network: string,
  handle: string,
  postedAt: string,
  url?: string,
) {
  const [row] = await db
    .insert(mentions)
    .values({
      network,
      externalId: randomUUID(),
      account: 'shop',
      authorId: `id-${handle.replace(/_new$/, '')}`,
      authorHandle: handle,
      authorName: handle === 'alice_new' ? 'Alice A.' : null,
      text: 'hello',
      url: url ?? null,
      postedAt: at(postedAt),
      conversationId,
    })
    .returning({ id: mentions.id });
  return row!.id;
}

const assign = (db: Database, conversationId: string, staffId: string, assignedAt: string) =>
  db
    .insert(assignments)
    .values({ conversationId, staffId, assignedBy: 'router', reasons: [], assignedAt: at(assignedAt) });

const reply = (db: Database, c: { id: string; mentionId: string }, staffId: string, postedAt: string) =>
  db.insert(replies).values({
    conversationId: c.id,
    mentionId: c.mentionId,
    staffId,
    submissionKey: randomUUID(),
    text: 'thanks',
    status: 'posted',
    postedAt: at(postedAt),
  });

async function event(
  db: Database,
  conversationId: string,
  type: string,
  when: string,
  details: Record<string, unknown>,
) {
  const [row] = await db
    .insert(events)
    .values({ conversationId, type, actor: 'router', details, at: at(when) })
    .returning({ id: events.id });
  return row!.id;
}

/**
 * One week in Berlin, Monday 30 November to Sunday 6 December 2026 (CET,
 * UTC+1), with one case of each thing the digest tells apart.
 */
async function seed(db: Database) {
  await db.insert(staff).values([
    { id: OWNER, name: 'Olga Owner', role: 'owner' },
    { id: SAM, name: 'Sam', role: 'staff' },
    { id: GONE, name: 'Gone', role: 'staff', onRoster: false },
    { id: 'U0IDLE', name: 'Idle', role: 'staff', onRoster: false },
  ]);
  // Tuesday: answered in 12 and 30 minutes; alice writes twice more, under a new handle.
  const c1 = await conversation(db, {
    handle: 'alice',
    openedAt: '2026-12-01T09:00:00Z',
    assignee: SAM,
    status: 'resolved',
    closedAt: '2026-12-01T10:00:00Z',
  });
  await reply(db, c1, SAM, '2026-12-01T09:12:00Z');
  await mention(db, c1.id, 'x', 'alice', '2026-12-01T09:05:00Z');
  await mention(db, c1.id, 'x', 'alice_new', '2026-12-03T09:05:00Z');
  const c2 = await conversation(db, {
    handle: 'bob',
    openedAt: '2026-12-01T10:00:00Z',
    assignee: SAM,
    status: 'replied',
  });
  await reply(db, c2, SAM, '2026-12-01T10:30:00Z');
  // Monday 00:30 in Berlin, still Sunday in UTC; nobody could take it.
  const c3 = await conversation(db, {
    handle: 'carol',
    network: 'mastodon',
    openedAt: '2026-11-29T23:30:00Z',
  });
  await event(db, c3.id, 'conversation.queued', '2026-11-29T23:30:00Z', {
    action: 'queue',
    assigneeId: null,
    reasons: ['waiting in the queue: nobody eligible right now'],
  });
  // Snoozed over its deadline (10:00).
  const c4 = await conversation(db, {
    handle: 'dave',
    openedAt: '2026-12-02T08:00:00Z',
    assignee: SAM,
    target: 120,
  });
  await event(db, c4.id, 'conversation.snoozed', '2026-12-02T08:10:00Z', {
    until: '2026-12-02T12:00:00.000Z',
    option: '3h',
  });
  // Snoozed, but the snooze ended before its deadline (14:00): simply still open.
  const c14 = await conversation(db, {
    handle: 'kim',
    openedAt: '2026-12-02T12:00:00Z',
    assignee: SAM,
    target: 120,
  });
  const snooze = await event(db, c14.id, 'conversation.snoozed', '2026-12-02T12:05:00Z', {
    until: '2026-12-02T18:00:00.000Z',
    option: '3h',
  });
  await event(db, c14.id, 'conversation.snooze_ended', '2026-12-02T13:00:00Z', { snoozeEventId: snooze });
  await conversation(db, { handle: 'erin', openedAt: '2026-12-03T08:00:00Z', assignee: SAM });
  // Closed late without a reply (missed), and closed in time without one (a decision, not missed).
  await conversation(db, {
    handle: 'frank',
    openedAt: '2026-12-03T09:00:00Z',
    assignee: SAM,
    status: 'resolved',
    closedAt: '2026-12-03T12:00:00Z',
  });
  await conversation(db, {
    handle: 'gina',
    openedAt: '2026-12-03T10:00:00Z',
    assignee: SAM,
    status: 'resolved',
    closedAt: '2026-12-03T10:30:00Z',
  });
  // The owner lane: escalated by the router, answered and resolved.
  const c8 = await conversation(db, {
    handle: 'journalist',
    network: 'bluesky',
    openedAt: '2026-12-04T09:00:00Z',
    assignee: OWNER,
    status: 'resolved',
    closedAt: '2026-12-04T11:00:00Z',
    url: 'https://bsky.app/profile/journalist/post/1',
  });
  await event(db, c8.id, 'conversation.assigned', '2026-12-04T09:00:00Z', {
    action: 'escalate',
    assigneeId: OWNER,
    reasons: ['a journalist is asking'],
  });
  await reply(db, c8, OWNER, '2026-12-04T09:45:00Z');
  await mention(db, c8.id, 'bluesky', 'journalist', '2026-12-04T09:30:00Z');
  // Escalated later by a person; still open and missed.
  const c9 = await conversation(db, {
    handle: 'hank',
    openedAt: '2026-12-05T09:00:00Z',
    assignee: SAM,
    target: 240,
  });
  await event(db, c9.id, 'conversation.assigned', '2026-12-05T09:00:00Z', {
    action: 'assign',
    assigneeId: SAM,
    reasons: [],
  });
  await event(db, c9.id, 'conversation.escalated', '2026-12-05T10:00:00Z', {
    ownerId: OWNER,
    previousAssigneeId: SAM,
    reasons: ['angry follow-up'],
  });
  await assign(db, c9.id, OWNER, '2026-12-05T10:00:00Z');
  await db
    .update(conversations)
    .set({ assigneeId: OWNER, escalated: true })
    .where(eq(conversations.id, c9.id));
  // Escalated on Sunday, answered and resolved only after the week: open when it ended.
  const c12 = await conversation(db, {
    handle: 'lena',
    openedAt: '2026-12-06T10:00:00Z',
    assignee: OWNER,
    target: null,
    status: 'resolved',
    closedAt: '2026-12-08T09:00:00Z',
  });
  await event(db, c12.id, 'conversation.escalated', '2026-12-06T10:00:00Z', {
    ownerId: OWNER,
    previousAssigneeId: null,
    reasons: ['refund over the limit'],
  });
  await reply(db, c12, OWNER, '2026-12-07T09:00:00Z');
  // Spam counts nowhere, however much it wrote.
  const spam = await conversation(db, {
    handle: 'spammer',
    openedAt: '2026-12-02T09:00:00Z',
    status: 'spam',
    closedAt: '2026-12-02T09:00:01Z',
  });
  for (let i = 0; i < 5; i++) await mention(db, spam.id, 'x', 'spammer', `2026-12-02T09:0${i}:00Z`);
  // Outside the week: escalated the week before, opened after.
  const before = await conversation(db, {
    handle: 'ivy',
    openedAt: '2026-11-25T09:00:00Z',
    assignee: GONE,
    target: null,
  });
  await event(db, before.id, 'conversation.escalated', '2026-11-25T10:00:00Z', {
    ownerId: OWNER,
    reasons: ['old'],
  });
  const after = await conversation(db, { handle: 'max', openedAt: '2026-12-07T08:00:00Z', assignee: SAM });
  await reply(db, after, SAM, '2026-12-07T08:05:00Z');
}

const WEEK = digestWeek(at('2026-12-07T07:00:00Z'), 'Europe/Berlin');

describe.each(DATABASE_KINDS)('the weekly digest’s facts (%s)', (kind) => {
  let testDb: TestDatabase;
  let facts: DigestFacts;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    await seed(testDb.db);
    facts = await loadDigestFacts(testDb.db, WEEK);
  });
  afterAll(() => testDb?.destroy());

  it('reads first responses by the owner’s day, spam and other weeks left out', () => {
    expect(facts.days).toEqual([
      { day: '2026-11-30', opened: 1, answered: 0, medianMinutes: null, p90Minutes: null },
      { day: '2026-12-01', opened: 2, answered: 2, medianMinutes: 21, p90Minutes: expect.closeTo(28.2, 5) },
      { day: '2026-12-02', opened: 2, answered: 0, medianMinutes: null, p90Minutes: null },
      { day: '2026-12-03', opened: 3, answered: 0, medianMinutes: null, p90Minutes: null },
      { day: '2026-12-04', opened: 1, answered: 1, medianMinutes: 45, p90Minutes: 45 },
      { day: '2026-12-05', opened: 1, answered: 0, medianMinutes: null, p90Minutes: null },
      // Its reply came after the week ended.
      { day: '2026-12-06', opened: 1, answered: 0, medianMinutes: null, p90Minutes: null },
    ]);
  });

  it('reads each person’s load, and keeps someone off the roster only while they had work', () => {
    expect(facts.load).toEqual([
      {
        staffId: OWNER,
        name: 'Olga Owner',
        role: 'owner',
        assigned: 3,
        closed: 1,
        openAtEnd: 2,
        repliesPosted: 1,
      },
      { staffId: GONE, name: 'Gone', role: 'staff', assigned: 0, closed: 0, openAtEnd: 1, repliesPosted: 0 },
      { staffId: SAM, name: 'Sam', role: 'staff', assigned: 8, closed: 3, openAtEnd: 4, repliesPosted: 2 },
    ]);
  });

  it('finds every target missed that week, with why', () => {
    expect(facts.missed.map((m) => [m.authorHandle, m.reason, m.assigneeName])).toEqual([
      ['carol', 'nobody_eligible', null],
      ['dave', 'snoozed', 'Sam'],
      ['kim', 'still_open', 'Sam'],
      ['erin', 'still_open', 'Sam'],
      ['frank', 'closed_unanswered', 'Sam'],
      ['hank', 'still_open', 'Olga Owner'],
    ]);
    expect(facts.missedTotal).toBe(6);
    expect(facts.missed[0]).toMatchObject({
      network: 'mastodon',
      openedAt: at('2026-11-29T23:30:00Z'),
      targetMinutes: 60,
      queuedBecause: 'waiting in the queue: nobody eligible right now',
    });
  });

  it('ranks the customers who wrote most, under their latest handle', () => {
    expect(facts.topCustomers.slice(0, 2)).toEqual([
      {
        network: 'x',
        authorId: 'id-alice',
        handle: 'alice_new',
        name: 'Alice A.',
        mentions: 3,
        conversations: 1,
      },
      {
        network: 'bluesky',
        authorId: 'id-journalist',
        handle: 'journalist',
        name: null,
        mentions: 2,
        conversations: 1,
      },
    ]);
    expect(facts.topCustomers).toHaveLength(5);
    expect(facts.topCustomers.map((c) => c.handle)).not.toContain('spammer');
  });

  it('lists the owner lane with how each case stood when the week ended', () => {
    expect(facts.ownerLane.map((c) => [c.authorHandle, c.reason, c.outcome])).toEqual([
      ['journalist', 'a journalist is asking', 'resolved'],
      ['hank', 'angry follow-up', 'open'],
      ['lena', 'refund over the limit', 'open'],
    ]);
    expect(facts.ownerLane[0]).toMatchObject({
      escalatedAt: at('2026-12-04T09:00:00Z'),
      url: 'https://bsky.app/profile/journalist/post/1',
    });
    expect(facts.ownerLaneTotal).toBe(3);
  });

  it('counts all it leaves out past a limit', async () => {
    const limited = await loadDigestFacts(testDb.db, WEEK, { missed: 2, ownerLane: 1, topCustomers: 1 });
    expect(limited.missed).toHaveLength(2);
    expect(limited.missedTotal).toBe(6);
    expect(limited.ownerLane).toHaveLength(1);
    expect(limited.ownerLaneTotal).toBe(3);
    expect(limited.topCustomers).toHaveLength(1);
  });

  it('renders the whole digest: text, blocks and a PNG chart', async () => {
    const digest = await renderWeeklyDigest(testDb.db, {
      weekEnding: at('2026-12-07T07:00:00Z'),
      timezone: 'Europe/Berlin',
    });
    expect(digest.text).toBe(
      'Weekly digest 30 Nov – 6 Dec 2026: 11 conversations opened, 3 answered, 6 missed, 3 in the owner lane',
    );
    expect(digest.filename).toBe('firsthand-digest-2026-11-30.png');
    expect(digest.title).toBe('Weekly digest 30 Nov – 6 Dec 2026');
    expect(digest.png.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(digest.mrkdwn).toContain('→ *resolved*');
  });
});
