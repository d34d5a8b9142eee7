import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { findConversation, resolveConversation } from '../../src/db/conversations.repository.js';
import { readCursor, writeCursor } from '../../src/db/cursors.repository.js';
import { appendEvent } from '../../src/db/events.repository.js';
import { findMention, listUnrouted, storeMentions } from '../../src/db/mentions.repository.js';
import { createReply } from '../../src/db/replies.repository.js';
import {
  type OpenOutcome,
  openRoutedConversation,
  type RoutedConversationValues,
} from '../../src/db/routing.repository.js';
import { mentions, slackOutbox, staff } from '../../src/db/schema.js';
import { settleRow } from '../../src/db/slack-outbox.repository.js';
import { tidyOutbox } from '../../src/db/slack-outbox-queries.repository.js';
import { findRosterMember, listRosterWithLoad, upsertRoster } from '../../src/db/staff.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';
import { insertMention } from '../support/mentions.js';

const person = (id: string, role: 'owner' | 'staff' = 'staff') => ({
  id,
  name: id,
  role,
  skills: [],
  languages: ['en'],
  timezone: 'UTC',
  capacity: 5,
});

const mentionValues = (externalId: string, authorId = 'a1') => ({
  network: 'mastodon',
  externalId,
  account: 'shop',
  authorId,
  authorHandle: authorId,
  text: 'hello',
  postedAt: new Date('2026-01-01T10:00:00Z'),
});

const conversationValues = (authorId: string): RoutedConversationValues => ({
  network: 'mastodon',
  account: 'shop',
  authorId,
  authorHandle: authorId,
  assigneeId: 'U0ANN',
  escalated: false,
  openedAt: new Date(),
  priority: 'normal',
  responseTargetMinutes: 60,
  routingReasons: ['test'],
  coveringFor: null,
  channel: null,
  status: 'open',
  closedAt: null,
});

const routed = (mentionId: string) => ({
  mentionId,
  routedAt: new Date(),
  event: { type: 'conversation.assigned', details: { reasons: ['test'] } },
});

/**
 * A mention's card posted in channel C1 as message `ts`, recorded as the
 * sender settles its row (here a row that is not there, so only the mention).
 */
const shownInC1 =
  (mentionId: string, conversationId: string, opensConversation: boolean) => (ts: string) => (db: Database) =>
    settleRow(db, 0, {
      outcome: 'sent',
      at: new Date(),
      ts,
      shows: { mentionId, conversationId, opensConversation, channel: 'C1' },
    });

/** The id of the conversation openRoutedConversation opened, failing the test when it refused. */
function openedId(result: OpenOutcome): string {
  if (result.outcome !== 'opened') throw new Error(`expected a conversation opened, got ${result.outcome}`);
  return result.id;
}

describe.each(DATABASE_KINDS)('repositories on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('upserts the roster and keeps leavers off it', async () => {
    const { db } = database;
    await upsertRoster(
      db,
      [person('U0OWNER'), person('U0ANN'), person('U0BOB')].map((p, i) =>
        i === 0 ? { ...p, role: 'owner' as const } : p,
      ),
    );
    await upsertRoster(db, [
      { ...person('U0OWNER'), role: 'owner' },
      { ...person('U0ANN'), name: 'Ann B.' },
    ]);
    expect((await findRosterMember(db, 'U0ANN'))?.name).toBe('Ann B.');
    expect(await findRosterMember(db, 'U0BOB')).toBeUndefined();
    expect((await listRosterWithLoad(db)).map((p) => p.id)).toEqual(['U0ANN', 'U0OWNER']);
  });

  it('keeps an absence set from Slack when the roster is loaded again', async () => {
    const { db } = database;
    const back = new Date('2030-05-12T08:00:00Z');
    await db.update(staff).set({ awayUntil: back }).where(eq(staff.id, 'U0ANN'));
    await upsertRoster(db, [{ ...person('U0OWNER'), role: 'owner' }, person('U0ANN')]);
    expect((await findRosterMember(db, 'U0ANN'))?.awayUntil).toEqual(back);
    const planned = new Date('2031-01-02T00:00:00Z');
    await upsertRoster(db, [
      { ...person('U0OWNER'), role: 'owner' },
      { ...person('U0ANN'), awayUntil: planned },
    ]);
    expect((await findRosterMember(db, 'U0ANN'))?.awayUntil).toEqual(planned);
  });

  it('stores a mention once per network and external id', async () => {
    const { db } = database;
    const [first] = await storeMentions(db, [mentionValues('m-1')], 'once');
    const [again] = await storeMentions(db, [{ ...mentionValues('m-1'), text: 'changed' }], 'once');
    expect(first).toMatchObject({ inserted: true, externalId: 'm-1' });
    expect(again).toMatchObject({ inserted: false, id: first!.id });
    expect((await findMention(db, first!.id))?.text).toBe('hello');
    const [elsewhere] = await storeMentions(db, [{ ...mentionValues('m-1'), network: 'bluesky' }], 'once');
    expect(elsewhere).toMatchObject({ inserted: true });
  });

  it('stores a batch in one statement: new ones with their event, known ones marked as such', async () => {
    const { db } = database;
    const known = await insertMention(db, mentionValues('b-known'));
    await db.update(mentions).set({ notifiedAt: new Date() }).where(eq(mentions.id, known.row.id));
    const stored = await storeMentions(
      db,
      [
        mentionValues('b-new'),
        mentionValues('b-known'),
        mentionValues('b-new'),
        mentionValues('b-other', 'a2'),
      ],
      'test',
    );
    const byId = (externalId: string) => stored.filter((row) => row.externalId === externalId);
    expect(byId('b-new')).toEqual([expect.objectContaining({ inserted: true, notified: false })]);
    expect(byId('b-known')).toEqual([
      { ...byId('b-known')[0]!, id: known.row.id, inserted: false, notified: true },
    ]);
    expect(byId('b-other')).toHaveLength(1);
    const events = await db.execute(
      sql`select count(*)::int as n from events where type = 'mention.received' and details->>'source' = 'test'`,
    );
    expect((events as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(2);
  });

  it('opens one conversation per customer at a time and counts it as load', async () => {
    const { db } = database;
    const mention = await insertMention(db, mentionValues('m-2', 'cust'));
    const values = conversationValues('cust');
    const opened = openedId(await openRoutedConversation(db, values, routed(mention.row.id)));
    // The mention is routed: a second router's call writes nothing.
    expect(await openRoutedConversation(db, values, routed(mention.row.id))).toEqual({ outcome: 'routed' });
    // The customer's next mention cannot open a second conversation while this one is open.
    const next = await insertMention(db, mentionValues('m-2b', 'cust'));
    expect(await openRoutedConversation(db, values, routed(next.row.id))).toEqual({
      outcome: 'open_elsewhere',
    });
    // The one call wrote the assignment, marked the mention routed and logged the decision, once.
    const written = await db.execute(sql`select
      (select count(*)::int from assignments where conversation_id = ${opened}) as assignments,
      (select count(*)::int from events where conversation_id = ${opened} and type = 'conversation.assigned') as events,
      (select conversation_id from mentions where id = ${mention.row.id}) as conversation,
      (select routed_at is null from mentions where id = ${next.row.id}) as next_unrouted`);
    expect((written as unknown as { rows: unknown[] }).rows[0]).toEqual({
      assignments: 1,
      events: 1,
      conversation: opened,
      next_unrouted: true,
    });
    expect((await listRosterWithLoad(db)).find((p) => p.id === 'U0ANN')?.openConversations).toBe(1);

    const shown = shownInC1(mention.row.id, opened, true);
    expect(await shown('1.1')(db)).toEqual(expect.any(Number));
    expect(await shown('2.2')(db)).toBeUndefined();
    expect(await findConversation(db, opened)).toMatchObject({ slackChannel: 'C1', slackTs: '1.1' });
    expect(await resolveConversation(db, opened, new Date())).toBeDefined();
    expect(await resolveConversation(db, opened, new Date())).toBeUndefined();
    // Resolved, so the customer's next message may open a new one.
    expect((await openRoutedConversation(db, values, routed(next.row.id))).outcome).toBe('opened');
  });

  it('refuses to assign past capacity, and writes nothing when it does', async () => {
    const { db } = database;
    await upsertRoster(db, [{ ...person('U0SOLO'), capacity: 1 }]);
    const first = await insertMention(db, mentionValues('m-cap-1', 'cap-1'));
    const second = await insertMention(db, mentionValues('m-cap-2', 'cap-2'));
    const toSolo = (authorId: string) => ({ ...conversationValues(authorId), assigneeId: 'U0SOLO' });
    expect((await openRoutedConversation(db, toSolo('cap-1'), routed(first.row.id))).outcome).toBe('opened');
    expect(await openRoutedConversation(db, toSolo('cap-2'), routed(second.row.id))).toEqual({
      outcome: 'full',
    });
    const [left] = await db.select().from(mentions).where(eq(mentions.id, second.row.id));
    expect(left).toMatchObject({ routedAt: null, conversationId: null });
    // An escalation reaches the owner whatever their load.
    const third = await insertMention(db, mentionValues('m-cap-3', 'cap-3'));
    const escalated = { ...toSolo('cap-3'), escalated: true };
    expect((await openRoutedConversation(db, escalated, routed(third.row.id))).outcome).toBe('opened');
    // Unassigned, the same conversation waits in the queue instead.
    const waiting = { ...conversationValues('cap-2'), assigneeId: null };
    expect((await openRoutedConversation(db, waiting, routed(second.row.id))).outcome).toBe('opened');
  });

  it("opens a dropped mention's conversation closed and settles the mention, so nothing shows it", async () => {
    const { db } = database;
    const { row } = await insertMention(db, mentionValues('m-spam', 'spammer'));
    const now = new Date();
    const values: RoutedConversationValues = {
      ...conversationValues('spammer'),
      assigneeId: null,
      status: 'spam',
      closedAt: now,
    };
    expect((await openRoutedConversation(db, values, routed(row.id))).outcome).toBe('opened');
    expect((await findMention(db, row.id))?.notifiedAt).not.toBeNull();
    expect((await listUnrouted(db, new Date(Date.now() + 60_000), 100)).map((m) => m.id)).not.toContain(
      row.id,
    );
    // Born closed: the customer's next mention opens a new conversation.
    const next = await insertMention(db, mentionValues('m-spam-2', 'spammer'));
    expect(
      (await openRoutedConversation(db, conversationValues('spammer'), routed(next.row.id))).outcome,
    ).toBe('opened');
  });

  it('finds a mention never routed, and records its notification once', async () => {
    const { db } = database;
    const { row } = await insertMention(db, mentionValues('m-3'));
    const later = new Date(Date.now() + 60_000);
    expect((await listUnrouted(db, later, 100)).map((m) => m.id)).toContain(row.id);
    // Not yet old enough: its routing job may still be on its way.
    expect((await listUnrouted(db, new Date(Date.now() - 60_000), 100)).map((m) => m.id)).not.toContain(
      row.id,
    );
    const conversation = openedId(await openRoutedConversation(db, conversationValues('a3'), routed(row.id)));
    // Routed, though not yet shown: its card was owed with the routing, so the sweep leaves it to the outbox.
    expect((await listUnrouted(db, later, 100)).map((m) => m.id)).not.toContain(row.id);
    const followUp = shownInC1(row.id, conversation, false);
    expect(await followUp('3.3')(db)).toEqual(expect.any(Number));
    expect(await followUp('3.4')(db)).toBeUndefined();
    // Not the message that opened it: the conversation's own message is left alone.
    expect(await findConversation(db, conversation)).toMatchObject({ slackTs: null });
    expect((await findMention(db, row.id))?.notifiedAt).not.toBeNull();
  });

  it('tidies the Slack outbox: work whose card never came fails after a day, settled rows go after the kept time', async () => {
    const { db } = database;
    const now = new Date('2031-03-10T12:00:00Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    const row = (key: string, createdAt: Date, done: Date | null, needsCard = false) => ({
      key,
      kind: 'alert',
      work: {},
      lane: 'main',
      needsCard,
      createdAt,
      doneAt: done,
      outcome: done ? ('sent' as const) : null,
    });
    await db
      .insert(slackOutbox)
      .values([
        row('tidy-orphan', hoursAgo(25), null, true),
        row('tidy-waiting', hoursAgo(2), null, true),
        row('tidy-pending', hoursAgo(25), null),
        row('tidy-old', hoursAgo(24 * 8), hoursAgo(24 * 8)),
        row('tidy-recent', hoursAgo(24), hoursAgo(24)),
      ]);
    await tidyOutbox(db, now, hoursAgo(24 * 7));
    const left = await db
      .select({ key: slackOutbox.key, outcome: slackOutbox.outcome })
      .from(slackOutbox)
      .where(sql`${slackOutbox.key} like 'tidy-%'`)
      .orderBy(slackOutbox.key);
    expect(left).toEqual([
      { key: 'tidy-orphan', outcome: 'failed' },
      { key: 'tidy-pending', outcome: null },
      { key: 'tidy-recent', outcome: 'sent' },
      { key: 'tidy-waiting', outcome: null },
    ]);
  });

  it('keeps one reply per modal submission', async () => {
    const { db } = database;
    const { row: mention } = await insertMention(db, mentionValues('m-4', 'replyee'));
    const conversation = openedId(
      await openRoutedConversation(db, conversationValues('replyee'), routed(mention.id)),
    );
    const values = {
      conversationId: conversation,
      mentionId: mention.id,
      staffId: 'U0ANN',
      submissionKey: 'V1',
      text: 'hi',
    };
    const first = await createReply(db, values);
    const second = await createReply(db, { ...values, text: 'different' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, row: { id: first.row.id, text: 'hi' } });
  });

  it('keeps polling positions per network', async () => {
    const { db } = database;
    expect(await readCursor(db, 'mastodon', 'mentions')).toBeUndefined();
    await writeCursor(db, 'mastodon', 'mentions', '10');
    await writeCursor(db, 'mastodon', 'mentions', '12');
    expect(await readCursor(db, 'mastodon', 'mentions')).toBe('12');
  });

  it('never rewrites the event log', async () => {
    const { db } = database;
    const event = await appendEvent(db, { type: 'conversation.resolved', actor: 'test' });
    await expect(
      db.execute(sql`update events set actor = 'someone else' where id = ${event.id}`),
    ).rejects.toThrow();
    await expect(db.execute(sql`delete from events where id = ${event.id}`)).rejects.toThrow();
  });
});
