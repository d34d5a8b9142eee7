import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, REPLY_INPUT, REPLY_MODAL } from '../../src/bot/action-ids.js';
import { conversations, events } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, menuChoice, viewSubmission } from '../support/slack-requests.js';

const OWNER = 'U0OWNER01';
const STAFF = ['U0SAM0001', 'U0JANE001', 'U0LUCIA01', 'U0TOM0001'];
const STRANGER = 'U0STRANGER';

type Element = { action_id?: string; value?: string; type?: string };
type Block = { type: string; block_id?: string; text?: { text: string }; elements?: Element[] };

interface Shown {
  conversationId: string;
  ts: string;
  assignee: string;
  blocks: Block[];
}

let counter = 0;

describe('acting on a conversation from Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    // The app's per-channel pace is raised so the test does not wait a second per message.
    h = await startHarness({ env: { SLACK_CHANNEL_MESSAGES_PER_SECOND: '20' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function newConversation(text = 'Where is my order? It is late.'): Promise<Shown> {
    counter += 1;
    const handle = `cust${counter}`;
    const status = h.mastodon.mention({ from: handle, text });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: `acct-${handle}`, handle, name: 'Dana Ruiz', followers: 1234, verified: true },
      text,
      url: status.url,
      kind: 'mention',
      createdAt: status.created_at,
    });
    const post = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) =>
            c.params.channel === CHANNEL && !c.params.thread_ts && JSON.stringify(c.params).includes(handle),
        ),
    );
    const blocks = post.params.blocks as Block[];
    const conversationId = blocks.find((b) => b.type === 'actions')!.elements![0]!.value!;
    const ts = await waitFor(async () => {
      const [row] = await h.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, conversationId));
      return row?.slackTs ?? undefined;
    });
    const [row] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    return { conversationId, ts, assignee: row!.assigneeId!, blocks };
  }

  const click = (user: string, actionId: string, value: string, ts: string) =>
    h.interact(buttonClick({ userId: user, actionId, value, channel: CHANNEL, messageTs: ts }));

  const buttonValue = (blocks: Block[], actionId: string) =>
    blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value;

  const menusBlockId = (blocks: Block[]) => blocks.filter((b) => b.type === 'actions')[1]!.block_id!;

  const eventsOf = (conversationId: string, type: string) =>
    h.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, conversationId), eq(events.type, type)));

  const conversation = async (id: string) =>
    (await h.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;

  const ephemeralTo = (user: string, after: number) =>
    waitFor(() => h.slack.callsTo('chat.postEphemeral').find((c) => c.params.user === user && c.at >= after));

  const latestCard = (ts: string) =>
    waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .filter((c) => c.params.ts === ts)
        .at(-1),
    );

  const otherStaff = (...not: string[]) => STAFF.find((s) => !not.includes(s))!;

  it('shows the network, the author, the text, the link, the assignee and every action', async () => {
    const shown = await newConversation(
      'Do you fit brake cables <!channel> & the shop was closed when I came by?',
    );
    const text = shown.blocks.map((b) => b.text?.text ?? '').join('\n');
    expect(text).toContain('*Mastodon*');
    expect(text).toContain('*Dana Ruiz*');
    expect(text).toContain('1,234 followers');
    expect(text).toContain('verified');
    // The customer's text cannot ping the channel or forge a link.
    expect(text).toContain('&lt;!channel&gt; &amp; the shop');
    expect(text).toMatch(/<https?:\/\/[^|]+\|View on Mastodon>/);
    expect(text).toContain(`Assigned to <@${shown.assignee}>`);
    const ids = shown.blocks
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.action_id);
    expect(ids).toEqual([
      ACTION.reply,
      ACTION.claim,
      ACTION.escalate,
      ACTION.resolve,
      ACTION.waiting,
      ACTION.spam,
      ACTION.reassign,
      ACTION.snooze,
    ]);
    // The assignee hears about it directly, with a link to the message.
    const dm = await waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => c.params.channel === `D${shown.assignee.slice(1)}`),
    );
    expect(JSON.stringify(dm.params.blocks)).toContain(
      `https://standin.slack.com/archives/${CHANNEL}/p${shown.ts.replace('.', '')}`,
    );
  });

  it('claims once however often it is clicked, logs it in the thread and redraws the card', async () => {
    const shown = await newConversation();
    const claimer = otherStaff(shown.assignee);
    const value = buttonValue(shown.blocks, ACTION.claim)!;
    const first = await click(claimer, ACTION.claim, value, shown.ts);
    const second = await click(claimer, ACTION.claim, value, shown.ts);
    expect([first.status, second.status]).toEqual([200, 200]);
    await waitFor(async () => (await conversation(shown.conversationId)).assigneeId === claimer);
    const card = await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .find(
          (c) =>
            c.params.ts === shown.ts && JSON.stringify(c.params.blocks).includes(`Assigned to <@${claimer}>`),
        ),
    );
    expect(card).toBeDefined();
    const line = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.params.thread_ts === shown.ts && String(c.params.text).includes('claimed this')),
    );
    expect(String(line.params.text)).toContain(`<@${claimer}> claimed this from <@${shown.assignee}>`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.claimed')).toHaveLength(1);

    // A colleague clicking the card as it was before the claim is told who has it now.
    const late = otherStaff(shown.assignee, claimer);
    const since = Date.now();
    await click(late, ACTION.claim, value, shown.ts);
    const refusal = await ephemeralTo(late, since);
    expect(String(refusal.params.text)).toContain(`<@${claimer}> took this conversation a moment ago`);
    expect((await conversation(shown.conversationId)).assigneeId).toBe(claimer);
  });

  it('lets only the assignee or the owner open the reply, and refuses a long or empty text inline', async () => {
    const status = h.mastodon.mention({ from: 'rhea', text: 'Can I return a helmet?' });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: 'acct-rhea', handle: 'rhea' },
      text: 'Can I return a helmet?',
      url: status.url,
      createdAt: status.created_at,
    });
    const post = await waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params).includes('return a helmet')),
    );
    const id = (post.params.blocks as Block[]).find((b) => b.type === 'actions')!.elements![0]!.value!;
    const ts = await waitFor(async () => (await conversation(id)).slackTs ?? undefined);
    const assignee = (await conversation(id)).assigneeId!;
    const colleague = otherStaff(assignee);

    const since = Date.now();
    await click(colleague, ACTION.reply, id, ts);
    const refusal = await ephemeralTo(colleague, since);
    expect(String(refusal.params.text)).toContain(`<@${assignee}>'s`);
    expect(String(refusal.params.text)).toContain('Claim');
    expect(h.slack.callsTo('views.open').filter((c) => c.at >= since)).toHaveLength(0);

    await click(OWNER, ACTION.reply, id, ts);
    const open = await waitFor(() => h.slack.callsTo('views.open').find((c) => c.at >= since));
    const view = open.params.view as { private_metadata: string; blocks: Block[] };
    expect(JSON.stringify(view.blocks)).toContain('Can I return a helmet?');
    expect(JSON.stringify(view.blocks)).toContain('Up to 500 characters');

    const submit = (user: string, text: string, viewId: string) =>
      h.interact(
        viewSubmission({
          userId: user,
          viewId,
          callbackId: REPLY_MODAL,
          privateMetadata: view.private_metadata,
          values: {
            [REPLY_INPUT.block]: { [REPLY_INPUT.action]: { type: 'plain_text_input', value: text } },
          },
        }),
      );
    const tooLong = (await (await submit(OWNER, 'é'.repeat(501), 'V0LONG')).json()) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(tooLong.response_action).toBe('errors');
    expect(tooLong.errors[REPLY_INPUT.block]).toMatch(/Too long for mastodon: 50\d of 500/);
    const empty = (await (await submit(OWNER, '   ', 'V0EMPTY')).json()) as {
      errors: Record<string, string>;
    };
    expect(empty.errors[REPLY_INPUT.block]).toBe('Write a reply first.');
    // A colleague's submission (a modal opened before a hand-over) is refused inline too.
    const notTheirs = (await (await submit(colleague, 'Yes!', 'V0COLL')).json()) as {
      errors: Record<string, string>;
    };
    expect(notTheirs.errors[REPLY_INPUT.block]).toContain('Claim');

    expect((await submit(OWNER, 'Yes, within 30 days with the receipt.', 'V0OWNER')).status).toBe(200);
    const posted = await waitFor(() => h.mastodon.posted.find((p) => p.in_reply_to_id === status.id));
    expect(posted.content).toContain('@rhea Yes, within 30 days');
    expect(h.mastodon.posted.filter((p) => p.in_reply_to_id === status.id)).toHaveLength(1);
  });

  it('hands a conversation over with the user menu, and DMs the new assignee a link', async () => {
    const shown = await newConversation();
    const target = otherStaff(shown.assignee);
    const choose = (user: string, selected: string) =>
      h.interact(
        menuChoice({
          userId: user,
          actionId: ACTION.reassign,
          blockId: menusBlockId(shown.blocks),
          channel: CHANNEL,
          messageTs: shown.ts,
          selectedUser: selected,
        }),
      );

    // Someone who does not have it may not hand it over.
    const bystander = otherStaff(shown.assignee, target);
    let since = Date.now();
    await choose(bystander, target);
    expect(String((await ephemeralTo(bystander, since)).params.text)).toContain('Only <@');

    // Nor to someone off the roster.
    since = Date.now();
    await choose(shown.assignee, STRANGER);
    expect(String((await ephemeralTo(shown.assignee, since)).params.text)).toContain(
      'not on the Firsthand roster',
    );

    await choose(shown.assignee, target);
    await choose(shown.assignee, target);
    await waitFor(async () => (await conversation(shown.conversationId)).assigneeId === target);
    const dm = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) =>
            c.params.channel === `D${target.slice(1)}` && JSON.stringify(c.params).includes('handed you'),
        ),
    );
    expect(JSON.stringify(dm.params.blocks)).toContain(`archives/${CHANNEL}/p${shown.ts.replace('.', '')}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.reassigned')).toHaveLength(1);
  });

  it('escalates to the owner once, with a DM that gives the reasons', async () => {
    const shown = await newConversation(
      'The wheel still wobbles after the service, can someone have a look?',
    );
    await click(shown.assignee, ACTION.escalate, shown.conversationId, shown.ts);
    await click(shown.assignee, ACTION.escalate, shown.conversationId, shown.ts);
    await waitFor(async () => (await conversation(shown.conversationId)).escalated);
    expect((await conversation(shown.conversationId)).assigneeId).toBe(OWNER);
    const dm = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) =>
            c.params.channel === `D${OWNER.slice(1)}` &&
            String(c.params.text).includes(`<@${shown.assignee}> escalated`),
        ),
    );
    const body = JSON.stringify(dm.params.blocks);
    expect(body).toContain(`<@${shown.assignee}> escalated`);
    expect(body).toContain('Why: escalated by');
    const card = await latestCard(shown.ts);
    expect(JSON.stringify(card.params.blocks)).toContain('Escalated to the owner');
    expect(JSON.stringify(card.params.blocks)).not.toContain(ACTION.escalate);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.escalated')).toHaveLength(1);

    // Now only the owner may claim it back or answer it.
    const since = Date.now();
    await click(shown.assignee, ACTION.reply, shown.conversationId, shown.ts);
    expect(String((await ephemeralTo(shown.assignee, since)).params.text)).toContain(
      'escalated to the owner',
    );
  });

  it('resolves once, and the resolved card has no buttons left', async () => {
    const shown = await newConversation();
    await click(shown.assignee, ACTION.resolve, shown.conversationId, shown.ts);
    await click(shown.assignee, ACTION.resolve, shown.conversationId, shown.ts);
    await waitFor(async () => (await conversation(shown.conversationId)).status === 'resolved');
    const card = await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.params.ts === shown.ts && JSON.stringify(c.params.blocks).includes('Resolved by')),
    );
    expect((card.params.blocks as Block[]).some((b) => b.type === 'actions')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.resolved')).toHaveLength(1);

    // Acting on a closed conversation says so.
    const since = Date.now();
    await click(shown.assignee, ACTION.reply, shown.conversationId, shown.ts);
    expect(String((await ephemeralTo(shown.assignee, since)).params.text)).toContain('already resolved');
  });

  it('marks spam once and closes the conversation', async () => {
    const shown = await newConversation('Nice shop! Visit mine sometime, we sell bike stickers');
    await click(shown.assignee, ACTION.spam, shown.conversationId, shown.ts);
    await click(shown.assignee, ACTION.spam, shown.conversationId, shown.ts);
    await waitFor(async () => (await conversation(shown.conversationId)).status === 'spam');
    expect((await conversation(shown.conversationId)).closedAt).toBeInstanceOf(Date);
    const card = await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.params.ts === shown.ts && JSON.stringify(c.params.blocks).includes('Marked as spam')),
    );
    expect(card).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.spam')).toHaveLength(1);
  });

  it('snoozes until a time once, shows it on the card, and refuses a colleague', async () => {
    const shown = await newConversation();
    const choose = (user: string) =>
      h.interact(
        menuChoice({
          userId: user,
          actionId: ACTION.snooze,
          blockId: menusBlockId(shown.blocks),
          channel: CHANNEL,
          messageTs: shown.ts,
          selectedOption: '3h',
        }),
      );
    const before = Date.now();
    await choose(shown.assignee);
    await choose(shown.assignee);
    const [snoozed] = await waitFor(async () => {
      const rows = await eventsOf(shown.conversationId, 'conversation.snoozed');
      return rows.length > 0 && rows;
    });
    const until = new Date(String(snoozed!.details.until)).getTime();
    expect(until - before).toBeGreaterThan(3 * 3600_000 - 5000);
    expect(until - before).toBeLessThan(3 * 3600_000 + 5000);
    const card = await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.params.ts === shown.ts && JSON.stringify(c.params.blocks).includes('Snoozed until')),
    );
    expect(JSON.stringify(card.params.blocks)).toContain(`<!date^${Math.floor(until / 1000)}^`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await eventsOf(shown.conversationId, 'conversation.snoozed')).toHaveLength(1);

    const colleague = otherStaff(shown.assignee);
    const since = Date.now();
    await choose(colleague);
    expect(String((await ephemeralTo(colleague, since)).params.text)).toContain(`<@${shown.assignee}>'s`);
  });

  it('tells someone off the roster why for every button, and writes nothing', async () => {
    const shown = await newConversation();
    const before = (await h.database.db.select().from(events)).length;
    for (const action of [ACTION.claim, ACTION.escalate, ACTION.resolve, ACTION.spam, ACTION.reply]) {
      const value = action === ACTION.claim ? buttonValue(shown.blocks, ACTION.claim)! : shown.conversationId;
      const since = Date.now();
      await click(STRANGER, action, value, shown.ts);
      expect(String((await ephemeralTo(STRANGER, since)).params.text)).toContain('not on this team');
    }
    expect((await h.database.db.select().from(events)).length).toBe(before);
    expect((await conversation(shown.conversationId)).status).toBe('open');
  });

  it('publishes App Home with my conversations, my availability, the load, and the owner’s escalations', async () => {
    const shown = await newConversation();
    // Earlier hand-overs redrew some homes already; look only at what this visit publishes.
    const since = Date.now();
    await h.event({ type: 'app_home_opened', user: shown.assignee, channel: 'D0HOME', tab: 'home' });
    const mine = await waitFor(() =>
      h.slack.callsTo('views.publish').find((c) => c.params.user_id === shown.assignee && c.at >= since),
    );
    const text = JSON.stringify(mine.params.view);
    expect(text).toContain('Your conversations');
    expect(text).toContain(`archives/${CHANNEL}/p${shown.ts.replace('.', '')}`);
    expect(text).toContain('Available');
    expect(text).toContain("The team's load");
    expect(text).toContain('Response times');
    expect(text).toMatch(/\*Team:\* \d+ new, \d+ answered/);
    expect(text).not.toContain('Escalations waiting');

    await h.event({ type: 'app_home_opened', user: OWNER, channel: 'D0HOME2', tab: 'home' });
    const owner = await waitFor(() =>
      h.slack.callsTo('views.publish').find((c) => c.params.user_id === OWNER),
    );
    expect(JSON.stringify(owner.params.view)).toContain('Escalations waiting for you');
  });

  it('answers /firsthand me, queue, away, back and stats, only to the asker', async () => {
    const ask = async (user: string, text: string) => {
      const response = await h.command(user, text);
      expect(response.status).toBe(200);
      return (await response.json()) as { response_type: string; text: string };
    };
    const me = await ask(STAFF[1]!, 'me');
    expect(me.response_type).toBe('ephemeral');
    expect(me.text).toMatch(/Available · \d+ open conversation/);

    const away = await ask(STAFF[1]!, 'away 2h');
    expect(away.text).toContain('Away until');
    const [row] = await h.database.db
      .select()
      .from(events)
      .where(and(eq(events.type, 'staff.away'), eq(events.actor, STAFF[1]!)));
    const until = new Date(String(row!.details.until)).getTime();
    expect(Math.abs(until - (Date.now() + 2 * 3600_000))).toBeLessThan(10_000);
    expect((await ask(STAFF[1]!, 'me')).text).toContain('Away until');
    expect((await ask(STAFF[1]!, 'back')).text).toContain('Available');

    expect((await ask(STAFF[0]!, 'queue')).text).toMatch(/\d+ waiting for someone to claim/);
    expect((await ask(OWNER, 'stats')).text).toMatch(/Last 7 days: \d+ new/);
    const month = await h.command(OWNER, 'stats month');
    const monthBody = JSON.stringify(await month.json());
    expect(monthBody).toMatch(/Last 30 days: \d+ new/);
    expect(monthBody).toContain('*Team:*');
    expect(monthBody).toContain('*By network*');
    expect((await ask(OWNER, 'stats year')).text).toContain('can\'t read "year" as a period');
    expect((await ask(STAFF[0]!, 'away someday')).text).toContain("can't read");
    expect((await ask(STRANGER, 'me')).text).toContain('not on this team');
  });
});
