import { WebClient } from '@slack/web-api';
import { eq, inArray } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNotifier, notifyMention } from '../../src/bot/notify.worker.js';
import { slackTransport } from '../../src/bot/slack-transport.js';
import { AppError } from '../../src/contract/errors.js';
import { NotifyJobSchema, QUEUE } from '../../src/contract/queues.js';
import { appendEvent } from '../../src/db/events.repository.js';
import { conversations, mentions } from '../../src/db/schema.js';
import { upsertRoster } from '../../src/db/staff.repository.js';
import { acceptMentions } from '../../src/ingest/accept-mentions.js';
import { retryAtOf } from '../../src/network/http.js';
import { openQueues, type Queues } from '../../src/queue/queues.js';
import { startWorker } from '../../src/queue/worker.js';
import { recoverStalled } from '../../src/routing/recover-stalled.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { loadTeamFile, rosterEntries } from '../../src/routing/team-file.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';
import { waitFor } from '../support/app-harness.js';
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
  const now = () => new Date();

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

  it('routes a mention delivered twice only once, and queues one notification', async () => {
    const deps = { db: database.db, queues };
    await acceptMentions(deps, [mention('r-1')], 'test');
    const [job] = await queues.mentions.getJobs(['waiting']);
    const mentionId = job!.data.mentionId;

    expect(await routeMention({ ...deps, now }, mentionId)).toBe('assigned');
    expect(await routeMention({ ...deps, now }, mentionId)).toBe('already_routed');
    expect(await queues.notify.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('posts one Slack message however often the notification job runs', async () => {
    const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const [job] = await queues.notify.getJobs(['waiting']);
    const payload = job!.data as { type: 'mention'; mentionId: string };
    const deps = {
      db: database.db,
      queues,
      slack: client,
      channelId: 'C0TEAM',
      logger: pino({ level: 'silent' }),
      now,
    };
    await notifyMention(deps, payload.mentionId);
    const dm = (await queues.notify.getJobs(['waiting'])).find((j) => j.data.type === 'dm');
    expect(dm?.data).toMatchObject({ type: 'dm', kind: 'assigned' });
    // The run died after recording the card but before its DM job reached Redis: a rerun queues the
    // DM again, and posts nothing twice.
    await dm!.remove();
    await notifyMention(deps, payload.mentionId);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    const again = (await queues.notify.getJobs(['waiting'])).filter((j) => j.data.type === 'dm');
    expect(again.map((j) => j.id)).toEqual([dm!.id]);
    await notifyMention(deps, payload.mentionId);
    expect((await queues.notify.getJobs(['waiting'])).filter((j) => j.data.type === 'dm')).toHaveLength(1);
  });

  it('re-queues mentions whose jobs Redis lost, and only those', async () => {
    const deps = { db: database.db, queues, now };
    await acceptMentions(deps, [mention('r-2', 'cust-2')], 'test');
    await queues.mentions.obliterate({ force: true }); // Redis restarted without persistence
    expect(await queues.mentions.count()).toBe(0);

    const later = () => new Date(Date.now() + 5 * 60_000);
    // r-1 is routed but its Slack notification is recorded, so only r-2 comes back.
    expect(await recoverStalled({ ...deps, now: later })).toBe(1);
    const jobs = await queues.mentions.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(await recoverStalled({ ...deps, now: later })).toBe(1);
    expect(await queues.mentions.count()).toBe(1); // same job id: BullMQ keeps one
  });

  it('gives a notification that used up its attempts another chance once Slack is back', async () => {
    const deps = { db: database.db, queues, now };
    await queues.notify.obliterate({ force: true });
    await acceptMentions(deps, [mention('r-3', 'cust-3')], 'test');
    const [job] = await queues.mentions.getJobs(['waiting']);
    await routeMention(deps, job!.data.mentionId);
    await queues.mentions.obliterate({ force: true });

    // Slack is down for good: the worker gives up on the notification.
    const failing = startWorker(
      { redisUrl: TEST_REDIS_URL, prefix },
      QUEUE.notify,
      NotifyJobSchema,
      async () => {
        throw new AppError('slack.invalid_auth', 'token revoked');
      },
      pino({ level: 'silent' }),
      { concurrency: 1 },
    );
    await waitFor(async () => (await queues.notify.getJobCounts('failed')).failed === 1);
    await failing.close();

    const later = () => new Date(Date.now() + 5 * 60_000);
    expect(await recoverStalled({ ...deps, now: later })).toBeGreaterThanOrEqual(1);
    expect(await queues.notify.getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: 1 });
  });

  it('brings a lost card back in its place: a conversation nobody holds behind the held ones', async () => {
    const deps = { db: database.db, queues, now };
    await queues.notify.obliterate({ force: true });
    await acceptMentions(deps, [mention('r-4', 'cust-4'), mention('r-5', 'cust-5')], 'test');
    for (const job of await queues.mentions.getJobs(['waiting']))
      await routeMention(deps, job.data.mentionId);
    const rows = await database.db
      .select()
      .from(mentions)
      .where(inArray(mentions.externalId, ['r-4', 'r-5']));
    const ids = new Map(rows.map((row) => [row.externalId, row.id]));
    // r-4's conversation goes back to the queue (its holder let it go) before its card reached Slack.
    await database.db
      .update(conversations)
      .set({ assigneeId: null })
      .where(eq(conversations.firstMentionId, ids.get('r-4')!));
    await queues.notify.obliterate({ force: true }); // Redis restarted without persistence

    const later = () => new Date(Date.now() + 5 * 60_000);
    await recoverStalled({ ...deps, now: later });
    // Earlier tests' unshown mentions come back too; these two are the ones in question.
    const mine = new Set(ids.values());
    const cards = (await queues.notify.getJobs(['waiting', 'prioritized'])).filter(
      (j) => j.data.type === 'mention' && mine.has(j.data.mentionId),
    );
    const priorityOf = (key: string) =>
      cards.find((j) => (j.data as { mentionId: string }).mentionId === ids.get(key))?.opts.priority ?? 0;
    expect(cards).toHaveLength(2);
    expect(priorityOf('r-4')).toBeGreaterThan(0);
    expect(priorityOf('r-5')).toBe(0);
  });

  it('keeps a follow-up waiting for its conversation’s card without spending its attempts', async () => {
    const deps = { db: database.db, queues, now };
    await queues.mentions.obliterate({ force: true });
    await acceptMentions(deps, [mention('r-6', 'cust-6')], 'test');
    for (const job of await queues.mentions.getJobs(['waiting']))
      await routeMention(deps, job.data.mentionId);
    await acceptMentions(deps, [mention('r-7', 'cust-6')], 'test');
    const [followUpJob] = await queues.mentions.getJobs(['waiting']);
    expect(await routeMention(deps, followUpJob!.data.mentionId)).toBe('joined');
    const followUp = followUpJob!.data.mentionId;

    const notifier = createNotifier({
      db: database.db,
      queues,
      slack: new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      channelId: 'C0TEAM',
      logger: pino({ level: 'silent' }),
      now,
    });
    // The card of r-6 is not in Slack yet: the follow-up comes back shortly, as a delay.
    const waiting = await notifier.handle({ type: 'mention', mentionId: followUp }).catch((e) => e);
    expect(waiting).toMatchObject({ code: 'notify.root_pending' });
    expect(retryAtOf(waiting)!.getTime() - Date.now()).toBeLessThanOrEqual(60_000);

    // A day on, it spends its attempts again and leaves the rest to the recovery sweep.
    await database.db
      .update(mentions)
      .set({ receivedAt: new Date(Date.now() - 25 * 3600_000) })
      .where(eq(mentions.id, followUp));
    const late = await notifier.handle({ type: 'mention', mentionId: followUp }).catch((e) => e);
    expect(late).toMatchObject({ code: 'notify.root_pending', retryable: true });
    expect(retryAtOf(late)).toBeUndefined();

    // A thread line (a colleague claimed it from App Home) waits for the card the same way.
    const [row] = await database.db.select().from(mentions).where(eq(mentions.id, followUp));
    const claimed = await appendEvent(database.db, {
      type: 'conversation.claimed',
      actor: 'U0SAM0001',
      conversationId: row!.conversationId!,
    });
    const line = await notifier
      .handle({ type: 'log', conversationId: row!.conversationId!, eventId: claimed.id })
      .catch((e) => e);
    expect(line).toMatchObject({ code: 'notify.root_pending' });
    expect(retryAtOf(line)).toBeInstanceOf(Date);
  });

  describe('a mention whose post may have reached Slack without an answer', () => {
    const notifierFor = (channelId = 'C0TEAM', standin = slack, surgeBacklog?: number) =>
      createNotifier({
        db: database.db,
        queues,
        slack: new WebClient('xoxb-test', {
          slackApiUrl: standin.apiUrl,
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          fetch: slackTransport(),
        }),
        channelId,
        logger: pino({ level: 'silent' }),
        now,
        channelMessagesPerSecond: 1000, // the channel's pace is not what these tests are about
        ...(surgeBacklog ? { surgeBacklog } : {}),
      });
    // Each message carries its notify job's id as metadata: a card's is `n-<mention id>`.
    const posted = (key: string, standin = slack) =>
      [...standin.messages.values()].filter(
        (m) => (m.metadata as { event_payload?: { key?: string } })?.event_payload?.key === key,
      );
    const shown = (mentionId: string, standin = slack) => posted(`n-${mentionId}`, standin);
    async function routed(externalId: string, author: string): Promise<string> {
      const deps = { db: database.db, queues, now };
      await queues.mentions.obliterate({ force: true });
      await acceptMentions(deps, [mention(externalId, author)], 'test');
      const [job] = await queues.mentions.getJobs(['waiting']);
      await routeMention(deps, job!.data.mentionId);
      return job!.data.mentionId;
    }

    it('is found in the channel on the rerun and recorded, not posted twice: a card, then a follow-up in its thread', async () => {
      const notifier = notifierFor();
      const card = await routed('r-8', 'cust-8');
      const historyCalls = slack.callsTo('conversations.history').length;

      // Slack posts the card, but the connection drops before its answer.
      slack.loseNextPostAnswers(1);
      const lost = await notifier.notifyMention(card).catch((e) => e);
      expect(lost).toMatchObject({ code: 'slack.unreachable', retryable: true });
      expect(shown(card)).toHaveLength(1);
      await notifier.notifyMention(card);
      expect(shown(card)).toHaveLength(1);
      expect(slack.callsTo('conversations.history')).toHaveLength(historyCalls + 1);
      const [conversation] = await database.db
        .select()
        .from(conversations)
        .where(eq(conversations.firstMentionId, card));
      expect(conversation!.slackTs).toBe(shown(card)[0]!.ts);

      // So is the assignee's DM, in their direct messages with the bot.
      const dm = (await queues.notify.getJobs(['waiting'])).find(
        (j) => j.data.type === 'dm' && j.data.conversationId === conversation!.id,
      );
      expect(dm).toBeDefined();
      slack.loseNextPostAnswers(1);
      await expect(notifier.handle(dm!.data)).rejects.toMatchObject({ code: 'slack.unreachable' });
      await notifier.handle(dm!.data);
      expect(posted(dm!.id!)).toHaveLength(1);
      expect(posted(dm!.id!)[0]!.channel).toMatch(/^D/);

      const followUp = await routed('r-9', 'cust-8');
      slack.loseNextPostAnswers(1);
      await expect(notifier.notifyMention(followUp)).rejects.toMatchObject({ code: 'slack.unreachable' });
      await notifier.notifyMention(followUp);
      expect(shown(followUp)).toHaveLength(1);
      expect(shown(followUp)[0]!.thread_ts).toBe(conversation!.slackTs);
      expect(slack.callsTo('conversations.replies')).toHaveLength(1);
      const [row] = await database.db.select().from(mentions).where(eq(mentions.id, followUp));
      expect(row!.notifiedAt).toBeInstanceOf(Date);
    });

    it('is still looked for after a look Slack refused with a 429', async () => {
      // A channel of its own: the gate remembers the later clock.
      const notifier = notifierFor('C0LATER');
      const card = await routed('r-12', 'cust-12');
      slack.loseNextPostAnswers(1);
      await notifier.notifyMention(card).catch(() => undefined);
      // The reruns come ten minutes on (a backoff, the recovery sweep): only the first attempt's time
      // and place say where the card is.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 10 * 60_000);
        slack.rateLimitNext('conversations.history', 1);
        await expect(notifier.notifyMention(card)).rejects.toMatchObject({ code: 'slack.rate_limited' });
        await notifier.notifyMention(card);
      } finally {
        vi.useRealTimers();
      }
      expect(shown(card)).toHaveLength(1);
    });

    it('opens a surge with one message though the first post of it lost its answer', async () => {
      // Any mention routed and not yet in Slack is a backlog of one: a surge at once.
      const notifier = notifierFor('C0SURGE', slack, 1);
      const card = await routed('r-14', 'cust-14');
      slack.loseNextPostAnswers(1);
      await expect(notifier.notifyMention(card)).rejects.toMatchObject({ code: 'slack.unreachable' });
      // The next try finds the surge message, records it, and hands its slot to it; the card follows.
      await expect(notifier.notifyMention(card)).rejects.toMatchObject({ code: 'slack.channel_busy' });
      await notifier.notifyMention(card);
      const roots = [...slack.messages.values()].filter((m) => m.channel === 'C0SURGE' && !m.thread_ts);
      expect(roots).toHaveLength(1);
      expect(posted('u-C0SURGE')).toEqual(roots);
      expect(shown(card)[0]!.thread_ts).toBe(roots[0]!.ts);
    });

    it('is posted again, as before, by an app without the history scopes', async () => {
      const older = await startSlackStandin({ token: 'xoxb-test', missingScopes: ['channels:history'] });
      try {
        const notifier = notifierFor('C0TEAM', older);
        const card = await routed('r-13', 'cust-13');
        older.loseNextPostAnswers(1);
        await notifier.notifyMention(card).catch(() => undefined);
        await notifier.notifyMention(card);
        expect(older.callsTo('conversations.history')).toHaveLength(1);
        expect(shown(card, older)).toHaveLength(2);
      } finally {
        await older.close();
      }
    });

    it('is posted again when it is not in the channel, and a refused post is posted without looking', async () => {
      const notifier = notifierFor();
      const dropped = await routed('r-10', 'cust-10');
      // The call never reached Slack (nothing posted) but its answer is as lost as if it had.
      slack.loseNextPostAnswers(1);
      await notifier.notifyMention(dropped).catch(() => undefined);
      slack.messages.delete(shown(dropped)[0]!.ts);
      await notifier.notifyMention(dropped);
      expect(shown(dropped)).toHaveLength(1);

      const refused = await routed('r-11', 'cust-11');
      const historyCalls = slack.callsTo('conversations.history').length;
      slack.rateLimitNext('chat.postMessage', 1);
      await expect(notifier.notifyMention(refused)).rejects.toMatchObject({ code: 'slack.rate_limited' });
      await notifier.notifyMention(refused);
      expect(shown(refused)).toHaveLength(1);
      expect(slack.callsTo('conversations.history')).toHaveLength(historyCalls);
    });
  });
});
