import { asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.js';
import { clusterMembers, events, mentions, storms, storyClusters } from '../../src/db/schema.js';
import { createCluster, joinCluster, mergeClusters, type StormRow } from '../../src/db/storms.repository.js';
import { compilePolicy } from '../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../src/routing/policy.js';
import { type StormCandidate, StormWatch } from '../../src/routing/storm/storm-watch.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';
import { insertMention } from '../support/mentions.js';
import { OWNER, owedToSlack, seedHarbourTeam } from './routing-support.js';

// The defaults: a storm from 5× the usual rate (and 30 a minute), over after 10 minutes of calm.
const policy = compilePolicy(PolicyFileSchema.parse({}));
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
const start = new Date('2026-12-07T10:00:00Z'); // a Monday morning
const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);

// Three stories told in several ways, and questions of their own; each first told in `first`, then `retold` before the restart.
const STORIES = {
  login: {
    first: 'Is your app down? I cannot log in since this morning',
    retold: [
      'app is down again, cannot log in at all!! #appdown',
      "Your app won't let me log in, is it down for everyone?",
    ],
    afterRestart: [
      "can't log in to the app, down for me too",
      'the app is down and I cannot log in #appdown',
    ],
  },
  charge: {
    first: 'I was charged twice! double charge on my card for one order',
    retold: [
      'You charged my card twice for the same order, I want the refund',
      'charged twice for one order, refund the double payment please',
    ],
    afterRestart: [
      'double charge on my card for one order, please refund',
      'charged twice for the same order, refund please',
    ],
  },
  fire: {
    first: 'Smoke coming out of the Harbour Street shop, is everyone ok? https://news.example/harbour-fire',
    retold: [
      'heard the Harbour Street shop caught fire, hope staff are safe https://news.example/harbour-fire',
      'Fire at Harbour Street store?! https://news.example/harbour-fire',
    ],
    afterRestart: [
      'Is the shop on fire?? saw smoke at the Harbour Street store https://news.example/harbour-fire',
    ],
  },
};
type Story = keyof typeof STORIES;
const OWN_QUESTIONS = [
  'Do you have a 54cm gravel frame in stock for a test ride on Saturday?',
  'What time do you open on bank holidays?',
];

describe.each(DATABASE_KINDS)('the storm watch (%s)', (kind) => {
  let database: TestDatabase;
  // A second router: its own connection pool on PostgreSQL; PGlite has one connection to share.
  let other: { db: Database; close: () => Promise<void> };
  let serial = 0;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    await seedHarbourTeam(database.db);
    other = database.url
      ? await openDatabase({ url: database.url, dataDir: 'unused', poolSize: 3 })
      : { db: database.db, close: async () => {} };
  });
  afterEach(async () => {
    await other.close();
    await database.destroy();
  });

  /** Mentions as ingest stores them, unrouted, received at the given moments. */
  async function receive(times: Date[], text = (i: number) => `Any news on my order? (${i})`): Promise<void> {
    const rows = times.map((receivedAt, i) => {
      serial++;
      return {
        network: 'x',
        externalId: `storm-${serial}`,
        account: '@harbourbikes',
        authorId: `author-${serial}`,
        authorHandle: `customer${serial}`,
        authorFollowers: 100,
        text: text(i),
        postedAt: receivedAt,
        receivedAt,
      };
    });
    for (let i = 0; i < rows.length; i += 500)
      await database.db.insert(mentions).values(rows.slice(i, i + 500));
  }
  /** `count` mentions over the minute before `now`. */
  const burst = (count: number, now: Date) =>
    receive(Array.from({ length: count }, (_, i) => new Date(now.getTime() - (i * 55_000) / count)));
  /** The same hour of the week in each of the four weeks before `start`: `perMinute` a minute. */
  async function usualHistory(perMinute: number, offset = 0): Promise<void> {
    const times: Date[] = [];
    for (let week = 1; week <= 4; week++)
      for (let minute = -30; minute < 30; minute++)
        for (let k = 0; k < perMinute; k++)
          times.push(
            new Date(start.getTime() - week * WEEK + offset + minute * MINUTE + (k * MINUTE) / perMinute),
          );
    await receive(times);
  }

  const watch = (db: Database, clock: { now: Date }) => new StormWatch({ db, now: () => clock.now, policy });
  const eventsOf = (type: string) =>
    database.db.select().from(events).where(eq(events.type, type)).orderBy(asc(events.id));

  it('opens one storm on a rate well above the usual for the hour of the week, however many routers see it', async () => {
    await usualHistory(10);
    await burst(80, start);
    const clock = { now: start };
    const a = watch(database.db, clock);
    const b = watch(other.db, clock);
    await Promise.all([a.look(), b.look()]);

    const opened = await database.db.select().from(storms);
    expect(opened).toHaveLength(1);
    const storm = opened[0]!;
    expect(storm).toMatchObject({ startedAt: start, endedAt: null, calmSince: null });
    expect(storm.startFigures).toMatchObject({
      perMinute: 80,
      baselinePerMinute: 10,
      reasons: ['80 mentions in the last minute, 8× the usual 10 a minute for this hour of the week'],
    });
    expect((await a.current())?.id).toBe(storm.id);
    expect((await b.current())?.id).toBe(storm.id);

    const started = await eventsOf('storm.started');
    expect(started).toHaveLength(1);
    expect(started[0]!.details).toMatchObject({ stormId: storm.id, figures: { perMinute: 80 } });
    // Owed to Slack once: the storm's root in the team channel first, the thread's first turn of stories
    // ten seconds on, and the owner's DM.
    const owed = (await owedToSlack(database.db)).filter((row) => row.kind.startsWith('storm'));
    expect(owed.map((row) => [row.key, row.work, row.priority]).sort()).toEqual([
      [`so-${storm.id}`, { type: 'storm_owner', stormId: storm.id, user: OWNER }, -1],
      [`sr-${storm.id}`, { type: 'storm', stormId: storm.id }, -2],
      [`ss-${storm.id}-0`, { type: 'storm_stories', stormId: storm.id, turn: 0 }, -1],
    ]);
  });

  it('opens none for a rate near the usual, though above the floor of 30 a minute', async () => {
    await usualHistory(10);
    await burst(40, start);
    await Promise.all([watch(database.db, { now: start }).look(), watch(other.db, { now: start }).look()]);
    expect(await database.db.select().from(storms)).toEqual([]);
    expect(await eventsOf('storm.started')).toEqual([]);
    expect((await owedToSlack(database.db)).filter((row) => row.kind.startsWith('storm'))).toEqual([]);
  });

  it('measures the usual at the same hour of the week: a busy afternoon is no baseline for the morning', async () => {
    // Ten a minute on Monday afternoons, none on Monday mornings: 40 this morning is a storm.
    await usualHistory(10, 4 * 60 * MINUTE);
    await burst(40, start);
    const a = watch(database.db, { now: start });
    await a.look();
    const [storm] = await database.db.select().from(storms);
    expect(storm?.startFigures).toMatchObject({ perMinute: 40, baselinePerMinute: 0 });
  });

  it('ends once, after ten minutes of calm, and a flare-up in the meantime starts the ten minutes over', async () => {
    await usualHistory(10);
    await burst(80, start);
    const clock = { now: start };
    const a = watch(database.db, clock);
    const b = watch(other.db, clock);
    await a.look();
    const [storm] = await database.db.select().from(storms);
    const calmSince = async () => (await database.db.select().from(storms))[0]!.calmSince;

    // Two minutes on, nothing new: calm.
    clock.now = at(2);
    await a.look();
    expect(await calmSince()).toEqual(at(2));
    // A flare-up of 45 a minute (below the 50 that opens a storm, above the 25 that is calm): stormy again.
    await burst(45, at(5));
    clock.now = at(5);
    await a.look();
    expect(await calmSince()).toBeNull();
    // Calm again from minute 7: not over at minute 16, over at 17.
    clock.now = at(7);
    await a.look();
    expect(await calmSince()).toEqual(at(7));
    clock.now = at(16);
    await Promise.all([a.look(), b.look()]);
    expect(await eventsOf('storm.ended')).toEqual([]);
    expect((await database.db.select().from(storms))[0]!.endedAt).toBeNull();

    clock.now = at(17);
    await Promise.all([a.look(), b.look()]);
    clock.now = at(18);
    await Promise.all([a.look(), b.look()]);
    const [ended] = await database.db.select().from(storms);
    expect(ended).toMatchObject({ id: storm!.id, endedAt: at(17) });
    expect(ended!.endFigures).toMatchObject({
      perMinute: 0,
      reasons: ['10 minutes back near the usual: 0 mentions in the last minute'],
    });
    const endedEvents = await eventsOf('storm.ended');
    expect(endedEvents).toHaveLength(1);
    expect(endedEvents[0]!.details).toMatchObject({ stormId: storm!.id });
    const owed = await owedToSlack(database.db);
    expect(owed.filter((row) => row.key === `sz-${storm!.id}`).map((row) => row.work)).toEqual([
      { type: 'storm_summary', stormId: storm!.id },
    ]);
    expect(owed.filter((row) => row.key === `so-${storm!.id}-end`)).toHaveLength(1);
    expect(await a.current()).toBeUndefined();
    expect(await b.current()).toBeUndefined();
  });

  describe('a restart in the middle of a storm', () => {
    /** A story mention as ingest stores it, unrouted, and what routing would hand the watch. */
    async function candidate(text: string, sentiment = 'negative'): Promise<StormCandidate> {
      serial++;
      const { row } = await insertMention(database.db, {
        network: 'x',
        externalId: `story-${serial}`,
        account: '@harbourbikes',
        authorId: `author-${serial}`,
        authorHandle: `customer${serial}`,
        authorFollowers: 100,
        text,
        postedAt: at(1),
        receivedAt: at(1),
      });
      return { mentionId: row.id, text, sentiment };
    }
    /** What routing does with a mention during a storm: a cluster, or a card of its own (noted as alone). */
    async function route(router: StormWatch, storm: StormRow, text: string): Promise<number | undefined> {
      const mention = await candidate(text);
      const clusterId = await router.place(storm, mention, at(1));
      if (clusterId === undefined) router.noteAlone(mention.mentionId, text);
      return clusterId;
    }
    const clusterIds = async () =>
      (await database.db.select({ id: storyClusters.id }).from(storyClusters)).map((c) => c.id).sort();

    it('places the next mentions of a story in the cluster it had before the restart, and keeps a question of its own alone', async () => {
      await burst(60, start);
      const clock = { now: start };
      const a = watch(database.db, clock);
      await a.look();
      const storm = (await a.current())!;
      expect(storm).toBeDefined();

      // Router A: each story's first telling gets a card, the next ones form one cluster per story.
      const placed: Record<Story, (number | undefined)[]> = { login: [], charge: [], fire: [] };
      const stories = Object.keys(STORIES) as Story[];
      for (const story of stories) placed[story].push(await route(a, storm, STORIES[story].first));
      expect(await route(a, storm, OWN_QUESTIONS[0]!)).toBeUndefined();
      for (let i = 0; i < 2; i++)
        for (const story of stories) placed[story].push(await route(a, storm, STORIES[story].retold[i]!));
      const clusterOf = {} as Record<Story, number>;
      for (const story of stories) {
        const [first, ...later] = placed[story];
        expect(first, story).toBeUndefined();
        expect(later[0], story).toBeDefined();
        expect(new Set(later), story).toEqual(new Set([later[0]]));
        clusterOf[story] = later[0]!;
      }
      expect(new Set(Object.values(clusterOf)).size).toBe(3);
      const before = await clusterIds();
      expect(before).toEqual(Object.values(clusterOf).sort());

      // A restart: router B knows nothing but what PostgreSQL holds.
      const b = watch(other.db, clock);
      for (const story of stories)
        for (const text of STORIES[story].afterRestart)
          expect(await route(b, storm, text), text).toBe(clusterOf[story]);
      expect(await route(b, storm, OWN_QUESTIONS[1]!)).toBeUndefined();
      expect(await clusterIds()).toEqual(before);

      // Each cluster counts its members once: two from A and the ones B placed.
      const members = await database.db.select().from(clusterMembers);
      for (const story of stories)
        expect(
          members.filter((m) => m.clusterId === clusterOf[story]),
          story,
        ).toHaveLength(2 + STORIES[story].afterRestart.length);
      // Placed is routed: the mention no longer waits for a card.
      const routed = await database.db.select().from(mentions).where(eq(mentions.id, members[0]!.mentionId));
      expect(routed[0]!.routedAt).toEqual(at(1));
    });

    it("takes a story to the owner when one of its mentions is the owner's, and never holds one of theirs", async () => {
      await burst(60, start);
      const a = watch(database.db, { now: start });
      await a.look();
      const storm = (await a.current())!;
      const forOwner = { ownerId: OWNER, why: 'a legal threat' };
      // Told by nobody yet: the owner's mention gets its card (placed nowhere, not held), and pairs later.
      const first = await candidate(STORIES.charge.first);
      expect(await a.placeOrHold(storm, { ...first, forOwner }, at(1), true)).toBeUndefined();
      a.noteAlone(first.mentionId, STORIES.charge.first);
      const clusterId = await route(a, storm, STORIES.charge.retold[0]!);
      expect(clusterId).toBeDefined();
      // The story is told: the next owner's mention joins it and the story goes to the owner.
      const second = await candidate(STORIES.charge.retold[1]!);
      expect(await a.placeOrHold(storm, { ...second, forOwner }, at(2), true)).toBe(clusterId);
      const [cluster] = await database.db
        .select()
        .from(storyClusters)
        .where(eq(storyClusters.id, clusterId!));
      expect(cluster!.assigneeId).toBe(OWNER);
      const [member] = await database.db
        .select()
        .from(clusterMembers)
        .where(eq(clusterMembers.mentionId, second.mentionId));
      expect(member!.forOwner).toBe('a legal threat');
    });

    it.runIf(kind === 'postgres')(
      'counts a mention joining a cluster while another router folds it in the story it went to',
      async () => {
        await burst(60, start);
        const a = watch(database.db, { now: start });
        await a.look();
        const storm = (await a.current())!;
        const [into, from] = await database.db.transaction(async (tx) => [
          await createCluster(tx, storm.id, [], at(1)),
          await createCluster(tx, storm.id, [], at(1)),
        ]);
        const late = await candidate(STORIES.fire.first);
        // The fold holds its rows until it commits; the join, on the other router, waits for it and
        // lands in the story it went into rather than in the folded cluster nothing shows.
        let joining: Promise<boolean> | undefined;
        await database.db.transaction(async (tx) => {
          await mergeClusters(tx, into!.id, [from!.id], []);
          joining = other.db.transaction((otherTx) =>
            joinCluster(otherTx, {
              mentionId: late.mentionId,
              clusterId: from!.id,
              sentiment: 'negative',
              at: at(2),
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        expect(await joining).toBe(true);
        const [member] = await database.db
          .select()
          .from(clusterMembers)
          .where(eq(clusterMembers.mentionId, late.mentionId));
        expect(member!.clusterId).toBe(into!.id);
      },
    );

    it('does not place a mention that is already in a cluster a second time', async () => {
      await burst(60, start);
      const clock = { now: start };
      const a = watch(database.db, clock);
      await a.look();
      const storm = (await a.current())!;
      await route(a, storm, STORIES.charge.first);
      const mention = await candidate(STORIES.charge.retold[0]!);
      const clusterId = await a.place(storm, mention, at(1));
      expect(clusterId).toBeDefined();

      // Placed again (a retried job, another router after a restart): refused, counted once.
      const b = watch(other.db, clock);
      expect(await b.place(storm, mention, at(2))).toBeUndefined();
      expect(await a.place(storm, mention, at(2))).toBeUndefined();
      expect(
        await database.db.transaction((tx) =>
          joinCluster(tx, {
            mentionId: mention.mentionId,
            clusterId: clusterId!,
            sentiment: 'negative',
            at: at(2),
          }),
        ),
      ).toBe(false);
      const members = await database.db
        .select()
        .from(clusterMembers)
        .where(eq(clusterMembers.mentionId, mention.mentionId));
      expect(members).toMatchObject([{ clusterId, joinedAt: at(1) }]);
    });
  });
});
