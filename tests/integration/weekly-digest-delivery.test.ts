import { WebClient } from '@slack/web-api';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oweNextDigest } from '../../src/bot/digest/weekly-digest.js';
import { SlackSender } from '../../src/bot/slack-sender.js';
import { slackTransport } from '../../src/bot/slack-transport.js';
import { slackOutbox } from '../../src/db/schema.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { OWNER, seedHarbourTeam } from './routing-support.js';

describe('the owner’s weekly digest goes out through the Slack outbox', () => {
  let database: TestDatabase;
  let slack: SlackStandin;
  // Sunday evening in Lisbon; the digest is due Monday 08:00 there.
  let now = new Date('2026-12-06T20:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await seedHarbourTeam(database.db);
    slack = await startSlackStandin({ token: 'xoxb-test' });
  });
  afterAll(async () => {
    await slack?.close();
    await database?.destroy();
  });

  const sender = () =>
    new SlackSender({
      db: database.db,
      slack: new WebClient('xoxb-test', {
        slackApiUrl: slack.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        fetch: slackTransport(),
      }),
      channelId: 'C0TEAM',
      logger: pino({ level: 'silent' }),
      now: () => now,
      channelMessagesPerSecond: 1000,
      callsPerSecond: 1000,
    });

  it('is owed once for Monday morning, then posted to the owner with its chart, once', async () => {
    const due = await oweNextDigest({ db: database.db, now: () => now });
    expect(due?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
    await oweNextDigest({ db: database.db, now: () => now });
    expect(await database.db.select().from(slackOutbox)).toHaveLength(1);

    // Not before its time.
    await sender().drain();
    expect(slack.files.size).toBe(0);

    now = new Date('2026-12-07T08:00:30Z');
    await sender().drain();
    await sender().drain();
    const dm = `D${OWNER.slice(1)}`;
    const messages = [...slack.messages.values()].filter((m) => m.channel === dm);
    expect(messages.filter((m) => String(m.text).includes('Weekly digest'))).toHaveLength(1);
    const files = [...slack.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]!.channel).toBe(dm);
    expect([...files[0]!.bytes!.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const rows = await database.db.select().from(slackOutbox);
    expect(rows.map((r) => [r.kind, r.outcome])).toEqual([
      ['digest', 'sent'],
      ['digest_chart', 'sent'],
    ]);
    // The next one is owed for the Monday after.
    expect((await oweNextDigest({ db: database.db, now: () => now }))?.toISOString()).toBe(
      '2026-12-14T08:00:00.000Z',
    );
    const [next] = await database.db
      .select()
      .from(slackOutbox)
      .where(eq(slackOutbox.key, 'w-2026-12-14T08:00:00.000Z'));
    expect(next?.doneAt).toBeNull();
  });
});
