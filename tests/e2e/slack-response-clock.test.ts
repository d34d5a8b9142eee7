import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, REPLY_INPUT, REPLY_MODAL } from '../../src/bot/action-ids.js';
import { clockSteps, conversations, events } from '../../src/db/schema.js';
import type { SlackCall } from '../standins/slack.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, viewSubmission } from '../support/slack-requests.js';

/**
 * Issue #20: the response clock driven end to end, on a clock the test moves
 * forward, against the Slack and Mastodon stand-ins: the whole app (ingest,
 * routing, the router's clock sweep, the Slack sender, Bolt) in this process.
 */

const OWNER = 'U0OWNER01';
const MINUTE = 60_000;
// The router looks at the clocks every 100 ms of real time instead of every 15 s.
const SWEEP_MS = 100;
// Long enough for several sweeps and the Slack sender: a step that fires too soon would show.
const SETTLE_MS = 600;

// Every mention is high priority with an hour's target: remind at 30, offer at 60, owner at 180.
const POLICY = `
responseTargets: { urgent: 15, high: 60, normal: 240, low: 1440 }
responseClock: { remindAt: 0.5, offerAt: 1, ownerAt: { urgent: 2, high: 3 }, claimWindowMinutes: 15 }
rules:
  - name: Every conversation in this test is answered within the hour
    do: { priority: high, responseTargetMinutes: 60 }
`;

// The team of examples/team.yaml, everyone in Lisbon (UTC in December) working 09:00-17:00 on weekdays.
const TEAM_WITH_HOURS = `
business: Harbour Street Bikes
owner: { id: U0OWNER01, name: Rosa Almeida, languages: [en, pt], timezone: Europe/Lisbon, capacity: 5 }
staff:
  - { id: U0SAM0001, name: Sam Okafor, timezone: Europe/Lisbon, hours: { mon-fri: "09:00-17:00" } }
  - { id: U0JANE001, name: Jane Whitfield, timezone: Europe/Lisbon, hours: { mon-fri: "09:00-17:00" } }
  - { id: U0LUCIA01, name: Lucía Romero, timezone: Europe/Lisbon, hours: { mon-fri: "09:00-17:00" } }
  - { id: U0TOM0001, name: Tom Becker, timezone: Europe/Lisbon, hours: { mon-fri: "09:00-17:00" } }
`;

type Element = { action_id?: string; value?: string };
type Block = { type: string; elements?: Element[] };

/** The app's clock: it stands still until the test moves it. */
function steppedClock(start: Date) {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    set(to: Date) {
      if (to.getTime() < at) throw new Error('the test clock only moves forward');
      at = to.getTime();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dmChannel = (user: string) => `D${user.slice(1)}`;
const userOfDm = (channel: string) => `U${channel.slice(1)}`;
const json = (value: unknown) => JSON.stringify(value ?? null);

interface Shown {
  conversationId: string;
  handle: string;
  ts: string;
  assignee: string;
}

/** What a test needs of a running app: a mention in, and what Slack was told about it. */
function slackView(h: Harness, clock: ReturnType<typeof steppedClock>) {
  let counter = 0;
  const posts = () => h.slack.callsTo('chat.postMessage');
  const dbOf = () => h.database.db;

  return {
    /** A Mastodon mention, written now by the test clock, with its card in the channel. */
    async postMention(text: string): Promise<Omit<Shown, 'assignee'>> {
      counter += 1;
      const handle = `clockcust${counter}`;
      const status = h.mastodon.mention({ from: handle, text });
      const sent = await h.postMentions({
        network: 'mastodon',
        externalId: status.id,
        account: 'harbourbikes',
        author: { id: `acct-${handle}`, handle, name: 'Dana Ruiz', followers: 120 },
        text,
        url: status.url,
        kind: 'mention',
        createdAt: clock.now().toISOString(),
      });
      expect(sent.status).toBe(202);
      const card = await waitFor(() =>
        posts().find(
          (c) => c.params.channel === CHANNEL && !c.params.thread_ts && json(c.params).includes(`@${handle}`),
        ),
      );
      const conversationId = (card.params.blocks as Block[]).find((b) => b.type === 'actions')!.elements![0]!
        .value!;
      const row = await waitFor(async () => {
        const found = await this.conversation(conversationId);
        return found?.slackTs ? found : undefined;
      });
      expect(row.priority).toBe('high');
      expect(row.responseTargetMinutes).toBe(60);
      return { conversationId, handle, ts: row.slackTs! };
    },
    /** A mention routed to someone, its clock started. */
    async newConversation(text: string): Promise<Shown> {
      const posted = await this.postMention(text);
      const row = await this.conversation(posted.conversationId);
      expect(row.assigneeId).toBeTruthy();
      // The clock starts from the assignment, on the router's next sweep.
      await waitFor(async () => (await this.stepsOf(posted.conversationId)).length > 0);
      return { ...posted, assignee: row.assigneeId! };
    },
    stepsOf: (conversationId: string) =>
      dbOf()
        .select()
        .from(clockSteps)
        .where(eq(clockSteps.conversationId, conversationId))
        .orderBy(asc(clockSteps.dueAt), asc(clockSteps.id)),
    /** The clock's thread-worthy events so far, by outcome. */
    async clockOutcomes(conversationId: string): Promise<string[]> {
      const rows = await dbOf()
        .select()
        .from(events)
        .where(and(eq(events.conversationId, conversationId), eq(events.type, 'clock.step')))
        .orderBy(asc(events.id));
      return rows.map((r) => String((r.details as { outcome?: string }).outcome));
    },
    async conversation(id: string) {
      const [row] = await dbOf().select().from(conversations).where(eq(conversations.id, id));
      if (!row) throw new Error(`no conversation ${id}`);
      return row;
    },
    /** Direct messages about this customer, to anyone (or to `user`). */
    dmsAbout(shown: Shown, user?: string): SlackCall[] {
      return posts().filter(
        (c) =>
          String(c.params.channel).startsWith('D') &&
          (!user || c.params.channel === dmChannel(user)) &&
          String(c.params.text).includes(`@${shown.handle}`),
      );
    },
    remindersTo: (shown: Shown, user: string) =>
      posts().filter(
        (c) =>
          c.params.channel === dmChannel(user) &&
          String(c.params.text).startsWith(`A reminder: @${shown.handle} `),
      ),
    offersAbout: (shown: Shown) =>
      posts().filter(
        (c) =>
          String(c.params.channel).startsWith('D') &&
          json(c.params.blocks).includes(ACTION.claim) &&
          String(c.params.text).includes(`@${shown.handle} is still waiting`),
      ),
    ownerToldAbout: (shown: Shown) =>
      posts().filter(
        (c) =>
          c.params.channel === dmChannel(OWNER) &&
          String(c.params.text).startsWith(`@${shown.handle} has waited well past`),
      ),
    threadLines: (shown: Shown) =>
      posts()
        .filter((c) => c.params.channel === CHANNEL && c.params.thread_ts === shown.ts)
        .map((c) => String(c.params.text)),
    /** The card as Slack shows it now. */
    card: (shown: Shown) => json(h.slack.messages.get(shown.ts)?.blocks),
  };
}

describe('the response clock in Slack, on a clock the test moves', () => {
  const T0 = new Date('2026-12-07T10:00:00Z'); // a Monday
  const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
  const clock = steppedClock(T0);
  let dir: string;
  let h: Harness;
  let view: ReturnType<typeof slackView>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firsthand-clock-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    h = await startHarness({
      env: { POLICY_FILE: join(dir, 'policy.yaml'), SLACK_CHANNEL_MESSAGES_PER_SECOND: '50' },
      now: clock.now,
      clockSweepMs: SWEEP_MS,
    });
    view = slackView(h, clock);
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reminds at half the target, offers at the target with Claim/Pass, hands over on Claim, and tells the owner once', async () => {
    const shown = await view.newConversation('Is my bike ready yet? I dropped it off on Friday.');
    const steps = await view.stepsOf(shown.conversationId);
    expect(steps.map((s) => [s.step, s.dueAt.toISOString()])).toEqual([
      ['remind', at(30).toISOString()],
      ['offer', at(60).toISOString()],
      ['owner', at(180).toISOString()],
    ]);

    // 10:29: not yet.
    clock.set(at(29));
    await sleep(SETTLE_MS);
    expect(await view.clockOutcomes(shown.conversationId)).toEqual([]);
    expect(view.remindersTo(shown, shown.assignee)).toHaveLength(0);

    // 10:30: half the target, a quiet reminder to the assignee, a line in the thread, the card says so.
    clock.set(at(30));
    const reminder = await waitFor(() => view.remindersTo(shown, shown.assignee)[0]);
    expect(json(reminder.params.blocks)).not.toContain(ACTION.claim);
    await waitFor(() =>
      view
        .threadLines(shown)
        .find((l) => l.includes('Half the response target has passed') && l.includes(`<@${shown.assignee}>`)),
    );
    await waitFor(() => view.card(shown).includes('reminder sent'));
    expect(view.card(shown)).toContain(`Assigned to <@${shown.assignee}>`);

    // 10:59: no offer yet, and nobody else heard of it.
    clock.set(at(59));
    await sleep(SETTLE_MS);
    expect(await view.clockOutcomes(shown.conversationId)).toEqual(['reminded']);
    expect(view.offersAbout(shown)).toHaveLength(0);

    // 11:00: the target. Offered to a colleague by DM with Claim and Pass.
    clock.set(at(60));
    const offer = await waitFor(() => view.offersAbout(shown)[0]);
    const colleague = userOfDm(String(offer.params.channel));
    expect(colleague).not.toBe(shown.assignee);
    expect(colleague).not.toBe(OWNER);
    const buttons = (offer.params.blocks as Block[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    expect(buttons.map((e) => e.action_id)).toEqual([ACTION.claim, ACTION.pass]);
    await waitFor(() =>
      view
        .threadLines(shown)
        .find(
          (l) =>
            l.includes('offered to') &&
            l.includes(`<@${colleague}>`) &&
            l.includes(`<@${shown.assignee}> can still answer`),
        ),
    );
    await waitFor(() => view.card(shown).includes(`Past its target: offered to <@${colleague}>`));
    // The first assignee keeps it meanwhile.
    expect((await view.conversation(shown.conversationId)).assigneeId).toBe(shown.assignee);

    // 11:02: the colleague presses Claim in the DM, a signed request to Bolt as Slack sends it.
    clock.set(at(62));
    const offerDm = await waitFor(() =>
      [...h.slack.messages.values()].find(
        (m) => m.channel === offer.params.channel && json(m.blocks).includes(ACTION.claim),
      ),
    );
    const claimValue = buttons.find((e) => e.action_id === ACTION.claim)!.value!;
    const pressed = await h.interact(
      buttonClick({
        userId: colleague,
        actionId: ACTION.claim,
        value: claimValue,
        channel: offerDm.channel,
        messageTs: offerDm.ts,
      }),
    );
    expect(pressed.status).toBe(200);
    await waitFor(async () => (await view.conversation(shown.conversationId)).assigneeId === colleague);
    await waitFor(() =>
      view
        .threadLines(shown)
        .find(
          (l) =>
            l.includes(`<@${colleague}>`) && l.includes('claimed this from') && l.includes(shown.assignee),
        ),
    );
    await waitFor(() => view.card(shown).includes(`Assigned to <@${colleague}>`));
    const claimed = await h.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, shown.conversationId), eq(events.type, 'conversation.claimed')));
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.details).toMatchObject({
      reason: 'response_timeout',
      previousAssigneeId: shown.assignee,
    });

    // 11:20 (past the claim window) and 12:59: claimed, so nobody else is offered it, and the owner not told yet.
    clock.set(at(80));
    await sleep(SETTLE_MS);
    clock.set(at(179));
    await sleep(SETTLE_MS);
    expect(view.offersAbout(shown)).toHaveLength(1);
    expect(view.ownerToldAbout(shown)).toHaveLength(0);

    // 13:00: three times the target (high), still unanswered: the owner is told by DM.
    clock.set(at(180));
    const told = await waitFor(() => view.ownerToldAbout(shown)[0]);
    expect(json(told.params.blocks)).not.toContain(ACTION.claim);
    await waitFor(() =>
      view.threadLines(shown).find((l) => l.includes('Still unanswered') && l.includes(`<@${OWNER}>`)),
    );
    await waitFor(() => view.card(shown).includes('the owner was told'));

    // Once: hours later there is still one owner DM, one offer and one reminder.
    clock.set(at(300));
    await sleep(SETTLE_MS);
    expect(view.ownerToldAbout(shown)).toHaveLength(1);
    expect(view.offersAbout(shown)).toHaveLength(1);
    expect(view.remindersTo(shown, shown.assignee)).toHaveLength(1);
    expect(await view.clockOutcomes(shown.conversationId)).toEqual(['reminded', 'offered', 'owner_told']);
    expect((await view.stepsOf(shown.conversationId)).every((s) => s.doneAt !== null)).toBe(true);
  });

  it('stops the chain when the assignee replies after the reminder: no offer, no owner', async () => {
    const start = at(300);
    const since = (minutes: number) => new Date(start.getTime() + minutes * MINUTE);
    const shown = await view.newConversation('Do you have a 54 cm road frame in stock?');

    clock.set(since(30));
    await waitFor(() => view.remindersTo(shown, shown.assignee)[0]);

    // The assignee answers from the card: the reply modal, submitted, posted to Mastodon by the app.
    const opened = h.slack.callsTo('views.open').length;
    const clicked = await h.interact(
      buttonClick({
        userId: shown.assignee,
        actionId: ACTION.reply,
        value: shown.conversationId,
        channel: CHANNEL,
        messageTs: shown.ts,
      }),
    );
    expect(clicked.status).toBe(200);
    const open = await waitFor(() => h.slack.callsTo('views.open')[opened]);
    const modal = open.params.view as { private_metadata: string };
    const submitted = await h.interact(
      viewSubmission({
        userId: shown.assignee,
        viewId: 'V0CLOCKREPLY',
        callbackId: REPLY_MODAL,
        privateMetadata: modal.private_metadata,
        values: {
          [REPLY_INPUT.block]: {
            [REPLY_INPUT.action]: { type: 'plain_text_input', value: 'Yes, we do. Come by any time.' },
          },
        },
      }),
    );
    expect(submitted.status).toBe(200);
    await waitFor(() => h.mastodon.posted.find((p) => p.content.includes(`@${shown.handle} Yes, we do`)));
    await waitFor(async () => (await view.conversation(shown.conversationId)).status === 'replied');

    // Well past the target, and past three times it: nothing more.
    clock.set(since(61));
    await sleep(SETTLE_MS);
    clock.set(since(200));
    await sleep(SETTLE_MS);
    expect(view.offersAbout(shown)).toHaveLength(0);
    expect(view.ownerToldAbout(shown)).toHaveLength(0);
    expect(view.dmsAbout(shown).filter((c) => c.params.channel !== dmChannel(shown.assignee))).toHaveLength(
      0,
    );
    expect(await view.clockOutcomes(shown.conversationId)).toEqual(['reminded']);
    const steps = await view.stepsOf(shown.conversationId);
    expect(steps.map((s) => [s.step, s.outcome])).toEqual([
      ['remind', 'fired'],
      ['offer', 'stopped'],
      ['owner', 'stopped'],
    ]);
    expect(view.threadLines(shown).some((l) => l.includes('offered to'))).toBe(false);
  });
});

describe('the response clock in Slack counts only working hours', () => {
  // A Thursday, 16:45 in Lisbon: a quarter of an hour before everyone's day ends.
  const T0 = new Date('2026-12-10T16:45:00Z');
  const clock = steppedClock(T0);
  let dir: string;
  let h: Harness;
  let view: ReturnType<typeof slackView>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firsthand-clock-hours-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    writeFileSync(join(dir, 'team.yaml'), TEAM_WITH_HOURS);
    h = await startHarness({
      env: {
        POLICY_FILE: join(dir, 'policy.yaml'),
        TEAM_FILE: join(dir, 'team.yaml'),
        SLACK_CHANNEL_MESSAGES_PER_SECOND: '50',
        // The queue is looked at every second, so a mention that waited overnight is taken promptly.
        QUEUE_SWEEP_SECONDS: '1',
      },
      now: clock.now,
      clockSweepMs: SWEEP_MS,
    });
    view = slackView(h, clock);
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pauses overnight: the reminder comes at 09:15 the next morning, not at 17:15', async () => {
    const shown = await view.newConversation('Is my bike ready yet? I dropped it off on Monday.');
    // 15 working minutes on Thursday, 15 more from 09:00 on Friday; the offer 30 after that.
    const steps = await view.stepsOf(shown.conversationId);
    expect(steps.map((s) => [s.step, s.dueAt.toISOString()])).toEqual([
      ['remind', '2026-12-11T09:15:00.000Z'],
      ['offer', '2026-12-11T09:45:00.000Z'],
      ['owner', '2026-12-11T11:45:00.000Z'],
    ]);
    // The card's "Respond by" moves to the offer's time in working hours.
    const respondBy = `<!date^${Date.parse('2026-12-11T09:45:00Z') / 1000}^`;
    await waitFor(() => view.card(shown).includes(respondBy));

    // Half an hour of wall-clock time, the evening, the night, and 09:14 the next day: no reminder.
    for (const quiet of ['2026-12-10T17:15:00Z', '2026-12-10T22:00:00Z', '2026-12-11T09:14:00Z']) {
      clock.set(new Date(quiet));
      await sleep(SETTLE_MS);
      expect(await view.clockOutcomes(shown.conversationId), quiet).toEqual([]);
      expect(view.remindersTo(shown, shown.assignee), quiet).toHaveLength(0);
    }

    // 09:15 on Friday: half the target in working time.
    clock.set(new Date('2026-12-11T09:15:00Z'));
    await waitFor(() => view.remindersTo(shown, shown.assignee)[0]);
    await waitFor(() =>
      view.threadLines(shown).find((l) => l.includes('Half the response target has passed')),
    );
    expect(view.offersAbout(shown)).toHaveLength(0);
    expect(await view.clockOutcomes(shown.conversationId)).toEqual(['reminded']);
  });

  it('starts the clock of a mention that came in at night only when someone takes it in the morning', async () => {
    // Friday 22:00: everyone is off shift, so it waits in the queue and no clock runs.
    clock.set(new Date('2026-12-11T22:00:00Z'));
    const posted = await view.postMention('Can I book a service for my e-bike next week?');
    expect((await view.conversation(posted.conversationId)).assigneeId).toBeNull();
    clock.set(new Date('2026-12-12T12:00:00Z')); // Saturday noon
    await sleep(1500);
    expect((await view.conversation(posted.conversationId)).assigneeId).toBeNull();
    expect(await view.stepsOf(posted.conversationId)).toEqual([]);

    // Monday 09:00: the queue hands it to someone starting their day; the clock starts then.
    clock.set(new Date('2026-12-14T09:00:00Z'));
    const assignee = await waitFor(
      async () => (await view.conversation(posted.conversationId)).assigneeId ?? undefined,
    );
    await waitFor(async () => (await view.stepsOf(posted.conversationId)).length > 0);
    const steps = await view.stepsOf(posted.conversationId);
    expect(steps.map((s) => [s.step, s.dueAt.toISOString()])).toEqual([
      ['remind', '2026-12-14T09:30:00.000Z'],
      ['offer', '2026-12-14T10:00:00.000Z'],
      ['owner', '2026-12-14T12:00:00.000Z'],
    ]);
    const shown = { ...posted, assignee };

    clock.set(new Date('2026-12-14T09:29:00Z'));
    await sleep(SETTLE_MS);
    expect(view.remindersTo(shown, assignee)).toHaveLength(0);
    clock.set(new Date('2026-12-14T09:30:00Z'));
    await waitFor(() => view.remindersTo(shown, assignee)[0]);
    expect(await view.clockOutcomes(posted.conversationId)).toEqual(['reminded']);
  });
});
