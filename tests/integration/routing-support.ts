import { asc, eq, isNull } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { SlackWork } from '../../src/contract/slack-work.js';
import type { Executor } from '../../src/db/client.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { createReply, type ReplyRow } from '../../src/db/replies.repository.js';
import { conversations, slackOutbox } from '../../src/db/schema.js';
import type { OutboxRow } from '../../src/db/slack-outbox.repository.js';
import { type RosterEntry, upsertRoster } from '../../src/db/staff.repository.js';
import { openQueues, type Queues } from '../../src/queue/queues.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/database.js';
import { insertMention } from '../support/mentions.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from '../support/redis.js';

export const OWNER = 'U0OWNER01';
export const SAM = 'U0SAM0001';
export const JANE = 'U0JANE001';
export const LUCIA = 'U0LUCIA01';
export const TOM = 'U0TOM0001';

/** Harbour Street Bikes, as in examples/team.yaml; `changes` adjusts people per test. */
export async function seedHarbourTeam(db: Executor, changes: Record<string, Partial<RosterEntry>> = {}) {
  const base: RosterEntry[] = [
    {
      id: OWNER,
      name: 'Rosa Almeida',
      role: 'owner',
      skills: ['press'],
      languages: ['en', 'pt'],
      timezone: 'Europe/Lisbon',
      capacity: 5,
    },
    {
      id: SAM,
      name: 'Sam Okafor',
      role: 'staff',
      skills: ['repairs', 'warranty'],
      languages: ['en'],
      timezone: 'Europe/Lisbon',
      capacity: 10,
    },
    {
      id: JANE,
      name: 'Jane Whitfield',
      role: 'staff',
      skills: ['billing', 'orders'],
      languages: ['en', 'fr'],
      timezone: 'Europe/London',
      capacity: 10,
    },
    {
      id: LUCIA,
      name: 'Lucía Romero',
      role: 'staff',
      skills: ['orders', 'rentals'],
      languages: ['es', 'en'],
      timezone: 'Europe/Madrid',
      capacity: 10,
    },
    {
      id: TOM,
      name: 'Tom Becker',
      role: 'staff',
      skills: ['repairs', 'ebikes'],
      languages: ['de', 'en'],
      timezone: 'Europe/Berlin',
      capacity: 6,
    },
  ];
  await upsertRoster(
    db,
    base.map((p) => ({ ...p, ...changes[p.id] })),
  );
}

let counter = 0;
export async function storeMention(
  db: Executor,
  text: string,
  author: { id?: string; handle?: string; followers?: number } = {},
  extra: { network?: string; postedAt?: Date; externalId?: string; kind?: string } = {},
) {
  counter++;
  const { row } = await insertMention(db, {
    network: extra.network ?? 'x',
    externalId: extra.externalId ?? `ext-${Date.now()}-${counter}`,
    ...(extra.kind ? { kind: extra.kind } : {}),
    account: '@harbourbikes',
    authorId: author.id ?? `author-${counter}`,
    authorHandle: author.handle ?? `customer${counter}`,
    authorFollowers: author.followers ?? 100,
    text,
    postedAt: extra.postedAt ?? new Date(),
  });
  return row;
}

/**
 * For a describe block: a fresh database of `kind` with the Harbour team for
 * each test, and queues under a private prefix for the file; `clear` empties
 * what a test leaves in them. Read its fields inside tests, once the hooks ran.
 */
export function harbourTeamFixture(kind: DatabaseKind, clear?: (queues: Queues) => Promise<unknown>) {
  const prefix = testQueuePrefix();
  const fixture = { prefix } as { database: TestDatabase; queues: Queues; prefix: string };
  beforeAll(() => {
    fixture.queues = openQueues({ redisUrl: TEST_REDIS_URL, prefix });
  });
  afterAll(async () => {
    await fixture.queues.close();
    await dropQueuePrefix(prefix);
  });
  beforeEach(async () => {
    fixture.database = await createTestDatabase(kind);
    await seedHarbourTeam(fixture.database.db);
  });
  afterEach(async () => {
    await clear?.(fixture.queues);
    await fixture.database.destroy();
  });
  return fixture;
}

/**
 * Routes a stored mention, shows its conversation in the team channel, and stores a reply to it by
 * Sam, queued as the reply modal leaves it.
 */
export async function queuedReplyTo(
  f: { database: TestDatabase; queues: Queues },
  mentionId: string,
  reply: { text: string; submissionKey?: string; visibility?: 'public' | 'private'; routedAt?: Date },
): Promise<ReplyRow> {
  const policy = loadPolicyFile('examples/policy.yaml');
  const now = () => reply.routedAt ?? new Date();
  await routeMention({ db: f.database.db, now, policy }, mentionId);
  const { conversationId } = (await findMention(f.database.db, mentionId))!;
  await f.database.db
    .update(conversations)
    .set({ slackChannel: 'C0CUSTOMERS', slackTs: '1.000100' })
    .where(eq(conversations.id, conversationId!));
  const { row } = await createReply(f.database.db, {
    conversationId: conversationId!,
    mentionId,
    staffId: SAM,
    submissionKey: reply.submissionKey ?? `submit-${mentionId}`,
    text: reply.text,
    ...(reply.visibility ? { visibility: reply.visibility } : {}),
  });
  return row;
}

/** What is owed to Slack and not yet sent, in the order it was owed: the unsettled rows of the Slack outbox. */
export async function owedToSlack(db: Executor): Promise<(OutboxRow & { work: SlackWork })[]> {
  const rows = await db
    .select()
    .from(slackOutbox)
    .where(isNull(slackOutbox.doneAt))
    .orderBy(asc(slackOutbox.id));
  // As stored, not parsed: parsing would hide a field the work should not carry.
  return rows.map((row) => ({ ...row, work: row.work as SlackWork }));
}
