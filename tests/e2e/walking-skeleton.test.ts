import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, REPLY_INPUT, REPLY_MODAL } from '../../src/bot/action-ids.js';
import { conversations, cursors, events, mentions, replies } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, viewSubmission } from '../support/slack-requests.js';

const SAM = 'U0SAM0001';
const STRANGER = 'U0STRANGER';

/**
 * A status as the ingest API takes it. With polling on, the poller may store the same status first,
 * so the author carries the stand-in's account id: whichever path wins, it is the same customer.
 */
function mastodonMention(
  status: { id: string; url: string; created_at: string; account?: { id: string } },
  text: string,
  from = 'jane',
) {
  return {
    network: 'mastodon',
    externalId: status.id,
    account: 'harbourbikes',
    author: { id: status.account?.id ?? `acct-${from}`, handle: from, name: 'Jane Doe', followers: 88 },
    text,
    url: status.url,
    kind: 'mention',
    createdAt: status.created_at,
  };
}

/** Conversation messages in the team channel; DMs and thread lines are counted apart. */
const rootPosts = (h: Harness) =>
  h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === CHANNEL && !c.params.thread_ts);

type Blocks = {
  type: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string }[];
}[];

describe('a Mastodon mention travels to Slack, is answered there, and the answer reaches Mastodon', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mastodonPollSeconds: 1 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('routes, notifies, replies once, threads the reply and records every step', async () => {
    const status = h.mastodon.mention({
      from: 'jane',
      text: 'My brake cable snapped after the service yesterday. Can you help?',
    });
    const response = await h.postMentions(
      mastodonMention(status, 'My brake cable snapped after the service yesterday. Can you help?'),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, duplicate: 0 });

    const post = await waitFor(() => h.slack.callsTo('chat.postMessage')[0]);
    expect(post.params.channel).toBe(CHANNEL);
    const blocks = post.params.blocks as Blocks;
    const allText = blocks.map((b) => b.text?.text ?? '').join('\n');
    expect(allText).toContain('> My brake cable snapped after the service yesterday. Can you help?');
    expect(allText).toContain(`<${status.url}|View on Mastodon>`);
    const assignee = /Assigned to <@(U[A-Z0-9]+)>/.exec(allText)?.[1];
    expect(assignee).toMatch(/^U0/);
    expect(assignee).not.toBe('U0OWNER01'); // staff are free, so the owner is not the one
    const actions = blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(actions.map((a) => a.action_id)).toEqual([
      ACTION.reply,
      ACTION.claim,
      ACTION.escalate,
      ACTION.resolve,
      ACTION.waiting,
      ACTION.spam,
    ]);
    const conversationId = actions[0]!.value!;
    const messageTs = (await waitFor(() => h.slack.messages.size > 0 && [...h.slack.messages.values()][0]))!
      .ts;

    // The same status arrives again by polling: still one Slack message.
    await waitFor(async () => {
      const rows = await h.database.db.select().from(events).where(eq(events.type, 'mention.received'));
      return rows.length === 1 && rows;
    });

    // Only the assignee (or the owner) may reply; the assignee does.
    const replier = assignee!;
    const click = await h.interact(
      buttonClick({
        userId: replier,
        actionId: ACTION.reply,
        value: conversationId,
        channel: CHANNEL,
        messageTs,
      }),
    );
    expect(click.status).toBe(200);
    const open = await waitFor(() => h.slack.callsTo('views.open')[0]);
    const view = open.params.view as { callback_id: string; private_metadata: string; blocks: Blocks };
    expect(view.callback_id).toBe(REPLY_MODAL);
    expect(view.blocks.map((b) => b.text?.text ?? '').join('\n')).toContain('My brake cable snapped');

    const submit = (text: string, viewId = 'V0REPLY001') =>
      h.interact(
        viewSubmission({
          userId: replier,
          viewId,
          callbackId: REPLY_MODAL,
          privateMetadata: view.private_metadata,
          values: {
            [REPLY_INPUT.block]: { [REPLY_INPUT.action]: { type: 'plain_text_input', value: text } },
          },
        }),
      );

    const tooLong = await submit('x'.repeat(600), 'V0TOOLONG1');
    expect(tooLong.status).toBe(200);
    const refusal = (await tooLong.json()) as { response_action: string; errors: Record<string, string> };
    expect(refusal.response_action).toBe('errors');
    expect(refusal.errors[REPLY_INPUT.block]).toMatch(/Too long for mastodon: \d+ of 500/);

    const reply = 'So sorry, Jane! Bring it in today and we will fix it free of charge.';
    expect((await submit(reply)).status).toBe(200);
    // Slack may deliver the same submission twice; it is still one reply.
    expect((await submit(reply)).status).toBe(200);

    const posted = await waitFor(() => h.mastodon.posted[0]);
    expect(posted.in_reply_to_id).toBe(status.id);
    expect(posted.content).toContain(`@jane ${reply}`);

    const update = await waitFor(() =>
      h.slack.callsTo('chat.update').find((c) => JSON.stringify(c.params.blocks).includes('Replied by')),
    );
    expect(JSON.stringify(update.params.blocks)).toContain(`Replied by <@${replier}> after`);
    expect(update.params.ts).toBe(messageTs);

    await new Promise((resolve) => setTimeout(resolve, 1500)); // a poll round and any retries
    expect(h.mastodon.posted).toHaveLength(1);
    // One message in the channel; the thread logs the reply once; the assignee got one DM.
    expect(rootPosts(h)).toHaveLength(1);
    const threadLines = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.params.thread_ts === messageTs && String(c.params.text).includes('replied'));
    expect(threadLines).toHaveLength(1);
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => c.params.channel === `D${assignee!.slice(1)}`),
    ).toHaveLength(1);

    const db = h.database.db;
    const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
    expect(conversation?.status).toBe('replied');
    expect(conversation?.firstRepliedAt).toBeInstanceOf(Date);
    expect(await db.select().from(replies)).toHaveLength(1);
    // The poller did see the status (its position moved on) and ingest dropped it as a duplicate.
    const [cursor] = await db.select().from(cursors).where(eq(cursors.network, 'mastodon'));
    expect(Number(cursor?.value)).toBeGreaterThan(Number(status.id));
    const types = (await db.select().from(events).orderBy(events.id)).map((e) => e.type);
    expect(types).toEqual([
      'mention.received',
      'conversation.assigned',
      'slack.notified',
      'reply.requested',
      'reply.posted',
    ]);
  });

  it('a follow-up from the same customer joins the conversation, its assignee and its thread', async () => {
    const first = h.mastodon.mention({ from: 'omar', text: 'Do you rent tandem bikes?' });
    await h.postMentions(mastodonMention(first, 'Do you rent tandem bikes?', 'omar'));
    // Posted together, either could open the conversation; the follow-up comes once the first has.
    await waitFor(async () =>
      (await h.database.db.select().from(mentions).where(eq(mentions.authorId, first.account.id))).some(
        (m) => m.routedAt,
      ),
    );
    const second = h.mastodon.mention({ from: 'omar', text: 'For this Saturday, two days.' });
    await h.postMentions(mastodonMention(second, 'For this Saturday, two days.', 'omar'));

    const threaded = await waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params).includes('For this Saturday')),
    );
    const root = h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params).includes('tandem'));
    expect(root).toBeDefined();
    const rootTs = [...h.slack.messages.values()].find((m) =>
      JSON.stringify(m.blocks).includes('tandem'),
    )?.ts;
    expect(threaded.params.thread_ts).toBe(rootTs);
    const rows = await h.database.db.select().from(mentions).where(eq(mentions.authorId, first.account.id));
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.conversationId)).size).toBe(1);
  });
});

describe('what Firsthand refuses', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('refuses a mention without the ingest token', async () => {
    const response = await h.postMentions({}, 'wrong-token-0000000000');
    expect(response.status).toBe(401);
  });

  it('answers 400 naming the bad field, and stores nothing of a half-valid batch', async () => {
    const good = mastodonMention(
      { id: '9001', url: 'https://standin.social/@jane/9001', created_at: new Date().toISOString() },
      'hello',
    );
    const bad = { ...good, externalId: '9002', author: { id: 'x' } };
    const response = await h.postMentions([good, bad]);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('1.author.handle');
    expect(await h.database.db.select().from(mentions)).toHaveLength(0);
  });

  it('counts a mention posted twice as one accepted and one duplicate, and shows it once in Slack', async () => {
    const mention = mastodonMention(
      { id: '7001', url: 'https://standin.social/@kim/7001', created_at: new Date().toISOString() },
      'Open on Sundays?',
      'kim',
    );
    expect(await (await h.postMentions(mention)).json()).toEqual({ accepted: 1, duplicate: 0 });
    expect(await (await h.postMentions([mention])).json()).toEqual({ accepted: 0, duplicate: 1 });
    await waitFor(() => rootPosts(h).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rootPosts(h)).toHaveLength(1);
  });

  it('refuses unsigned and stale Slack requests', async () => {
    const payload = buttonClick({
      userId: SAM,
      actionId: ACTION.resolve,
      value: '00000000-0000-4000-8000-000000000000',
      channel: CHANNEL,
      messageTs: '1.1',
    });
    expect((await h.interact(payload, { unsigned: true })).status).toBe(401);
    expect((await h.interact(payload, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(
      401,
    );
  });

  it('tells someone off the roster why, and changes nothing', async () => {
    const mention = mastodonMention(
      { id: '7101', url: 'https://standin.social/@lee/7101', created_at: new Date().toISOString() },
      'Where is my order?',
      'lee',
    );
    await h.postMentions(mention);
    const post = await waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params).includes('Where is my order')),
    );
    const conversationId = ((post.params.blocks as Blocks).find((b) => b.type === 'actions')?.elements ??
      [])[0]!.value!;
    // The notification's own event is written just after Slack answers; count from after it.
    await waitFor(async () => {
      const rows = await h.database.db.select().from(events).where(eq(events.type, 'slack.notified'));
      return rows.some((r) => r.conversationId === conversationId);
    });
    const before = await h.database.db.select().from(events);

    const click = await h.interact(
      buttonClick({
        userId: STRANGER,
        actionId: ACTION.resolve,
        value: conversationId,
        channel: CHANNEL,
        messageTs: '1.1',
      }),
    );
    expect(click.status).toBe(200);
    const ephemeral = await waitFor(() =>
      h.slack.callsTo('chat.postEphemeral').find((c) => c.params.user === STRANGER),
    );
    expect(String(ephemeral.params.text)).toContain('not on this team');
    const [conversation] = await h.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    expect(conversation?.status).toBe('open');
    expect(await h.database.db.select().from(events)).toHaveLength(before.length);
  });
});
