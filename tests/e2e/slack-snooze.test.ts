import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/bot/action-ids.js';
import { conversations, events, slackOutbox } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, menuChoice } from '../support/slack-requests.js';

type Block = { type: string; block_id?: string; elements?: { action_id?: string; value?: string }[] };

// The app's one clock, moved on by the tests: a snooze's end is due by it, not by a timer.
let aheadMs = 0;
const appNow = () => new Date(Date.now() + aheadMs);
const passHours = (hours: number) => {
  aheadMs += hours * 3600_000 + 1000;
};

let counter = 0;

describe('the end of a snooze', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: appNow, env: { SLACK_CHANNEL_MESSAGES_PER_SECOND: '20' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function newConversation() {
    counter += 1;
    const handle = `snoozer${counter}`;
    const status = h.mastodon.mention({ from: handle, text: 'Any news on my repair?' });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: `acct-${handle}`, handle },
      text: 'Any news on my repair?',
      url: status.url,
      createdAt: status.created_at,
    });
    const post = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.params.channel === CHANNEL && JSON.stringify(c.params).includes(handle)),
    );
    const blocks = post.params.blocks as Block[];
    const actions = blocks.filter((b) => b.type === 'actions');
    const conversationId = actions[0]!.elements![0]!.value!;
    const row = await waitFor(async () => {
      const found = await conversation(conversationId);
      return found?.slackTs ? found : undefined;
    });
    return {
      conversationId,
      handle,
      ts: row.slackTs!,
      assignee: row.assigneeId!,
      menus: actions[1]!.block_id!,
    };
  }

  const conversation = async (id: string) =>
    (await h.database.db.select().from(conversations).where(eq(conversations.id, id)))[0];

  const eventsOf = (conversationId: string, type: string) =>
    h.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, conversationId), eq(events.type, type)));

  async function snooze(shown: Awaited<ReturnType<typeof newConversation>>, option: string) {
    const response = await h.interact(
      menuChoice({
        userId: shown.assignee,
        actionId: ACTION.snooze,
        blockId: shown.menus,
        channel: CHANNEL,
        messageTs: shown.ts,
        selectedOption: option,
      }),
    );
    expect(response.status).toBe(200);
    return waitFor(async () =>
      (await eventsOf(shown.conversationId, 'conversation.snoozed')).find((e) => e.details.option === option),
    );
  }

  const cardUpdates = (ts: string) => h.slack.callsTo('chat.update').filter((c) => c.params.ts === ts);
  const snoozeOverDms = (user: string, handle: string) =>
    h.slack
      .callsTo('chat.postMessage')
      .filter(
        (c) =>
          c.params.channel === `D${user.slice(1)}` &&
          String(c.params.text).includes(`Your snooze on the Mastodon conversation with @${handle} is over`),
      );

  /** The snooze's end, owed in the outbox for its time, has been dealt with. */
  const snoozeJobDone = (snoozeEventId: number) =>
    waitFor(async () => {
      const [row] = await h.database.db
        .select()
        .from(slackOutbox)
        .where(eq(slackOutbox.key, `s-${snoozeEventId}`));
      return row?.doneAt != null;
    }, 15_000);

  /** The assignee's App Home as last published: it lists their conversations with their snoozes. */
  const homeOf = (user: string) =>
    JSON.stringify(
      h.slack
        .callsTo('views.publish')
        .filter((c) => c.params.user_id === user)
        .at(-1)?.params.view ?? null,
    );

  it('brings the conversation back when it ends: the card, a thread line, a DM and an event', async () => {
    const shown = await newConversation();
    const snoozed = await snooze(shown, '1h');
    const until = new Date(String(snoozed.details.until));
    expect(Math.abs(until.getTime() - (appNow().getTime() + 3600_000))).toBeLessThan(5_000);
    const asleep = await waitFor(() =>
      cardUpdates(shown.ts).find((c) => JSON.stringify(c.params.blocks).includes('Snoozed until')),
    );
    // App Home shows the snooze while it lasts, and drops it when it ends.
    await waitFor(() => homeOf(shown.assignee).includes(':zzz: until'));

    passHours(1);
    const [ended] = await waitFor(async () => {
      const rows = await eventsOf(shown.conversationId, 'conversation.snooze_ended');
      return rows.length > 0 && rows;
    }, 15_000);
    expect(ended!.actor).toBe('bot');
    expect(ended!.details.snoozeEventId).toBe(snoozed.id);
    // Not a moment before its time.
    expect(ended!.at.getTime()).toBeGreaterThanOrEqual(until.getTime());

    const awake = await waitFor(() => {
      const latest = cardUpdates(shown.ts).at(-1);
      return latest &&
        latest.at > asleep.at &&
        !JSON.stringify(latest.params.blocks).includes('Snoozed until')
        ? latest
        : undefined;
    });
    const card = JSON.stringify(awake.params.blocks);
    expect(card).toContain(`Assigned to <@${shown.assignee}>`);
    expect(card).toContain(ACTION.reply);
    expect(card).toContain(ACTION.snooze);

    const line = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.params.thread_ts === shown.ts && String(c.params.text).includes('The snooze is over')),
    );
    expect(line.params.channel).toBe(CHANNEL);
    await waitFor(() => snoozeOverDms(shown.assignee, shown.handle).length === 1);
    await waitFor(() => !homeOf(shown.assignee).includes(':zzz: until'));

    await snoozeJobDone(snoozed.id);
    expect(await eventsOf(shown.conversationId, 'conversation.snooze_ended')).toHaveLength(1);
  });

  it('does not reopen a conversation resolved while it was snoozed', async () => {
    const shown = await newConversation();
    const snoozed = await snooze(shown, '1h');
    await h.interact(
      buttonClick({
        userId: shown.assignee,
        actionId: ACTION.resolve,
        value: shown.conversationId,
        channel: CHANNEL,
        messageTs: shown.ts,
      }),
    );
    await waitFor(async () => (await conversation(shown.conversationId))?.status === 'resolved');
    const resolvedCard = await waitFor(() =>
      cardUpdates(shown.ts).find((c) => JSON.stringify(c.params.blocks).includes('Resolved by')),
    );

    passHours(1);
    await snoozeJobDone(snoozed.id);
    expect(await eventsOf(shown.conversationId, 'conversation.snooze_ended')).toHaveLength(0);
    const row = await conversation(shown.conversationId);
    expect(row?.status).toBe('resolved');
    expect(row?.closedAt).toBeInstanceOf(Date);
    expect(snoozeOverDms(shown.assignee, shown.handle)).toHaveLength(0);
    expect(cardUpdates(shown.ts).filter((c) => c.at > resolvedCard.at)).toHaveLength(0);
  });

  it('lets a later snooze replace an earlier one, which then ends without a word', async () => {
    const shown = await newConversation();
    const first = await snooze(shown, '1h');
    const second = await snooze(shown, '3h');
    await waitFor(() =>
      cardUpdates(shown.ts).find((c) =>
        JSON.stringify(c.params.blocks).includes(
          String(Math.floor(new Date(String(second.details.until)).getTime() / 1000)),
        ),
      ),
    );

    passHours(1);
    await snoozeJobDone(first.id);
    expect(await eventsOf(shown.conversationId, 'conversation.snooze_ended')).toHaveLength(0);
    expect(snoozeOverDms(shown.assignee, shown.handle)).toHaveLength(0);
    const latest = cardUpdates(shown.ts).at(-1)!;
    const secondUntil = Math.floor(new Date(String(second.details.until)).getTime() / 1000);
    expect(JSON.stringify(latest.params.blocks)).toContain(`Snoozed until <!date^${secondUntil}^`);
  });
});
