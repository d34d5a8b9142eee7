import { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { snooze } from '../../src/bot/conversation-actions.js';
import { createNotifier } from '../../src/bot/notify.worker.js';
import { recoverOverdueSnoozes } from '../../src/bot/recover-snoozes.js';
import { NotifyJobSchema } from '../../src/contract/queues.js';
import { listConversationEvents } from '../../src/db/events.repository.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { conversations } from '../../src/db/schema.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { DATABASE_KINDS } from '../support/database.js';
import { harbourTeamFixture, storeMention } from './routing-support.js';

const policy = loadPolicyFile('examples/policy.yaml');
const SNOOZED_AT = new Date('2026-05-06T10:00:00Z');
const at = (minutes: number) => () => new Date(SNOOZED_AT.getTime() + minutes * 60_000);

describe.each(DATABASE_KINDS)('snoozes whose end Redis lost, on %s', (kind) => {
  const f = harbourTeamFixture(kind, (q) => q.notify.obliterate({ force: true }));

  /** A routed conversation its assignee snoozed for an hour, whose delayed end job is then lost. */
  async function snoozedConversation() {
    const mention = await storeMention(f.database.db, 'Can I still return the helmet?');
    await routeMention({ db: f.database.db, queues: f.queues, now: () => SNOOZED_AT, policy }, mention.id);
    const { conversationId } = (await findMention(f.database.db, mention.id))!;
    const [conversation] = await f.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId!));
    const deps = { db: f.database.db, queues: f.queues, now: () => SNOOZED_AT };
    expect(await snooze(deps, conversation!.assigneeId!, conversation!.id, '1h')).toEqual({ changed: true });
    // Redis restarted without persistence: the delayed end is gone.
    await f.queues.notify.obliterate({ force: true });
    return conversation!;
  }
  const sweep = (now: () => Date) => recoverOverdueSnoozes({ db: f.database.db, queues: f.queues, now });
  const endJobs = async () =>
    (await f.queues.notify.getJobs(['waiting', 'delayed'])).filter((job) => job.data.type === 'snooze_end');

  it('queues the end of a snooze past its time once, and leaves one not yet over alone', async () => {
    const conversation = await snoozedConversation();
    expect(await sweep(at(30))).toBe(0);
    expect(await endJobs()).toHaveLength(0);

    expect(await sweep(at(62))).toBe(1);
    const [job] = await endJobs();
    const snoozed = (await listConversationEvents(f.database.db, conversation.id)).findLast(
      (e) => e.type === 'conversation.snoozed',
    );
    expect(job?.data).toEqual({ type: 'snooze_end', conversationId: conversation.id, eventId: snoozed!.id });
    expect(job?.id).toBe(`s-${snoozed!.id}`);
    // Still waiting in the queue: not queued twice, not counted again.
    expect(await sweep(at(63))).toBe(0);
    expect(await endJobs()).toHaveLength(1);

    // The job runs: the end is recorded and its assignee is told; nothing is overdue after it.
    const notifier = createNotifier({
      db: f.database.db,
      queues: f.queues,
      slack: new WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/api/' }),
      channelId: 'C0CUSTOMERS',
      logger: pino({ level: 'silent' }),
      now: at(63),
    });
    await notifier.handle(NotifyJobSchema.parse(job!.data));
    const events = await listConversationEvents(f.database.db, conversation.id);
    expect(events.at(-1)).toMatchObject({ type: 'conversation.snooze_ended' });
    const told = (await f.queues.notify.getJobs(['waiting'])).map((j) => j.data);
    expect(told).toContainEqual(
      expect.objectContaining({ type: 'dm', kind: 'snooze_ended', user: conversation.assigneeId }),
    );
    await f.queues.notify.obliterate({ force: true });
    expect(await sweep(at(90))).toBe(0);
  });

  it('leaves a closed conversation with a snooze past its time alone', async () => {
    const conversation = await snoozedConversation();
    await f.database.db
      .update(conversations)
      .set({ closedAt: at(10)(), status: 'resolved' })
      .where(eq(conversations.id, conversation.id));
    expect(await sweep(at(62))).toBe(0);
    expect(await endJobs()).toHaveLength(0);
  });
});
