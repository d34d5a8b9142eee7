import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadFiltered, markNotSpam, oweDailySpamCount } from '../../src/bot/filtered-mentions.js';
import { AppError } from '../../src/contract/errors.js';
import { rerouteJobId } from '../../src/contract/queues.js';
import { findConversation, resolveConversation } from '../../src/db/conversations.repository.js';
import { listConversationEvents } from '../../src/db/events.repository.js';
import { claimDailyCount, isVouched } from '../../src/db/filtered.repository.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { readMentionAndFacts, readRoutingFacts } from '../../src/db/routing.repository.js';
import { events, slackOutbox, spamExemptions } from '../../src/db/schema.js';
import { factWindows } from '../../src/routing/load-snapshot.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { DATABASE_KINDS } from '../support/database.js';
import { harbourTeamFixture, JANE, owedToSlack, SAM, storeMention } from './routing-support.js';

const policy = loadPolicyFile('examples/policy.yaml');
// Before the day's count (08:00 UTC), so the tests choose when it is due.
const NOW = new Date('2025-05-06T07:30:00Z');
const now = () => NOW;

/** What the spam filter drops at the default threshold: links, spam phrases, no followers, a generated handle. */
const SPAM = 'Crypto giveaway!! Click here https://bit.ly/a1 https://bit.ly/b2 https://bit.ly/c3';
const spammer = (n: number) => ({ id: `bot-${n}`, handle: `bikes8473625${n}`, followers: 0 });

describe.each(DATABASE_KINDS)('mentions filtered as spam on %s', (kind) => {
  const f = harbourTeamFixture(kind, (q) => q.mentions.obliterate({ force: true }));
  const deps = () => ({ db: f.database.db, queues: f.queues, now });
  const route = (mentionId: string) => routeMention({ ...deps(), policy }, mentionId);

  async function dropped(n = 1) {
    const m = await storeMention(f.database.db, SPAM, spammer(n), { postedAt: NOW });
    expect(await route(m.id)).toBe('dropped');
    return (await findMention(f.database.db, m.id))!;
  }

  it('lists a dropped mention in App Home with its text and the reason, and counts it', async () => {
    const mention = await dropped();
    const filtered = await loadFiltered(f.database.db, NOW);
    expect(filtered).toMatchObject({ lastDay: 1, lastWeek: 1 });
    expect(filtered.latest).toHaveLength(1);
    expect(filtered.latest[0]).toMatchObject({
      conversationId: mention.conversationId,
      network: 'x',
      handle: 'bikes84736251',
      text: SPAM,
      at: NOW,
    });
    expect(filtered.latest[0]!.reasons.join(' ')).toContain('likely spam');
    // A week and a day later it is no longer shown.
    const later = await loadFiltered(f.database.db, new Date(NOW.getTime() + 8 * 86_400_000));
    expect(later).toEqual({ latest: [], lastDay: 0, lastWeek: 0 });
  });

  it('Not spam vouches for the author and hands the mention back to the router, which routes it to a person', async () => {
    const mention = await dropped();
    const spamConversationId = mention.conversationId!;
    expect(await markNotSpam(deps(), SAM, spamConversationId)).toEqual({ changed: true });

    expect(await findConversation(f.database.db, spamConversationId)).toMatchObject({ status: 'not_spam' });
    expect(await findMention(f.database.db, mention.id)).toMatchObject({
      conversationId: null,
      routedAt: null,
      notifiedAt: null,
    });
    expect(await isVouched(f.database.db, 'x', 'bot-1')).toBe(true);
    const [vouch] = await f.database.db.select().from(spamExemptions);
    expect(vouch).toMatchObject({ network: 'x', authorId: 'bot-1', vouchedBy: SAM });
    const unspammed = (await listConversationEvents(f.database.db, spamConversationId)).filter(
      (e) => e.type === 'mention.unspammed',
    );
    expect(unspammed).toHaveLength(1);
    expect(unspammed[0]).toMatchObject({ actor: SAM, mentionId: mention.id });
    // Routed again under a job id of its own, and the clicker's Home redrawn.
    const job = await f.queues.mentions.getJob(rerouteJobId(mention.id, unspammed[0]!.id));
    expect(job?.data).toEqual({ mentionId: mention.id });
    const owed = await owedToSlack(f.database.db);
    expect(owed.map((row) => row.work)).toContainEqual({ type: 'home', user: SAM });

    // The router reads the vouch, and the spam filter leaves the author alone.
    const read = await readMentionAndFacts(f.database.db, mention.id, factWindows(policy, NOW));
    expect(read?.facts.vouched).toBe(true);
    // Also where the customer is known by several handles, and only for this author.
    const factsOf = (authorId: string) =>
      readRoutingFacts(f.database.db, {
        identities: [
          { network: 'x', handle: 'bikes84736251' },
          { network: 'bluesky', handle: 'someone.bsky.social' },
        ],
        author: { network: 'x', authorId },
        contactsSince: NOW,
      });
    expect((await factsOf('bot-1')).vouched).toBe(true);
    expect((await factsOf('bot-2')).vouched).toBe(false);
    expect(['assigned', 'queued']).toContain(await route(mention.id));
    const routed = await findMention(f.database.db, mention.id);
    expect(routed!.conversationId).not.toBe(spamConversationId);
    const conversation = await findConversation(f.database.db, routed!.conversationId!);
    expect(conversation).toMatchObject({ status: 'open', firstMentionId: mention.id });
    expect((await loadFiltered(f.database.db, NOW)).latest).toEqual([]);

    // The author's next mention, once this conversation is over, is not filtered either.
    await resolveConversation(f.database.db, conversation!.id, NOW);
    const next = await storeMention(f.database.db, SPAM, spammer(1), { postedAt: NOW });
    expect(['assigned', 'queued']).toContain(await route(next.id));
  });

  it('a second click, the same person’s or a colleague’s, changes nothing and says who did it', async () => {
    const mention = await dropped();
    const id = mention.conversationId!;
    const click = (user: string) => markNotSpam(deps(), user, id);
    // PGlite has one connection, so its clicks take turns; PostgreSQL's race for the row lock.
    const clicks =
      kind === 'postgres'
        ? await Promise.allSettled([click(SAM), click(SAM), click(JANE)])
        : [
            ...(await Promise.allSettled([click(SAM)])),
            ...(await Promise.allSettled([click(SAM)])),
            ...(await Promise.allSettled([click(JANE)])),
          ];
    const done = clicks.filter((c) => c.status === 'fulfilled');
    const refused = clicks.filter((c): c is PromiseRejectedResult => c.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).code).toBe('spam.already_back');
      expect((r.reason as AppError).message).toMatch(/already brought this mention back/);
    }
    const unspammed = await f.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, id), eq(events.type, 'mention.unspammed')));
    expect(unspammed).toHaveLength(1);
    expect(await f.queues.mentions.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('someone off the roster changes nothing', async () => {
    const mention = await dropped();
    const before = await f.database.db.select().from(events);
    await expect(markNotSpam(deps(), 'U0STRANGER', mention.conversationId!)).rejects.toMatchObject({
      code: 'rights.not_on_roster',
    });
    expect(await f.database.db.select().from(events)).toHaveLength(before.length);
    expect(await findConversation(f.database.db, mention.conversationId!)).toMatchObject({ status: 'spam' });
    expect(await isVouched(f.database.db, 'x', 'bot-1')).toBe(false);
    expect(await findMention(f.database.db, mention.id)).toMatchObject({
      conversationId: mention.conversationId,
    });
  });

  it('settles each day’s count once, from 08:00 UTC, and owes a post only when something was filtered', async () => {
    await dropped(1);
    await dropped(2);
    const dailyDeps = (at: string) => ({ ...deps(), now: () => new Date(at), channelId: 'C0CUSTOMERS' });
    expect(await oweDailySpamCount(dailyDeps('2025-05-06T07:59:00Z'))).toBeUndefined();
    expect(await oweDailySpamCount(dailyDeps('2025-05-06T08:01:00Z'))).toEqual({
      day: '2025-05-06',
      count: 2,
    });
    const owedCount = async (day: string) =>
      (
        await f.database.db
          .select()
          .from(slackOutbox)
          .where(eq(slackOutbox.key, `f-${day}`))
      )[0];
    expect((await owedCount('2025-05-06'))?.work).toEqual({
      type: 'spam_count',
      day: '2025-05-06',
      count: 2,
      topReasons: [{ reason: 'likely spam', count: 2 }],
    });
    // Later that day, or from another process: already settled.
    expect(await oweDailySpamCount(dailyDeps('2025-05-06T15:00:00Z'))).toBeUndefined();
    expect(await claimDailyCount(f.database.db, 'C0CUSTOMERS', '2025-05-06')).toBe(false);
    // The next day saw nothing filtered: settled, with nothing to post.
    expect(await oweDailySpamCount(dailyDeps('2025-05-07T09:00:00Z'))).toEqual({
      day: '2025-05-07',
      count: 0,
    });
    expect(await owedCount('2025-05-07')).toBeUndefined();
    expect((await owedToSlack(f.database.db)).filter((row) => row.kind === 'spam_count')).toHaveLength(1);
  });
});
