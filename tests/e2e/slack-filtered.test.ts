import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/bot/action-ids.js';
import { conversations, events, mentions, spamExemptions } from '../../src/db/schema.js';
import type { Running } from '../../src/main.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { homeButtonClick } from '../support/slack-requests.js';

const OWNER = 'U0OWNER01';
const STAFF = ['U0SAM0001', 'U0JANE001', 'U0LUCIA01', 'U0TOM0001'];
const STRANGER = 'U0STRANGER';

/** What the spam filter drops at the default threshold: links, spam phrases, no followers, a generated handle. */
const SPAM = 'Crypto giveaway!! Click here https://bit.ly/a1 https://bit.ly/b2 https://bit.ly/c3';

// The app's clock: yesterday at 07:30 UTC, moved past 08:00 for the day's count.
const DAY_MS = 86_400_000;
const yesterday = new Date(Date.now() - DAY_MS).toISOString().slice(0, 10);
let offset = new Date(`${yesterday}T07:30:00Z`).getTime() - Date.now();
const appNow = () => new Date(Date.now() + offset);

let counter = 0;

describe('mentions filtered as spam, in Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { SLACK_CHANNEL_MESSAGES_PER_SECOND: '20' }, now: appNow });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Sends a mention the filter drops; returns its author's handle and the filter's conversation. */
  async function filteredMention(extra = ''): Promise<{ handle: string; conversationId: string }> {
    counter += 1;
    const handle = `deals${counter}8473625`;
    const text = `${SPAM}${extra}`;
    const status = h.mastodon.mention({ from: handle, text });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: `acct-${handle}`, handle, followers: 0 },
      text,
      url: status.url,
      kind: 'mention',
      createdAt: appNow().toISOString(),
    });
    const conversationId = await waitFor(async () => {
      const [row] = await h.database.db
        .select({ id: conversations.id })
        .from(conversations)
        .where(and(eq(conversations.authorHandle, handle), eq(conversations.status, 'spam')));
      return row?.id;
    });
    return { handle, conversationId };
  }

  const homeOf = (user: string, since: number, matching = '') =>
    waitFor(() =>
      h.slack
        .callsTo('views.publish')
        .find(
          (c) =>
            c.params.user_id === user && c.at >= since && JSON.stringify(c.params.view).includes(matching),
        ),
    );

  const cardsFor = (handle: string) =>
    h.slack
      .callsTo('chat.postMessage')
      .filter(
        (c) =>
          c.params.channel === CHANNEL && !c.params.thread_ts && JSON.stringify(c.params).includes(handle),
      );

  const clickNotSpam = (user: string, conversationId: string) =>
    h.interact(homeButtonClick({ userId: user, actionId: ACTION.notSpam, value: conversationId }));

  const eventsOf = (conversationId: string, type: string) =>
    h.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, conversationId), eq(events.type, type)));

  it('shows a filtered mention in App Home with its text, escaped, the reason and a Not spam button', async () => {
    const { handle, conversationId } = await filteredMention(' <!channel> & <https://evil.example|win>');
    // Nothing of it reaches the channel.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cardsFor(handle)).toHaveLength(0);

    for (const user of [STAFF[0]!, OWNER]) {
      const since = Date.now();
      await h.event({ type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' });
      const home = await homeOf(user, since);
      const view = JSON.stringify(home.params.view);
      expect(view).toContain('Filtered as spam');
      expect(view).toMatch(/\d+ in the last 24 hours · \d+ in the last 7 days/);
      expect(view).toContain(`@${handle}`);
      expect(view).toContain('*Mastodon*');
      // The customer's text can neither ping the channel nor forge a link.
      expect(view).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|win&gt;');
      expect(view).not.toContain('<!channel>');
      expect(view).toContain('Why: likely spam');
      const blocks = (home.params.view as { blocks: { accessory?: { action_id: string; value: string } }[] })
        .blocks;
      expect(blocks.map((b) => b.accessory).filter((a) => a?.action_id === ACTION.notSpam)).toContainEqual(
        expect.objectContaining({ value: conversationId }),
      );
    }
  });

  it('Not spam by someone on the roster routes the mention to the channel; a second click does nothing more', async () => {
    const { handle, conversationId } = await filteredMention();
    const clicker = STAFF[1]!;
    let since = Date.now();
    expect((await clickNotSpam(clicker, conversationId)).status).toBe(200);

    // Routed as any mention: its card in the team channel, with the actions.
    const card = await waitFor(() => cardsFor(handle)[0]);
    expect(JSON.stringify(card.params.blocks)).toContain(ACTION.reply);
    const [mention] = await h.database.db.select().from(mentions).where(eq(mentions.authorHandle, handle));
    expect(mention!.conversationId).not.toBe(conversationId);
    const [filtered] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    expect(filtered!.status).toBe('not_spam');
    // The clicker's Home is redrawn without it.
    const home = await homeOf(clicker, since, 'Filtered as spam');
    expect(JSON.stringify(home.params.view)).not.toContain(`"value":"${conversationId}"`);

    // A colleague's click, and the clicker's own second one, change nothing and say so.
    const colleague = STAFF[2]!;
    since = Date.now();
    await clickNotSpam(colleague, conversationId);
    const told = await homeOf(colleague, since, 'already brought this mention back');
    expect(JSON.stringify(told.params.view)).toContain(`<@${clicker}> already brought this mention back`);
    since = Date.now();
    await clickNotSpam(clicker, conversationId);
    await homeOf(clicker, since, 'You already brought this mention back');

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cardsFor(handle)).toHaveLength(1);
    expect(await eventsOf(conversationId, 'mention.unspammed')).toHaveLength(1);
    const vouches = await h.database.db
      .select()
      .from(spamExemptions)
      .where(eq(spamExemptions.authorId, `acct-${handle}`));
    expect(vouches).toMatchObject([{ network: 'mastodon', vouchedBy: clicker }]);
  });

  it('a click by someone off the roster changes nothing', async () => {
    const { handle, conversationId } = await filteredMention();
    const before = (await h.database.db.select().from(events)).length;
    const since = Date.now();
    expect((await clickNotSpam(STRANGER, conversationId)).status).toBe(200);
    await homeOf(STRANGER, since, 'not on this team');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await h.database.db.select().from(events)).length).toBe(before);
    const [row] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    expect(row!.status).toBe('spam');
    expect(
      await h.database.db
        .select()
        .from(spamExemptions)
        .where(eq(spamExemptions.authorId, `acct-${handle}`)),
    ).toEqual([]);
    expect(cardsFor(handle)).toHaveLength(0);
  });

  it('posts the day’s count in the channel once, however many processes start after 08:00 UTC', async () => {
    const still = await h.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.status, 'spam'));
    expect(still.length).toBeGreaterThan(0);
    const countPosts = () =>
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.params.channel === CHANNEL && String(c.params.text).includes('filtered as spam'));
    expect(countPosts()).toHaveLength(0);

    offset = new Date(`${yesterday}T08:05:00Z`).getTime() - Date.now();
    const others: Running[] = [];
    try {
      // Each process asks as it starts (and every minute after).
      others.push(await h.startInstance());
      const post = await waitFor(() => countPosts()[0]);
      others.push(await h.startInstance());
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(countPosts()).toHaveLength(1);
      const text = String(post.params.text);
      const n = still.length;
      expect(text).toContain(`${n} mention${n === 1 ? '' : 's'} filtered as spam in the last 24 hours`);
      expect(text).toContain(`top reasons: likely spam ×${n}`);
      expect(text).toContain('Filtered as spam');
    } finally {
      await Promise.all(others.map((app) => app.stop()));
    }
  });
});
