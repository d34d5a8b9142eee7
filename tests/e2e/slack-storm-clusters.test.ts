import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, CLUSTER_REPLY_MODAL } from '../../src/bot/action-ids.js';
import {
  CLUSTER_REPLY_INPUT,
  CLUSTER_SPLIT_INPUT,
  CLUSTER_SPLIT_MODAL,
} from '../../src/bot/cluster-modals.js';
import {
  clusterMembers,
  conversations,
  events,
  mentions,
  replies,
  storms,
  storyClusters,
} from '../../src/db/schema.js';
import { createCluster, openStorm } from '../../src/db/storms.repository.js';
import { type BlueskyStandin, startBlueskyStandin } from '../standins/bluesky.standin.js';
import { startXStandin, type XStandin } from '../standins/x.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, menuChoice, viewSubmission } from '../support/slack-requests.js';

const OWNER = 'U0OWNER01';
const SAM = 'U0SAM0001';
const STRANGER = 'U0STRANGER';
const BSKY_HANDLE = 'harbourbikes.bsky.social';
const xAccount = { id: '2244994945', username: 'harbourbikes' };

interface Member {
  network: 'mastodon' | 'x' | 'bluesky';
  externalId: string;
  authorId: string;
  handle: string;
  text: string;
}

describe('acting on a storm’s story from its message in the thread', () => {
  let h: Harness;
  let x: XStandin;
  let pds: BlueskyStandin;
  let stormId: number;
  let stormTs: string;
  let counter = 0;

  beforeAll(async () => {
    x = await startXStandin({ token: 'x-user-token', account: xAccount });
    pds = await startBlueskyStandin({ handle: BSKY_HANDLE, password: 'app-password-e2e' });
    h = await startHarness({
      env: {
        SLACK_CHANNEL_MESSAGES_PER_SECOND: '50',
        X_API_URL: x.apiUrl,
        X_BEARER_TOKEN: 'x-user-token',
        X_USER_ID: xAccount.id,
        X_CONSUMER_SECRET: 'x-consumer-secret-clusters',
        X_POLL_SECONDS: '0',
        BLUESKY_SERVICE: pds.service,
        BLUESKY_IDENTIFIER: BSKY_HANDLE,
        BLUESKY_PASSWORD: 'app-password-e2e',
        BLUESKY_POLL_SECONDS: '0',
      },
    });
    const storm = await openStorm(
      h.database.db,
      new Date(),
      { perMinute: 90, baselinePerMinute: 2, negativeShare: 0.8, negativeShareBefore: 0.1 },
      ['90 mentions in the last minute'],
    );
    stormId = storm!.id;
    stormTs = await waitFor(async () => {
      const [row] = await h.database.db.select().from(storms).where(eq(storms.id, stormId));
      return row?.slackTs ?? undefined;
    }, 15_000);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await Promise.all([x?.close(), pds?.close()]);
  });

  /** A customer post on `network` that the stand-in knows, so a reply to it can be posted. */
  function customerPost(network: Member['network'], text: string): Member {
    counter += 1;
    const handle = `teller${counter}`;
    if (network === 'mastodon') {
      const status = h.mastodon.mention({ from: handle, text });
      return { network, externalId: status.id, authorId: `acct-${handle}`, handle, text };
    }
    if (network === 'x') {
      const author = { id: String(9_000_000 + counter), username: handle };
      const post = x.addMention({ author, text });
      return { network, externalId: post.id, authorId: author.id, handle, text };
    }
    const actor = pds.addActor(`${handle}.bsky.social`);
    const post = pds.addPost({ author: actor, text });
    return { network, externalId: post.uri, authorId: actor.did, handle: actor.handle, text };
  }

  /** A story of the storm with these members, counted and shown in its message in the thread, as the router leaves it. */
  async function storyOf(
    members: Member[],
  ): Promise<{ clusterId: number; ts: string; mentionIds: string[] }> {
    const now = new Date();
    const { clusterId, mentionIds } = await h.database.db.transaction(async (tx) => {
      const cluster = await createCluster(tx, stormId, [], new Date());
      const rows = await tx
        .insert(mentions)
        .values(
          members.map((m) => ({
            network: m.network,
            externalId: m.externalId,
            account: 'harbourbikes',
            authorId: m.authorId,
            authorHandle: m.handle,
            text: m.text,
            postedAt: now,
            routedAt: now,
            notifiedAt: now,
          })),
        )
        .returning({ id: mentions.id });
      await tx
        .insert(clusterMembers)
        .values(
          rows.map((r) => ({ mentionId: r.id, clusterId: cluster.id, sentiment: 'negative', joinedAt: now })),
        );
      return { clusterId: cluster.id, mentionIds: rows.map((r) => r.id) };
    });
    const ts = await waitFor(async () => {
      const [row] = await h.database.db.select().from(storyClusters).where(eq(storyClusters.id, clusterId));
      return row?.slackTs ?? undefined;
    }, 15_000);
    return { clusterId, ts, mentionIds };
  }

  const click = (user: string, actionId: string, clusterId: number, ts: string) =>
    h.interact(
      buttonClick({ userId: user, actionId, value: String(clusterId), channel: CHANNEL, messageTs: ts }),
    );

  async function openForm(user: string, actionId: string, clusterId: number, ts: string) {
    const before = h.slack.callsTo('views.open').length;
    expect((await click(user, actionId, clusterId, ts)).status).toBe(200);
    const open = await waitFor(() => h.slack.callsTo('views.open')[before]);
    return open.params.view as {
      private_metadata: string;
      blocks: { block_id?: string; element?: { options?: { value: string; text: { text: string } }[] } }[];
    };
  }

  const submit = async (
    user: string,
    viewId: string,
    callbackId: string,
    metadata: string,
    values: object,
  ) => {
    const answer = await h.interact(
      viewSubmission({
        userId: user,
        viewId,
        callbackId,
        privateMetadata: metadata,
        values: values as Parameters<typeof viewSubmission>[0]['values'],
      }),
    );
    expect(answer.status).toBe(200);
    const body = await answer.text();
    return body ? JSON.parse(body) : {};
  };

  const latestUpdate = (ts: string, contains: string) =>
    waitFor(
      () =>
        h.slack
          .callsTo('chat.update')
          .filter((c) => c.params.ts === ts)
          .find((c) => JSON.stringify(c.params).includes(contains)),
      15_000,
    );

  const clusterRow = async (id: number) =>
    (await h.database.db.select().from(storyClusters).where(eq(storyClusters.id, id)))[0]!;

  const clusterEvents = async (type: string) =>
    (await h.database.db.select().from(events).where(eq(events.type, type))).map((e) => e.details);

  it('answers 50 people on three networks once each, reports the one that failed, and does nothing more on a resubmission', async () => {
    const members: Member[] = [];
    for (let i = 0; i < 20; i++)
      members.push(customerPost('mastodon', `Is the app down? cannot log in ${i}`));
    for (let i = 0; i < 15; i++)
      members.push(customerPost('x', `app down for anyone else? login fails ${i}`));
    for (let i = 0; i < 14; i++)
      members.push(customerPost('bluesky', `your app will not let me log in ${i}`));
    // 21 on Mastodon, 15 on X, 14 on Bluesky. One Mastodon post was deleted before the answer went
    // out: the network refuses that reply.
    counter += 1;
    members.push({
      network: 'mastodon',
      externalId: '987654321',
      authorId: 'acct-gone',
      handle: 'gone_customer',
      text: 'app down?',
    });
    const story = await storyOf(members);

    const form = await openForm(OWNER, ACTION.clusterReply, story.clusterId, story.ts);
    const text = 'Sorry, logins failed for an hour this morning. It is fixed now; please try again.';
    const values = {
      [CLUSTER_REPLY_INPUT.block]: {
        [CLUSTER_REPLY_INPUT.action]: { type: 'plain_text_input', value: text },
      },
    };
    expect(await submit(OWNER, 'V0CLUSTERALL', CLUSTER_REPLY_MODAL, form.private_metadata, values)).toEqual(
      {},
    );
    // Slack retries a submission it did not hear back about in time: the same view again.
    expect(await submit(OWNER, 'V0CLUSTERALL', CLUSTER_REPLY_MODAL, form.private_metadata, values)).toEqual(
      {},
    );

    const settled = await waitFor(async () => {
      const rows = await h.database.db.select().from(replies);
      return rows.length === 50 && rows.every((r) => r.status !== 'queued') ? rows : undefined;
    }, 60_000);
    expect(settled.filter((r) => r.status === 'posted')).toHaveLength(49);
    const failed = settled.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.mentionId).toBe(story.mentionIds[49]);

    // Each network got each of its answers once.
    expect(h.mastodon.posted).toHaveLength(20);
    expect(x.created).toHaveLength(15);
    expect(pds.created).toHaveLength(14);
    expect(new Set(h.mastodon.posted.map((s) => s.in_reply_to_id)).size).toBe(20);

    // Every member now belongs to its customer's conversation, held by the person who answered.
    const attached = await h.database.db
      .select({ conversationId: mentions.conversationId, assigneeId: conversations.assigneeId })
      .from(mentions)
      .innerJoin(conversations, eq(conversations.id, mentions.conversationId))
      .where(eq(mentions.externalId, members[0]!.externalId));
    expect(attached).toEqual([{ conversationId: expect.any(String), assigneeId: OWNER }]);

    // The results, in the storm thread, updated in place until nothing is waiting.
    const results = await waitFor(
      () =>
        [...h.slack.messages.values()].find(
          (m) =>
            m.thread_ts === stormTs &&
            String(m.text).includes('Reply to all: 49 posted, 1 failed') &&
            !String(m.text).includes('waiting'),
        ),
      30_000,
    );
    expect(String(results.text)).toContain('@gone_customer on Mastodon');
    const resultPosts = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.params.thread_ts === stormTs && String(c.params.text).includes('Reply to all'));
    expect(resultPosts).toHaveLength(1);

    // A later resubmission of the same form stores and posts nothing more.
    expect(await submit(OWNER, 'V0CLUSTERALL', CLUSTER_REPLY_MODAL, form.private_metadata, values)).toEqual(
      {},
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await h.database.db.select().from(replies)).toHaveLength(50);
    expect(h.mastodon.posted).toHaveLength(20);
    expect(x.created).toHaveLength(15);
    expect(pds.created).toHaveLength(14);
    expect(await clusterEvents('cluster.replied')).toEqual([
      { stormId, clusterId: story.clusterId, replies: 50 },
    ]);
  }, 120_000);

  it('assigns the story to one person on the roster, and refuses someone who is not on it', async () => {
    const story = await storyOf([
      customerPost('mastodon', 'charged twice for my order'),
      customerPost('mastodon', 'double charge on my card'),
    ]);
    const choose = (user: string, chosen: string) =>
      h.interact(
        menuChoice({
          userId: user,
          actionId: ACTION.clusterAssign,
          blockId: `fh.cl.${story.clusterId}`,
          channel: CHANNEL,
          messageTs: story.ts,
          selectedUser: chosen,
        }),
      );
    const before = Date.now();
    expect((await choose(STRANGER, SAM)).status).toBe(200);
    const refused = await waitFor(() =>
      h.slack.callsTo('chat.postEphemeral').find((c) => c.params.user === STRANGER && c.at >= before),
    );
    expect(String(refused.params.text)).toContain('roster');

    expect((await choose(OWNER, SAM)).status).toBe(200);
    expect((await choose(OWNER, SAM)).status).toBe(200);
    await latestUpdate(story.ts, `with <@${SAM}>`);
    expect((await clusterRow(story.clusterId)).assigneeId).toBe(SAM);
    const assigned = (await clusterEvents('cluster.assigned')).filter(
      (d) => (d as { clusterId: number }).clusterId === story.clusterId,
    );
    expect(assigned).toEqual([{ stormId, clusterId: story.clusterId, assigneeId: SAM }]);
    const told = await waitFor(() =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.params.user === OWNER && String(c.params.text).includes(`<@${SAM}>`)),
    );
    expect(told.params.channel).toBe(CHANNEL);
    // Sam hears of it once, in a DM that links to the story, though the owner chose twice.
    const dmOpened = await waitFor(() =>
      h.slack.callsTo('conversations.open').find((c) => c.params.users === SAM && c.at >= before),
    );
    expect(dmOpened).toBeDefined();
    const given = await waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => String(c.params.text).includes('gave you a story')),
    );
    expect(String(given.params.text)).toContain(
      `<@${OWNER}> gave you a story of the storm: 2 mentions tell it.`,
    );
    expect(String(given.params.text)).toContain(`p${story.ts.replace('.', '')}|The story in Slack>`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => String(c.params.text).includes('gave you a story')),
    ).toHaveLength(1);
  }, 60_000);

  it('splits one mention off: no longer counted, it gets a card of its own', async () => {
    const story = await storyOf([
      customerPost('mastodon', 'smoke at the Harbour Street shop'),
      customerPost('mastodon', 'is the Harbour Street store on fire'),
      customerPost('mastodon', 'Also: I left my blue helmet at the Harbour Street shop, can you keep it?'),
    ]);
    const form = await openForm(SAM, ACTION.clusterSplit, story.clusterId, story.ts);
    const options = form.blocks.find((b) => b.block_id === CLUSTER_SPLIT_INPUT.block)?.element?.options ?? [];
    expect(options).toHaveLength(3);
    const helmet = options.find((o) => o.text.text.includes('blue helmet'))!;
    const values = {
      [CLUSTER_SPLIT_INPUT.block]: {
        [CLUSTER_SPLIT_INPUT.action]: { type: 'static_select', selected_option: { value: helmet.value } },
      },
    };
    expect(await submit(SAM, 'V0SPLIT1', CLUSTER_SPLIT_MODAL, form.private_metadata, values)).toEqual({});
    expect(await submit(SAM, 'V0SPLIT1', CLUSTER_SPLIT_MODAL, form.private_metadata, values)).toEqual({});

    const card = await waitFor(
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find(
            (c) =>
              c.params.channel === CHANNEL &&
              !c.params.thread_ts &&
              JSON.stringify(c.params.blocks ?? '').includes('blue helmet'),
          ),
      40_000,
    );
    expect(card).toBeDefined();
    const [split] = await h.database.db.select().from(mentions).where(eq(mentions.id, helmet.value));
    expect(split!.conversationId).not.toBeNull();
    await latestUpdate(story.ts, '*2 mentions*');
    const [member] = await h.database.db
      .select()
      .from(clusterMembers)
      .where(and(eq(clusterMembers.mentionId, helmet.value), eq(clusterMembers.clusterId, story.clusterId)));
    expect(member!.splitAt).not.toBeNull();
    expect(
      (await clusterEvents('cluster.split')).filter(
        (d) => (d as { mentionId: string }).mentionId === helmet.value,
      ),
    ).toHaveLength(1);
  }, 60_000);

  it('files the whole story as spam once, and its message drops the buttons', async () => {
    const story = await storyOf([
      customerPost('mastodon', 'win a free bike click here'),
      customerPost('mastodon', 'free bike giveaway click here now'),
    ]);
    expect((await click(OWNER, ACTION.clusterSpam, story.clusterId, story.ts)).status).toBe(200);
    expect((await click(OWNER, ACTION.clusterSpam, story.clusterId, story.ts)).status).toBe(200);
    const update = await latestUpdate(story.ts, 'marked as spam');
    expect(JSON.stringify(update.params.blocks)).not.toContain(ACTION.clusterReply);
    expect((await clusterRow(story.clusterId)).status).toBe('spam');
    const spam = (await clusterEvents('cluster.spam')).filter(
      (d) => (d as { clusterId: number }).clusterId === story.clusterId,
    );
    expect(spam).toHaveLength(1);
  }, 60_000);
});
