import type { Worker } from 'bullmq';
import { eq, isNotNull, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { assignments, conversations, events, mentions, slackOutbox } from '../../src/db/schema.js';
import { enqueueMention, openQueues, type Queues } from '../../src/queue/queues.js';
import { startMentionsWorker } from '../../src/routing/mentions.worker.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from '../support/redis.js';
import { JANE, LUCIA, SAM, seedHarbourTeam, storeMention, TOM } from './routing-support.js';

const policy = loadPolicyFile('examples/policy.yaml');
const logger = pino({ level: 'silent' });

/** Several router processes: each its own connection pool and its own BullMQ worker, on one database and one Redis. */
describe('several routers on one PostgreSQL and one Redis', () => {
  let database: TestDatabase;
  const routers: DatabaseHandle[] = [];
  const workers: Worker[] = [];
  let queues: Queues;
  const prefix = testQueuePrefix();
  const settings = { redisUrl: TEST_REDIS_URL, prefix };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const small = { capacity: 2 };
    await seedHarbourTeam(database.db, { [SAM]: small, [JANE]: small, [LUCIA]: small, [TOM]: small });
    for (let i = 0; i < 3; i++) {
      routers.push(await openDatabase({ url: database.url, dataDir: 'unused', poolSize: 4 }));
    }
    queues = openQueues(settings);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queues.close();
    await Promise.all(routers.map((r) => r.close()));
    await database.destroy();
    await dropQueuePrefix(prefix);
  });

  it('routes one mention handed to five routers at once exactly once', async () => {
    const m = await storeMention(database.db, 'Do you stock inner tubes?', { id: 'race-1' });
    const outcomes = await Promise.all(
      [0, 1, 2, 0, 1].map((i) => routeMention({ db: routers[i]!.db, policy, now: () => new Date() }, m.id)),
    );
    expect(outcomes.filter((o) => o === 'assigned')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_routed')).toHaveLength(4);
    const stored = await database.db.select().from(conversations).where(eq(conversations.authorId, 'race-1'));
    expect(stored).toHaveLength(1);
    const rows = await database.db
      .select()
      .from(assignments)
      .where(eq(assignments.conversationId, stored[0]!.id));
    expect(rows).toHaveLength(1);
    // Its card is owed to Slack once, by the router that routed it.
    const owed = await database.db
      .select({ work: slackOutbox.work })
      .from(slackOutbox)
      .where(eq(slackOutbox.conversationId, stored[0]!.id));
    expect(owed.map((r) => r.work)).toEqual([{ type: 'mention', mentionId: m.id }]);
    await database.db.update(conversations).set({ closedAt: new Date(), status: 'resolved' });
  });

  it('with parallel workers, nobody goes over capacity and no mention is assigned twice', async () => {
    for (const router of routers) {
      workers.push(
        startMentionsWorker({ db: router.db, queues, logger, now: () => new Date(), policy }, settings, 6),
      );
    }
    const stored = [];
    for (let i = 0; i < 24; i++) {
      // Four customers write twice: their second mention must join, not open a second conversation.
      const author = i < 20 ? { id: `crowd-${i}` } : { id: `crowd-${i - 20}` };
      stored.push(await storeMention(database.db, `Are you open on Saturday? (${i})`, author));
    }
    await Promise.all(
      stored.map((m) => enqueueMention(queues, { id: m.id, network: 'x', externalId: m.externalId })),
    );

    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(mentions)
        .where(isNotNull(mentions.routedAt));
      // One mention from the first test is routed too.
      if ((row?.n ?? 0) >= stored.length + 1) break;
      if (Date.now() > deadline) throw new Error(`only ${row?.n} mentions routed`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const open = await database.db
      .select({ assigneeId: conversations.assigneeId, n: sql<number>`count(*)::int` })
      .from(conversations)
      .where(sql`${conversations.closedAt} is null`)
      .groupBy(conversations.assigneeId);
    const load = new Map(open.map((r) => [r.assigneeId, r.n]));
    // Four staff with room for two each: eight assigned, the other twelve customers wait.
    for (const id of [SAM, JANE, LUCIA, TOM]) expect(load.get(id)).toBe(2);
    expect(load.get(null)).toBe(12);
    expect(load.has('U0OWNER01')).toBe(false);

    const perAuthor = await database.db
      .select({ authorId: conversations.authorId, n: sql<number>`count(*)::int` })
      .from(conversations)
      .where(sql`${conversations.authorId} like 'crowd-%'`)
      .groupBy(conversations.authorId);
    expect(perAuthor).toHaveLength(20);
    expect(perAuthor.every((r) => r.n === 1)).toBe(true);

    const assignedTwice = await database.db
      .select({ conversationId: assignments.conversationId, n: sql<number>`count(*)::int` })
      .from(assignments)
      .groupBy(assignments.conversationId)
      .having(sql`count(*) > 1`);
    expect(assignedTwice).toEqual([]);

    // Every mention has exactly one routing event: assigned, queued or follow-up.
    const routingEvents = await database.db
      .select({ mentionId: events.mentionId, n: sql<number>`count(*)::int` })
      .from(events)
      .where(sql`${events.type} in ('conversation.assigned', 'conversation.queued', 'conversation.followup')`)
      .groupBy(events.mentionId);
    expect(routingEvents).toHaveLength(stored.length + 1);
    expect(routingEvents.every((r) => r.n === 1)).toBe(true);
  }, 90_000);
});
