import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrOpenConversation } from '../../src/db/cluster-actions.repository.js';
import { listStormClusters, loadClusterView } from '../../src/db/cluster-view.repository.js';
import { createReply } from '../../src/db/replies.repository.js';
import { mentions, replies } from '../../src/db/schema.js';
import { createCluster, joinCluster, openStorm } from '../../src/db/storms.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';
import { JANE, seedHarbourTeam } from './routing-support.js';

const at = new Date('2026-12-07T10:00:00Z');

describe.each(DATABASE_KINDS)("a story's figures (%s)", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await seedHarbourTeam(database.db);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('counts the mentions answered, not the replies: a customer answered twice is one', async () => {
    const { db } = database;
    const figures = { perMinute: 40, baselinePerMinute: 2, negativeShare: null, negativeShareBefore: null };
    const storm = await openStorm(db, at, figures, ['a test storm']);
    const cluster = await createCluster(db, storm!.id, [[1, 2, 3]], at);
    const rows = await db
      .insert(mentions)
      .values(
        [1, 2, 3].map((n) => ({
          network: 'x',
          externalId: `story-${n}`,
          account: '@harbourbikes',
          authorId: `author-${n}`,
          authorHandle: `customer${n}`,
          text: `The app is down, I cannot log in (${n})`,
          postedAt: at,
          receivedAt: at,
        })),
      )
      .returning();
    for (const row of rows)
      expect(
        await joinCluster(db, { mentionId: row.id, clusterId: cluster.id, sentiment: 'negative', at }),
      ).toBe(true);
    // The first customer got the story's reply and then one of their own; the second only the story's.
    const answer = async (row: (typeof rows)[number], key: string) => {
      const member = { ...row, mentionId: row.id, handle: row.authorHandle };
      const conversation = await findOrOpenConversation(db, member, JANE, ['answered with the story'], at);
      const { row: reply } = await createReply(db, {
        conversationId: conversation.id,
        mentionId: row.id,
        staffId: JANE,
        submissionKey: key,
        text: 'Sorry, we are on it',
      });
      await db.update(replies).set({ status: 'posted' }).where(eq(replies.id, reply.id));
    };
    await answer(rows[0]!, 'story-reply-1');
    await answer(rows[0]!, 'own-reply-1');
    await answer(rows[1]!, 'story-reply-2');

    expect(await loadClusterView(db, cluster.id)).toMatchObject({ count: 3, replied: 2 });
    expect(await listStormClusters(db, storm!.id)).toEqual([
      expect.objectContaining({ id: cluster.id, count: 3, replied: 2 }),
    ]);
  });
});
