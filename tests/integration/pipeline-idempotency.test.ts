import { WebClient } from '@slack/web-api';
import { eq, isNull } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackSender } from '../../src/bot/slack-sender.js';
import { slackTransport } from '../../src/bot/slack-transport.js';
import { holdLease } from '../../src/db/leases.repository.js';
import { conversations, mentions, slackOutbox } from '../../src/db/schema.js';
import { listSendable } from '../../src/db/slack-outbox.repository.js';
import { oweSlack } from '../../src/db/slack-owed.repository.js';
import { upsertRoster } from '../../src/db/staff.repository.js';
import { acceptMentions } from '../../src/ingest/accept-mentions.js';
import { openQueues, type Queues } from '../../src/queue/queues.js';
import { recoverStalled } from '../../src/routing/recover-stalled.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { loadTeamFile, rosterEntries } from '../../src/routing/team-file.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from '../support/redis.js';

const mention = (externalId: string, author = 'cust-1') => ({
  network: 'mastodon' as const,
  externalId,
  account: 'harbourbikes',
  author: { id: author, handle: author },
  text: 'Is my bike ready?',
  createdAt: '2026-11-20T09:00:00Z',
});

describe('at-least-once delivery never doubles a conversation or a Slack message', () => {
  let database: TestDatabase;
  let queues: Queues;
  let slack: SlackStandin;
  const prefix = testQueuePrefix();
  // The app's clock: moved past a failed attempt's backoff instead of waiting it out.
  let aheadMs = 0;
  const now = () => new Date(Date.now() + aheadMs);
  const later = (ms = 10 * 60_000) => {
    aheadMs += ms;
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await upsertRoster(database.db, rosterEntries(loadTeamFile('examples/team.yaml')));
    queues = openQueues({ redisUrl: TEST_REDIS_URL, prefix });
    slack = await startSlackStandin({ token: 'xoxb-test' });
  });
  afterAll(async () => {
    await queues?.close();
    await slack?.close();
    await database?.destroy();
    await dropQueuePrefix(prefix);
  });

  const senderFor = (channelId = 'C0TEAM', standin = slack, surgeBacklog?: number) =>
    new SlackSender({
      db: database.db,
      slack: new WebClient('xoxb-test', {
        slackApiUrl: standin.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        fetch: slackTransport(),
      }),
      channelId,
      logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
      now,
      channelMessagesPerSecond: 1000, // the channel's pace is not what these tests are about
      callsPerSecond: 1000,
      ...(surgeBacklog ? { surgeBacklog } : {}),
    });
  // Each message carries its outbox row's key as metadata: a card's is `n-<mention id>`.
  const posted = (key: string, standin = slack) =>
    [...standin.messages.values()].filter(
      (m) => (m.metadata as { event_payload?: { key?: string } })?.event_payload?.key === key,
    );
  const shown = (mentionId: string, standin = slack) => posted(`n-${mentionId}`, standin);
  const pending = () =>
    database.db.select().from(slackOutbox).where(isNull(slackOutbox.doneAt)).orderBy(slackOutbox.id);
  async function routed(externalId: string, author: string): Promise<string> {
    const deps = { db: database.db, queues, now };
    await queues.mentions.obliterate({ force: true });
    await acceptMentions(deps, [mention(externalId, author)], 'test');
    const [job] = await queues.mentions.getJobs(['waiting']);
    await routeMention(deps, job!.data.mentionId);
    return job!.data.mentionId;
  }
  /** Settles everything owed to earlier tests' channels, so each test starts with nothing pending. */
  async function settleAll(): Promise<void> {
    await database.db
      .update(slackOutbox)
      .set({ doneAt: now(), outcome: 'skipped' })
      .where(isNull(slackOutbox.doneAt));
  }

  it('routes a mention delivered twice only once, and owes one card', async () => {
    const deps = { db: database.db, queues, now };
    await acceptMentions(deps, [mention('r-1')], 'test');
    const [job] = await queues.mentions.getJobs(['waiting']);
    const mentionId = job!.data.mentionId;

    expect(await routeMention(deps, mentionId)).toBe('assigned');
    expect(await routeMention(deps, mentionId)).toBe('already_routed');
    expect((await pending()).map((row) => row.key)).toEqual([`n-${mentionId}`]);
  });

  it('posts one card and one DM however often the sender runs, the DM once the card is there', async () => {
    const sender = senderFor();
    const [card] = await pending();
    await sender.drain();
    await sender.drain();
    const mentionId = (card!.work as { mentionId: string }).mentionId;
    expect(shown(mentionId)).toHaveLength(1);
    const dms = slack.callsTo('chat.postMessage').filter((c) => String(c.params.channel).startsWith('D'));
    expect(dms).toHaveLength(1);
    expect(await pending()).toEqual([]);
  });

  it('re-queues mentions whose routing jobs Redis lost, and only those', async () => {
    const deps = { db: database.db, queues, now };
    await acceptMentions(deps, [mention('r-2', 'cust-2')], 'test');
    await queues.mentions.obliterate({ force: true }); // Redis restarted without persistence
    expect(await queues.mentions.count()).toBe(0);

    const inFiveMinutes = () => new Date(now().getTime() + 5 * 60_000);
    // r-1 is routed (its card owed in PostgreSQL), so only r-2 comes back.
    expect(await recoverStalled({ ...deps, now: inFiveMinutes })).toBe(1);
    expect(await queues.mentions.getJobs(['waiting'])).toHaveLength(1);
    expect(await recoverStalled({ ...deps, now: inFiveMinutes })).toBe(1);
    expect(await queues.mentions.count()).toBe(1); // same job id: BullMQ keeps one
  });

  it('keeps a follow-up and a thread line waiting for their conversation’s card', async () => {
    await settleAll();
    const first = await routed('r-6', 'cust-6');
    const followUp = await routed('r-7', 'cust-6');
    const sendable = await listSendable(database.db, now(), 10);
    expect(sendable.map((row) => row.key)).toEqual([`n-${first}`]);
    await senderFor().drain();
    expect(shown(followUp)[0]!.thread_ts).toBe(shown(first)[0]!.ts);
  });

  it('holds its card for a conversation nobody holds behind the held ones, until someone takes it', async () => {
    await settleAll();
    const held = await routed('r-4', 'cust-4');
    const unheld = await routed('r-5', 'cust-5');
    const [conversation] = await database.db
      .select()
      .from(conversations)
      .where(eq(conversations.firstMentionId, held));
    await database.db
      .update(conversations)
      .set({ assigneeId: null })
      .where(eq(conversations.id, conversation!.id));
    await database.db
      .update(slackOutbox)
      .set({ priority: 1 })
      .where(eq(slackOutbox.key, `n-${held}`));
    expect((await listSendable(database.db, now(), 10)).map((row) => row.key)).toEqual([
      `n-${unheld}`,
      `n-${held}`,
    ]);
    await settleAll();
  });

  it('lets one sender hold the lease while its holder renews it, and another take over once it lapses', async () => {
    const at = now();
    expect(await holdLease(database.db, 'test-lease', 'a', at, 15_000)).toBe(true);
    expect(await holdLease(database.db, 'test-lease', 'b', at, 15_000)).toBe(false);
    expect(await holdLease(database.db, 'test-lease', 'a', at, 15_000)).toBe(true);
    const lapsed = new Date(at.getTime() + 15_001);
    expect(await holdLease(database.db, 'test-lease', 'b', lapsed, 15_000)).toBe(true);
    expect(await holdLease(database.db, 'test-lease', 'a', lapsed, 15_000)).toBe(false);
  });

  describe('a message whose post may have reached Slack without an answer', () => {
    it('is found in the channel on the next attempt and recorded, not posted twice: a card, its DM, then a follow-up', async () => {
      await settleAll();
      const sender = senderFor();
      const card = await routed('r-8', 'cust-8');
      const historyCalls = slack.callsTo('conversations.history').length;

      // Slack posts the card, but the connection drops before its answer.
      slack.loseNextPostAnswers(1);
      await sender.drain();
      expect(shown(card)).toHaveLength(1);
      const [row] = await database.db
        .select()
        .from(slackOutbox)
        .where(eq(slackOutbox.key, `n-${card}`));
      expect(row).toMatchObject({ doneAt: null, lastError: 'slack.unreachable' });
      later();
      // The DM is owed once the card is recorded; its answer is lost too.
      slack.loseNextPostAnswers(1);
      await sender.drain();
      later();
      await sender.drain();
      expect(shown(card)).toHaveLength(1);
      expect(slack.callsTo('conversations.history')).toHaveLength(historyCalls + 2);
      const [conversation] = await database.db
        .select()
        .from(conversations)
        .where(eq(conversations.firstMentionId, card));
      expect(conversation!.slackTs).toBe(shown(card)[0]!.ts);
      const dms = [...slack.messages.values()].filter(
        (m) =>
          String((m.metadata as { event_payload?: { key?: string } })?.event_payload?.key).startsWith('d-') &&
          m.channel.startsWith('D') &&
          String(m.text).includes('cust-8'),
      );
      expect(dms).toHaveLength(1);

      const followUp = await routed('r-9', 'cust-8');
      const repliesCalls = slack.callsTo('conversations.replies').length;
      slack.loseNextPostAnswers(1);
      await sender.drain();
      later();
      await sender.drain();
      expect(shown(followUp)).toHaveLength(1);
      expect(shown(followUp)[0]!.thread_ts).toBe(conversation!.slackTs);
      expect(slack.callsTo('conversations.replies')).toHaveLength(repliesCalls + 1);
      const [shownRow] = await database.db.select().from(mentions).where(eq(mentions.id, followUp));
      expect(shownRow!.notifiedAt).toBeInstanceOf(Date);
    });

    it('is still looked for after a look Slack refused with a 429', async () => {
      await settleAll();
      const sender = senderFor('C0LATER');
      const card = await routed('r-12', 'cust-12');
      slack.loseNextPostAnswers(1);
      await sender.drain();
      // The next attempt comes ten minutes on: only the first attempt's time and place say where the card is.
      later();
      const looks = slack.callsTo('conversations.history').length;
      slack.rateLimitNext('conversations.history', 1);
      // The refused look is tried again after Slack's Retry-After, and finds the card.
      await sender.drain();
      expect(slack.callsTo('conversations.history')).toHaveLength(looks + 2);
      expect(shown(card)).toHaveLength(1);
    });

    it('opens a surge with one message though the post of it lost its answer', async () => {
      await settleAll();
      // Any card owed and not yet in Slack is a backlog of one: a surge at once.
      const sender = senderFor('C0SURGE', slack, 1);
      const card = await routed('r-14', 'cust-14');
      slack.loseNextPostAnswers(1);
      await sender.drain();
      later();
      await sender.drain();
      const roots = [...slack.messages.values()].filter((m) => m.channel === 'C0SURGE' && !m.thread_ts);
      expect(roots).toHaveLength(1);
      expect(roots[0]!.text).toContain('A surge');
      expect(shown(card)[0]!.thread_ts).toBe(roots[0]!.ts);
    });

    it('is posted again, as before, by an app without the history scopes', async () => {
      await settleAll();
      const older = await startSlackStandin({ token: 'xoxb-test', missingScopes: ['channels:history'] });
      try {
        const sender = senderFor('C0TEAM', older);
        const card = await routed('r-13', 'cust-13');
        older.loseNextPostAnswers(1);
        await sender.drain();
        later();
        await sender.drain();
        expect(older.callsTo('conversations.history')).toHaveLength(1);
        expect(shown(card, older)).toHaveLength(2);
      } finally {
        await older.close();
      }
    });

    it('is posted again when it is not in the channel, and a refused post is posted without looking', async () => {
      await settleAll();
      const sender = senderFor();
      const dropped = await routed('r-10', 'cust-10');
      // The call never reached Slack (nothing posted) but its answer is as lost as if it had.
      slack.loseNextPostAnswers(1);
      await sender.drain();
      slack.messages.delete(shown(dropped)[0]!.ts);
      later();
      await sender.drain();
      expect(shown(dropped)).toHaveLength(1);

      await settleAll();
      const refused = await routed('r-11', 'cust-11');
      const historyCalls = slack.callsTo('conversations.history').length;
      slack.rateLimitNext('chat.postMessage', 1);
      await sender.drain();
      later();
      await sender.drain();
      expect(shown(refused)).toHaveLength(1);
      expect(slack.callsTo('conversations.history')).toHaveLength(historyCalls);
    });

    it('ends as failed, with the reason Slack gave, when Slack refuses it for good', async () => {
      await settleAll();
      const sender = senderFor();
      const card = await routed('r-15', 'cust-15');
      await sender.drain();
      const [conversation] = await database.db
        .select()
        .from(conversations)
        .where(eq(conversations.firstMentionId, card));
      // The card was deleted in Slack: redrawing it can never succeed, and is not tried for ever.
      slack.messages.delete(conversation!.slackTs!);
      await oweSlack(database.db, [{ type: 'refresh', conversationId: conversation!.id, eventId: 1 }]);
      await sender.drain();
      const [row] = await database.db
        .select()
        .from(slackOutbox)
        .where(eq(slackOutbox.key, `r-${conversation!.id}-1`));
      expect(row).toMatchObject({ outcome: 'failed', lastError: 'slack.message_not_found', attempts: 1 });
    });
  });
});
