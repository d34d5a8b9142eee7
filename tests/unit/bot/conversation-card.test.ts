import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyModal } from '../../../src/bot/blocks.js';
import { type LoadedConversation, loadConversation, toTurns } from '../../../src/bot/conversation-card.js';
import { markRouted } from '../../../src/db/mentions.repository.js';
import { createReply, markReplyPosted } from '../../../src/db/replies.repository.js';
import { conversations } from '../../../src/db/schema.js';
import { upsertRoster } from '../../../src/db/staff.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../../support/database.js';
import { insertMention } from '../../support/mentions.js';

const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const at = (minute: number) => new Date(Date.UTC(2025, 5, 2, 10, minute));

type Reply = LoadedConversation['replies'][number];
const reply = (over: Partial<Reply>) =>
  ({ status: 'posted', staffId: 'U0SAM0001', staffName: 'Sam Okafor', createdAt: at(0), ...over }) as Reply;

const loaded = (replies: Reply[]) =>
  ({
    mentions: [
      { authorHandle: 'dana', text: 'Where is my order?', postedAt: at(0) },
      { authorHandle: 'dana', text: 'Still nothing.', postedAt: at(20) },
    ],
    replies,
  }) as unknown as LoadedConversation;

describe("the reply modal's conversation so far", () => {
  it('labels our earlier replies with the author’s roster name, in time order', () => {
    const turns = toTurns(
      loaded([
        reply({ text: 'On its way!', postedAt: at(10) }),
        reply({ text: 'Not sent yet', status: 'queued', postedAt: null }),
        reply({ text: 'Refunded.', staffId: 'U0JANE001', staffName: 'Jane Whitfield', postedAt: at(30) }),
      ]),
    );
    expect(turns).toEqual([
      { from: '@dana', text: 'Where is my order?' },
      { from: 'Our reply (by Sam Okafor)', text: 'On its way!' },
      { from: '@dana', text: 'Still nothing.' },
      { from: 'Our reply (by Jane Whitfield)', text: 'Refunded.' },
    ]);
  });

  it('falls back to the Slack id when the author is not known by name', () => {
    const [, ours] = toTurns(loaded([reply({ text: 'Hi', staffName: null, postedAt: at(5) })]));
    expect(ours?.from).toBe('Our reply (by U0SAM0001)');
  });

  it('shows the name in bold in the modal, escaped like any text', () => {
    const view = replyModal({
      network: 'mastodon',
      authorHandle: 'dana',
      turns: toTurns(loaded([reply({ text: 'Hi', staffName: 'Ana <Ops> & Co', postedAt: at(5) })])),
      metadata: { conversationId: ID, mentionId: ID },
      limit: { max: 500, unit: 'characters' },
    });
    const texts = JSON.stringify(view.blocks);
    expect(texts).toContain('*Our reply (by Ana &lt;Ops&gt; &amp; Co)*');
    expect(texts).not.toContain('U0SAM0001');
  });
});

describe.each(DATABASE_KINDS)('loadConversation on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('reads each reply with its author’s name, also for someone since dropped from the roster', async () => {
    const { db } = database;
    const person = (id: string, name: string) => ({
      id,
      name,
      role: 'staff' as const,
      skills: [],
      languages: ['en'],
      timezone: 'UTC',
      capacity: 5,
    });
    await upsertRoster(db, [person('U0SAM0001', 'Sam Okafor'), person('U0BOB0001', 'Bob Lind')]);
    const { row: mention } = await insertMention(db, {
      network: 'mastodon',
      externalId: 'm-1',
      account: 'shop',
      authorId: 'dana',
      authorHandle: 'dana',
      text: 'Where is my order?',
      postedAt: at(0),
    });
    const [conversation] = await db
      .insert(conversations)
      .values({
        network: 'mastodon',
        account: 'shop',
        authorId: 'dana',
        authorHandle: 'dana',
        firstMentionId: mention.id,
        assigneeId: 'U0SAM0001',
        openedAt: at(0),
      })
      .returning();
    await markRouted(db, mention.id, conversation!.id, at(0));
    const post = async (staffId: string, text: string, minute: number) => {
      const { row } = await createReply(db, {
        conversationId: conversation!.id,
        mentionId: mention.id,
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
    };
    await post('U0BOB0001', 'Looking into it.', 5);
    await post('U0SAM0001', 'On its way!', 10);
    await upsertRoster(db, [person('U0SAM0001', 'Sam Okafor')]);

    const turns = toTurns(await loadConversation(db, conversation!.id));
    expect(turns.map((t) => t.from)).toEqual([
      '@dana',
      'Our reply (by Bob Lind)',
      'Our reply (by Sam Okafor)',
    ]);
  });
});
