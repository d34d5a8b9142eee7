import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConversation, loadConversationOfMention } from '../../src/db/conversation-view.repository.js';
import { appendEvent } from '../../src/db/events.repository.js';
import { markRouted } from '../../src/db/mentions.repository.js';
import { createReply, markReplyPosted } from '../../src/db/replies.repository.js';
import { conversations } from '../../src/db/schema.js';
import { upsertRoster } from '../../src/db/staff.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';
import { insertMention } from '../support/mentions.js';

const at = (minute: number) => new Date(Date.UTC(2025, 5, 2, 10, minute));
const MISSING = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';

const person = (id: string, name: string) => ({
  id,
  name,
  role: 'staff' as const,
  skills: [],
  languages: ['en'],
  timezone: 'UTC',
  capacity: 5,
});

describe.each(DATABASE_KINDS)('reading a conversation for Slack on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  /** Dana's conversation: two mentions, replies by Bob (since dropped from the roster) and Sam, three events. */
  async function danasConversation() {
    const { db } = database;
    await upsertRoster(db, [person('U0SAM0001', 'Sam Okafor'), person('U0BOB0001', 'Bob Lind')]);
    const { row: first } = await insertMention(db, {
      network: 'mastodon',
      externalId: 'm-1',
      account: 'shop',
      authorId: 'dana',
      authorHandle: 'dana',
      text: 'Where is my order?',
      postedAt: at(0),
    });
    const { row: followup } = await insertMention(db, {
      network: 'mastodon',
      externalId: 'm-2',
      account: 'shop',
      authorId: 'dana',
      authorHandle: 'dana',
      text: 'Still nothing.',
      postedAt: at(20),
    });
    const [conversation] = await db
      .insert(conversations)
      .values({
        network: 'mastodon',
        account: 'shop',
        authorId: 'dana',
        authorHandle: 'dana',
        firstMentionId: first.id,
        assigneeId: 'U0SAM0001',
        priority: 'high',
        routingReasons: ['complaint'],
        openedAt: at(0),
      })
      .returning();
    const conversationId = conversation!.id;
    await markRouted(db, first.id, conversationId, at(0));
    await markRouted(db, followup.id, conversationId, at(20));
    await appendEvent(db, {
      type: 'conversation.assigned',
      actor: 'router',
      conversationId,
      details: { action: 'assign', assigneeId: 'U0SAM0001', reasons: ['complaint'] },
      at: at(0),
    });
    const post = async (staffId: string, text: string, minute: number) => {
      const { row } = await createReply(db, {
        conversationId,
        mentionId: first.id,
        staffId,
        submissionKey: `V-${staffId}`,
        text,
      });
      await markReplyPosted(
        db,
        row.id,
        { networkReplyId: `r-${staffId}`, networkReplyUrl: undefined },
        at(minute),
      );
      await appendEvent(db, {
        type: 'reply.posted',
        actor: staffId,
        conversationId,
        details: { replyId: row.id, networkReplyId: `r-${staffId}`, url: null },
        at: at(minute),
      });
    };
    await post('U0BOB0001', 'Looking into it.', 5);
    await post('U0SAM0001', 'On its way!', 10);
    await upsertRoster(db, [person('U0SAM0001', 'Sam Okafor')]);
    return { conversationId, first, followup };
  }

  it('reads back the conversation with its mentions, replies by author name and events, in order', async () => {
    const { conversationId, first, followup } = await danasConversation();

    const loaded = await loadConversation(database.db, conversationId);

    expect(loaded.conversation).toMatchObject({
      id: conversationId,
      firstMentionId: first.id,
      assigneeId: 'U0SAM0001',
      priority: 'high',
      routingReasons: ['complaint'],
      closedAt: null,
    });
    expect(loaded.conversation.openedAt).toEqual(at(0));
    expect(loaded.mentions.map((m) => [m.id, m.text])).toEqual([
      [first.id, 'Where is my order?'],
      [followup.id, 'Still nothing.'],
    ]);
    expect(loaded.mentions[1]?.postedAt).toEqual(at(20));
    // Bob has since left the roster; his reply still carries his name.
    expect(loaded.replies.map((r) => [r.staffId, r.staffName, r.text, r.status])).toEqual([
      ['U0BOB0001', 'Bob Lind', 'Looking into it.', 'posted'],
      ['U0SAM0001', 'Sam Okafor', 'On its way!', 'posted'],
    ]);
    expect(loaded.replies.map((r) => r.postedAt)).toEqual([at(5), at(10)]);
    expect(loaded.events.map((e) => [e.type, e.actor])).toEqual([
      ['conversation.assigned', 'router'],
      ['reply.posted', 'U0BOB0001'],
      ['reply.posted', 'U0SAM0001'],
    ]);
    expect(loaded.events[0]?.details).toEqual({
      action: 'assign',
      assigneeId: 'U0SAM0001',
      reasons: ['complaint'],
    });

    // Either mention leads to the same conversation, read the same way.
    expect(await loadConversationOfMention(database.db, followup.id)).toEqual(loaded);
    expect(await loadConversation(database.db, conversationId)).toEqual(loaded);
  });

  it('has nothing for a mention not yet routed, and refuses an unknown conversation', async () => {
    const { db } = database;
    const { row: unrouted } = await insertMention(db, {
      network: 'mastodon',
      externalId: 'm-unrouted',
      account: 'shop',
      authorId: 'lee',
      authorHandle: 'lee',
      text: 'Hello?',
      postedAt: at(30),
    });
    expect(await loadConversationOfMention(db, unrouted.id)).toBeUndefined();
    expect(await loadConversationOfMention(db, MISSING)).toBeUndefined();
    await expect(loadConversation(db, MISSING)).rejects.toMatchObject({ code: 'conversation.not_found' });
  });
});
