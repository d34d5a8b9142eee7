import { describe, expect, it } from 'vitest';
import { claim } from '../../src/bot/conversation-actions.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { notifyOutbox } from '../../src/db/schema.js';
import { deliverOwed, sweepOutbox } from '../../src/notify-outbox.js';
import { openQueues } from '../../src/queue/queues.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { DATABASE_KINDS } from '../support/database.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { harbourTeamFixture, JANE, SAM, storeMention } from './routing-support.js';

const policy = loadPolicyFile('examples/policy.yaml');
const ROUTED_AT = new Date('2025-05-06T10:00:00Z');
const inMinutes = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);

describe.each(DATABASE_KINDS)('Slack work a committed change owes, on %s', (kind) => {
  const f = harbourTeamFixture(kind, (q) => q.notify.obliterate({ force: true }));

  /** A routed conversation, and a colleague of its assignee who may claim it. */
  async function routedConversation() {
    const mention = await storeMention(f.database.db, 'My bike makes a clicking noise when I brake.');
    await routeMention({ db: f.database.db, queues: f.queues, now: () => ROUTED_AT, policy }, mention.id);
    await f.queues.notify.obliterate({ force: true });
    const { conversationId } = (await findMention(f.database.db, mention.id))!;
    const [assigned] = await f.database.db.query.conversations.findMany({
      where: (c, { eq }) => eq(c.id, conversationId!),
    });
    return { ...assigned!, claimer: assigned!.assigneeId === JANE ? SAM : JANE };
  }

  const owedRows = () => f.database.db.select().from(notifyOutbox);

  it('keeps a claim and its Slack work when Redis cannot take the work, and f.queues it on the next sweep', async () => {
    const conversation = await routedConversation();
    // Redis went away between the commit and the queueing: a client whose connection is closed.
    const gone = openQueues({ redisUrl: TEST_REDIS_URL, prefix: f.prefix });
    await gone.close();

    const outcome = await claim(
      { db: f.database.db, queues: gone, now: () => new Date() },
      conversation.claimer,
      conversation.id,
      conversation.assigneeId,
    );
    expect(outcome).toEqual({ changed: true });
    const owed = (await owedRows()).map((r) => (r.job as { type: string }).type).sort();
    expect(owed).toEqual(['home', 'home', 'log', 'refresh']);
    expect(await f.queues.notify.count()).toBe(0);

    // Too recent: the change's own delivery may still be under way.
    expect(await sweepOutbox({ db: f.database.db, queues: f.queues, now: () => new Date() })).toEqual({
      queued: 0,
      unreadable: 0,
    });
    expect(await sweepOutbox({ db: f.database.db, queues: f.queues, now: inMinutes(1) })).toEqual({
      queued: 4,
      unreadable: 0,
    });
    expect(await owedRows()).toEqual([]);
    const jobs = (await f.queues.notify.getJobs(['waiting'])).map((job) => job.data);
    expect(jobs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'refresh', conversationId: conversation.id }),
        expect.objectContaining({ type: 'log', conversationId: conversation.id }),
        { type: 'home', user: conversation.claimer },
      ]),
    );
    expect(await sweepOutbox({ db: f.database.db, queues: f.queues, now: inMinutes(1) })).toEqual({
      queued: 0,
      unreadable: 0,
    });
  });

  it('leaves nothing owed when the queue takes the work at once', async () => {
    const conversation = await routedConversation();
    const deps = { db: f.database.db, queues: f.queues, now: () => new Date() };
    expect(await claim(deps, conversation.claimer, conversation.id, conversation.assigneeId)).toEqual({
      changed: true,
    });
    expect(await owedRows()).toEqual([]);
    expect(await f.queues.notify.getJobCounts('waiting')).toEqual({ waiting: 4 });
  });

  it('queues a row once even when it was queued before and not cleared (a crash in between)', async () => {
    const rows = await f.database.db
      .insert(notifyOutbox)
      .values([
        { job: { type: 'home', user: JANE } },
        { job: { type: 'ephemeral', channel: 'C0CUSTOMERS', user: SAM, text: 'Your reply was not posted' } },
      ])
      .returning();
    const deps = { db: f.database.db, queues: f.queues };
    expect(await deliverOwed(deps, rows)).toEqual({ queued: 2, unreadable: 0 });
    // The same rows again, as a sweep finds them when the clearing never happened.
    await deliverOwed(deps, rows);
    expect(await f.queues.notify.getJobCounts('waiting')).toEqual({ waiting: 2 });
  });

  it('drops a row no worker can read, counting it, instead of blocking the rows after it', async () => {
    await f.database.db.insert(notifyOutbox).values([
      { job: { type: 'fax', to: 'nobody' }, createdAt: new Date(Date.now() - 120_000) },
      { job: { type: 'home', user: JANE }, createdAt: new Date(Date.now() - 120_000) },
    ]);
    expect(await sweepOutbox({ db: f.database.db, queues: f.queues, now: () => new Date() })).toEqual({
      queued: 1,
      unreadable: 1,
    });
    expect(await owedRows()).toEqual([]);
  });
});
