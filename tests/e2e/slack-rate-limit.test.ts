import { isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/bot/action-ids.js';
import { conversations, events, mentions } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick } from '../support/slack-requests.js';

const BURST = 8;

/** A burst of first mentions from as many customers, newest first, a second apart. */
const burst = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    network: 'mastodon',
    externalId: `${name}-${i}`,
    account: 'harbourbikes',
    author: { id: `acct-${name}-${i}`, handle: `${name}${i}` },
    text: `${name[0]!.toUpperCase()}${name.slice(1)} message number ${i}`,
    url: `https://standin.social/@${name}${i}/${i}`,
    createdAt: new Date(Date.now() - i * 1000).toISOString(),
  }));

describe('a rate-limit storm from Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    // Slack (the stand-in) takes one message a second a channel; the app is set to push three,
    // so it meets 429s with Retry-After, on top of a run of forced ones.
    h = await startHarness({
      slackPerChannelPerSecond: 1,
      env: { SLACK_CHANNEL_MESSAGES_PER_SECOND: '3' },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('loses nothing and doubles nothing: every mention shown once, every update applied', async () => {
    h.slack.rateLimitNext('chat.postMessage', 4, 1);
    expect((await h.postMentions(burst('storm', BURST))).status).toBe(202);

    const roots = () => [...h.slack.messages.values()].filter((m) => m.channel === CHANNEL && !m.thread_ts);
    await waitFor(() => roots().length === BURST, 40_000);

    // Slack did refuse calls, and the refused ones came back later.
    const attempts = h.slack.callsTo('chat.postMessage').length;
    expect(attempts - h.slack.messages.size).toBeGreaterThanOrEqual(4);
    const texts = roots().map((m) => String(m.text));
    for (let i = 0; i < BURST; i++) {
      expect(texts.filter((t) => t.includes(`Storm message number ${i}`))).toHaveLength(1);
    }
    // Each card's ts is recorded a moment after Slack shows it.
    const recorded = () => h.database.db.select().from(conversations).where(isNotNull(conversations.slackTs));
    await waitFor(async () => (await recorded()).length === BURST, 10_000);
    const rows = await recorded();
    expect(new Set(rows.map((r) => r.slackTs)).size).toBe(BURST);
    const notified = await h.database.db.select().from(mentions).where(isNotNull(mentions.notifiedAt));
    expect(notified).toHaveLength(BURST);

    // Every resolve still reaches its card, through the same storm.
    h.slack.rateLimitNext('chat.update', 3, 1);
    for (const row of rows) {
      await h.interact(
        buttonClick({
          userId: row.assigneeId ?? 'U0OWNER01',
          actionId: ACTION.resolve,
          value: row.id,
          channel: CHANNEL,
          messageTs: row.slackTs!,
        }),
      );
    }
    await waitFor(
      () => roots().filter((m) => JSON.stringify(m.blocks).includes('Resolved by')).length === BURST && true,
      40_000,
    );
    // One log line per resolve in each thread, never two.
    await waitFor(
      () =>
        [...h.slack.messages.values()].filter((m) => m.thread_ts && String(m.text).includes('resolved this'))
          .length === BURST,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const lines = [...h.slack.messages.values()].filter(
      (m) => m.thread_ts && String(m.text).includes('resolved this'),
    );
    expect(new Set(lines.map((m) => m.thread_ts)).size).toBe(BURST);
    expect(lines).toHaveLength(BURST);
    const resolvedEvents = (await h.database.db.select().from(events)).filter(
      (e) => e.type === 'conversation.resolved',
    );
    expect(resolvedEvents).toHaveLength(BURST);
  }, 90_000);
});

describe('the channel gate at Slack’s own pace', () => {
  let h: Harness;
  beforeAll(async () => {
    // Both at one message a second; the stand-in counts each second from the last message, as Slack does.
    h = await startHarness({ slackPerChannelPerSecond: 1 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('spaces a burst of cards so that Slack refuses none of them', async () => {
    const cards = 8;
    expect((await h.postMentions(burst('paced', cards))).status).toBe(202);
    const inChannel = () => [...h.slack.messages.values()].filter((m) => m.channel === CHANNEL);
    await waitFor(() => inChannel().length === cards, 30_000);

    const calls = h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === CHANNEL);
    // Clock-second slots met a 429 on every other card here (12 calls for 8). Spaced as Slack counts,
    // none should; one is allowed for a call that left late on a busy machine (the test suite's own).
    expect(calls.length - cards).toBeLessThanOrEqual(1);
    // The channel's second is spent on a message, not lost: about one a second.
    expect(calls.at(-1)!.at - calls[0]!.at).toBeLessThan((cards - 1) * 1500);
  }, 60_000);
});
