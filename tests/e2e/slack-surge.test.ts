import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray, isNull } from 'drizzle-orm';
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

describe('in a surge, what people were given goes before the queue', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    // A team of two with room for one conversation each: most of a surge waits in the queue.
    dir = mkdtempSync(join(tmpdir(), 'firsthand-surge-'));
    const teamFile = join(dir, 'team.yaml');
    writeFileSync(
      teamFile,
      [
        'business: Harbour Street Bikes',
        'owner: { id: U0OWNER01, name: Rosa Almeida, timezone: Europe/Lisbon, capacity: 1 }',
        'staff:',
        '  - { id: U0SAM0001, name: Sam Okafor, skills: [repairs], timezone: Europe/Lisbon, capacity: 1 }',
      ].join('\n'),
    );
    h = await startHarness({
      slackPerChannelPerSecond: 1,
      env: { SLACK_SURGE_BACKLOG: '4', TEAM_FILE: teamFile },
    });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const mention = (id: string, text: string) => ({
    network: 'mastodon',
    externalId: id,
    account: 'harbourbikes',
    author: { id: `author-${id}`, handle: `rider-${id}` },
    text,
    createdAt: new Date().toISOString(),
  });
  const shown = async (ids: string[]) =>
    (await h.database.db.select().from(mentions).where(inArray(mentions.externalId, ids))).filter(
      (m) => m.notifiedAt,
    );

  it('shows the owner’s escalations ahead of the cards already waiting for the channel, and tells the owner once', async () => {
    const routine = BIKES.map((bike, i) =>
      mention(`routine-${i}`, `Do you service ${bike} bikes on Saturdays, and how long does it take?`),
    );
    await h.postMentions(routine);
    // Every routine card is queued for the channel before the escalations arrive.
    await waitFor(async () => {
      const rows = await h.database.db
        .select()
        .from(mentions)
        .where(
          inArray(
            mentions.externalId,
            routine.map((m) => m.externalId),
          ),
        );
      return rows.every((m) => m.routedAt);
    }, 20_000);
    const urgent = [
      mention('legal-1', 'Your mechanic wrecked my frame. My lawyer will be in touch about legal action.'),
      mention('legal-2', 'The brakes failed on the hill after your service and I ended up in hospital.'),
    ];
    await h.postMentions(urgent);

    const urgentIds = urgent.map((m) => m.externalId);
    await waitFor(async () => (await shown(urgentIds)).length === 2, 40_000);
    const routineShown = await shown(routine.map((m) => m.externalId));
    // First in first out, both would wait behind the routine cards, about 12 s at a message a second;
    // the two routine conversations held by Sam and Rosa go ahead too.
    expect(routineShown.length).toBeLessThanOrEqual(5);
    const cards = [...h.slack.messages.values()].filter((m) => m.channel === CHANNEL);
    expect(cards.filter((m) => /lawyer|hospital/.test(JSON.stringify(m.blocks ?? '')))).toHaveLength(2);

    // The rest follow, none lost.
    await waitFor(
      async () => (await shown(routine.map((m) => m.externalId))).length === routine.length,
      60_000,
    );

    // The owner is told of the surge's escalations once, in a DM that says so, not once an escalation.
    const toOwner = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.params.channel === 'D0OWNER01' && String(c.params.text).includes('escalated'));
    expect(toOwner).toHaveLength(1);
    expect(JSON.stringify(toOwner[0]!.params.blocks)).toContain('A surge is on');
  }, 120_000);
});
