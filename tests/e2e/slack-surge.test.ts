import { isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mentions } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';

const BIKES = [
  'road',
  'gravel',
  'cargo',
  'folding',
  'tandem',
  'fat',
  'track',
  'touring',
  'kids',
  'city',
  'mountain',
  'recumbent',
];

describe('a surge of mentions keeps the channel readable', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ slackPerChannelPerSecond: 1, env: { SLACK_SURGE_BACKLOG: '4' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('gathers the cards in one surge thread, tells the owner once, and loses nothing', async () => {
    const batch = BIKES.map((bike, i) => ({
      network: 'mastodon',
      externalId: `surge-${i}`,
      account: 'harbourbikes',
      author: { id: `surge-author-${i}`, handle: `rider${i}` },
      text: `Do you service ${bike} bikes on Saturdays, and how long does it take?`,
      createdAt: new Date().toISOString(),
    }));
    expect(await (await h.postMentions(batch)).json()).toEqual({ accepted: 12, duplicate: 0 });

    await waitFor(async () => {
      const waiting = await h.database.db.select().from(mentions).where(isNull(mentions.notifiedAt));
      return waiting.length === 0;
    }, 60_000);

    const inChannel = [...h.slack.messages.values()].filter((m) => m.channel === CHANNEL);
    const roots = inChannel.filter((m) => !m.thread_ts);
    const surgeRoot = roots.find((m) => String(m.text).includes('A surge'));
    expect(surgeRoot).toBeDefined();
    const cards = inChannel.filter((m) => JSON.stringify(m.blocks ?? '').includes('Saturdays'));
    expect(cards).toHaveLength(12);
    // Before the backlog built up a card or two may reach the channel itself; the rest are in the thread.
    expect(cards.filter((m) => m.thread_ts === surgeRoot!.ts).length).toBeGreaterThanOrEqual(10);
    const alerts = roots.filter((m) => String(m.text).includes('<@U0OWNER01>'));
    expect(alerts).toHaveLength(1);
    expect(roots.length).toBeLessThanOrEqual(4);
    // The stand-in refused what came too fast; every refusal was waited out, none lost.
    expect(h.slack.callsTo('chat.postMessage').length).toBeGreaterThan(inChannel.length);
  }, 90_000);
});
