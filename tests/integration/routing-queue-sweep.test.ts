import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConversation } from '../../src/db/conversations.repository.js';
import { conversations, events, slackOutbox, staff } from '../../src/db/schema.js';
import { upsertRoster } from '../../src/db/staff.repository.js';
import { acceptMentions } from '../../src/ingest/accept-mentions.js';
import { openQueues, type Queues } from '../../src/queue/queues.js';
import { compilePolicy } from '../../src/routing/compiled-policy.js';
import { assignWaitingConversations, handBackCoveredConversations } from '../../src/routing/drain-waiting.js';
import { DEFAULT_POLICY_FILE } from '../../src/routing/policy.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from '../support/redis.js';

const person = (id: string, name: string, role: 'owner' | 'staff', capacity: number) => ({
  id,
  name,
  role,
  skills: [],
  languages: ['en'],
  timezone: 'UTC',
  capacity,
});

describe('the waiting queue and covered conversations are looked at again', () => {
  let database: TestDatabase;
  let queues: Queues;
  const prefix = testQueuePrefix();
  const policy = compilePolicy(DEFAULT_POLICY_FILE);
  const now = () => new Date();

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    queues = openQueues({ redisUrl: TEST_REDIS_URL, prefix });
    await upsertRoster(database.db, [
      person('U0ROSA', 'Rosa', 'owner', 5),
      person('U0ANN', 'Ann', 'staff', 1),
      person('U0SAM', 'Sam', 'staff', 0),
    ]);
  });
  afterAll(async () => {
    await queues?.close();
    await database?.destroy();
    await dropQueuePrefix(prefix);
  });

  async function route(externalId: string, author: string): Promise<string> {
    const deps = { db: database.db, queues, now, policy };
    await acceptMentions(
      deps,
      [
        {
          network: 'mastodon',
          externalId,
          account: 'shop',
          author: { id: author, handle: author },
          text: 'Could you tell me when my bike will be ready for pickup?',
          createdAt: new Date().toISOString(),
        },
      ],
      'test',
    );
    const [job] = await queues.mentions.getJobs(['waiting']);
    await routeMention(deps, job!.data.mentionId);
    await queues.mentions.drain();
    const [row] = await database.db.select().from(conversations).where(eq(conversations.authorId, author));
    return row!.id;
  }

  it('gives a waiting conversation to the first person with room, once', async () => {
    const first = await route('q-1', 'alice');
    const second = await route('q-2', 'bob');
    const [waiting] = await database.db.select().from(conversations).where(eq(conversations.id, second));
    expect(waiting?.assigneeId).toBeNull(); // Ann is full, Sam has no room, routine work never goes to Rosa

    const deps = { db: database.db, queues, now, policy };
    expect(await assignWaitingConversations(deps)).toBe(0); // still nobody with room

    await resolveConversation(database.db, first, new Date());
    expect(await assignWaitingConversations(deps)).toBe(1);
    expect(await assignWaitingConversations(deps)).toBe(0);

    const [taken] = await database.db.select().from(conversations).where(eq(conversations.id, second));
    expect(taken?.assigneeId).toBe('U0ANN');
    expect(taken?.routingReasons.at(-1)).toMatch(/^waited \d+ min in the queue$/);
    const assigned = await database.db.select().from(events).where(eq(events.conversationId, second));
    expect(assigned.filter((e) => e.type === 'conversation.assigned')).toHaveLength(1);
    const owed = await database.db
      .select()
      .from(slackOutbox)
      .where(and(eq(slackOutbox.conversationId, second), isNull(slackOutbox.doneAt)));
    expect(owed.map((row) => row.kind)).toEqual(expect.arrayContaining(['dm', 'refresh']));
  });

  it('hands a covered conversation back when its usual contact returns, not before', async () => {
    const id = await route('q-3', 'carol');
    await database.db.update(staff).set({ capacity: 2 }).where(eq(staff.id, 'U0SAM'));
    // Ann took it while Sam, who knows Carol, was away.
    const later = new Date(Date.now() + 3_600_000);
    await database.db
      .update(conversations)
      .set({ assigneeId: 'U0ANN', coveringFor: 'U0SAM' })
      .where(eq(conversations.id, id));
    await database.db.update(staff).set({ awayUntil: later }).where(eq(staff.id, 'U0SAM'));

    const deps = { db: database.db, queues, now, policy };
    expect(await handBackCoveredConversations(deps)).toBe(0);

    await database.db
      .update(staff)
      .set({ awayUntil: new Date(Date.now() - 1000) })
      .where(eq(staff.id, 'U0SAM'));
    expect(await handBackCoveredConversations(deps)).toBe(1);
    expect(await handBackCoveredConversations(deps)).toBe(0);
    const [back] = await database.db.select().from(conversations).where(eq(conversations.id, id));
    expect(back).toMatchObject({ assigneeId: 'U0SAM', coveringFor: null });
    const [event] = await database.db.select().from(events).where(eq(events.type, 'conversation.reassigned'));
    expect(event?.details).toMatchObject({ assigneeId: 'U0SAM', previousAssigneeId: 'U0ANN' });
  });

  it('queues a waiting conversation’s card behind the others, and puts it first once someone takes it', async () => {
    await database.db.update(staff).set({ capacity: 0 });
    const id = await route('q-5', 'dave');
    const [conversation] = await database.db.select().from(conversations).where(eq(conversations.id, id));
    expect(conversation?.assigneeId).toBeNull();
    const card = async () =>
      (
        await database.db
          .select()
          .from(slackOutbox)
          .where(eq(slackOutbox.key, `n-${conversation!.firstMentionId}`))
      )[0];
    expect((await card())?.priority).toBeGreaterThan(0);

    await database.db.update(staff).set({ capacity: 5 }).where(eq(staff.id, 'U0ANN'));
    const deps = { db: database.db, queues, now, policy };
    expect(await assignWaitingConversations(deps)).toBe(1);
    // Owing Ann the redraw and her DM hurries the card they need: she needs it to act.
    expect((await card())?.priority).toBe(0);
  });
});
