import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, REPLY_INPUT, REPLY_MODAL, REPLY_VISIBILITY } from '../../src/bot/action-ids.js';
import { replies } from '../../src/db/schema.js';
import { metaSignature, xSignature } from '../../src/network/signatures.js';
import { type MetaStandin, startMetaStandin } from '../../src/standins/meta.standin.js';
import { startXStandin, type XStandin } from '../../src/standins/x.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick, viewSubmission } from '../support/slack-requests.js';

const X_SECRET = 'x-consumer-secret-private';
const META_SECRET = 'meta-app-secret-private';
const OWNER = 'U0OWNER01';
const PAGE = '1234567890';
const IG_USER = '17841405309211844';
const account = { id: '2244994945', username: 'harbourbikes' };

type Block = {
  type: string;
  block_id?: string;
  elements?: { action_id?: string; value?: string }[];
  element?: { type: string; options?: { value: string }[] };
};

describe('answering privately on X and Facebook from the Slack reply modal', () => {
  let x: XStandin;
  let meta: MetaStandin;
  let h: Harness;
  beforeAll(async () => {
    x = await startXStandin({ token: 'x-user-token', account });
    meta = await startMetaStandin({ tokens: ['page-token', 'ig-token'], pages: { 'page-token': PAGE } });
    h = await startHarness({
      env: {
        X_API_URL: x.apiUrl,
        X_BEARER_TOKEN: 'x-user-token',
        X_USER_ID: account.id,
        X_CONSUMER_SECRET: X_SECRET,
        X_POLL_SECONDS: '0',
        META_GRAPH_URL: meta.graphUrl,
        META_APP_SECRET: META_SECRET,
        META_VERIFY_TOKEN: 'verify-private',
        FACEBOOK_PAGE_TOKEN: 'page-token',
        INSTAGRAM_TOKEN: 'ig-token',
        INSTAGRAM_USER_ID: IG_USER,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await Promise.all([x?.close(), meta?.close()]);
  });

  const deliverToX = (event: unknown) => {
    const body = JSON.stringify(event);
    return fetch(`${h.baseUrl}/ingest/x/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twitter-webhooks-signature': xSignature(X_SECRET, body),
      },
      body,
    });
  };
  const deliverToMeta = (delivery: unknown) => {
    const body = JSON.stringify(delivery);
    return fetch(`${h.baseUrl}/ingest/meta/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(META_SECRET, body),
      },
      body,
    });
  };

  /** The assignee presses Reply on the card that quotes `quoted`; returns the modal Slack was asked to open. */
  async function openReplyModal(quoted: string) {
    const post = await waitFor(
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => JSON.stringify(c.params.blocks ?? '').includes(quoted)),
      15_000,
    );
    const blocks = post.params.blocks as Block[];
    const reply = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.reply);
    const assignee = /Assigned to <@(U[A-Z0-9]+)>/.exec(JSON.stringify(blocks))?.[1] ?? OWNER;
    const message = await waitFor(() =>
      [...h.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(quoted)),
    );
    const before = h.slack.callsTo('views.open').length;
    const click = await h.interact(
      buttonClick({
        userId: assignee,
        actionId: ACTION.reply,
        value: reply!.value!,
        channel: CHANNEL,
        messageTs: message.ts,
      }),
    );
    expect(click.status).toBe(200);
    const open = await waitFor(() => h.slack.callsTo('views.open')[before]);
    const view = open.params.view as { private_metadata: string; blocks: Block[] };
    return { assignee, view, choice: view.blocks.find((b) => b.block_id === REPLY_VISIBILITY.block) };
  }

  async function submitPrivately(
    modal: Awaited<ReturnType<typeof openReplyModal>>,
    viewId: string,
    text: string,
  ): Promise<{ response_action?: string; errors?: Record<string, string> }> {
    const submitted = await h.interact(
      viewSubmission({
        userId: modal.assignee,
        viewId,
        callbackId: REPLY_MODAL,
        privateMetadata: modal.view.private_metadata,
        values: {
          [REPLY_INPUT.block]: { [REPLY_INPUT.action]: { type: 'plain_text_input', value: text } },
          [REPLY_VISIBILITY.block]: {
            [REPLY_VISIBILITY.action]: { type: 'radio_buttons', selected_option: { value: 'private' } },
          },
        },
      }),
    );
    expect(submitted.status).toBe(200);
    const answer = await submitted.text();
    return answer ? JSON.parse(answer) : {};
  }

  const storedReply = async (viewId: string) =>
    (await h.database.db.select().from(replies).where(eq(replies.submissionKey, viewId)))[0];

  it('sends an X direct message to the author, without an @handle, records its id, and posts nothing publicly', async () => {
    const customer = { id: '6253282', username: 'jane_rides' };
    const mention = x.addMention({ author: customer, text: '@harbourbikes my invoice is wrong' });
    expect((await deliverToX(x.activityEvent(mention))).status).toBe(200);

    const modal = await openReplyModal('my invoice is wrong');
    expect(modal.choice?.element?.options?.map((o) => o.value)).toEqual(['public', 'private']);
    expect(JSON.stringify(modal.view.blocks)).toContain('a private message up to 10000 characters');
    // Longer than a post may be: a direct message is held to its own 10,000.
    const text = `Sorry about that, which invoice number?${' We will sort it out today.'.repeat(12)}`;
    expect(await submitPrivately(modal, 'V0XPRIVATE', text)).toEqual({});

    const sent = await waitFor(() => x.directMessages[0], 15_000);
    expect(sent).toMatchObject({ participantId: customer.id, text });
    const row = await waitFor(async () => {
      const stored = await storedReply('V0XPRIVATE');
      return stored?.status === 'posted' ? stored : undefined;
    });
    expect(row).toMatchObject({ visibility: 'private', networkReplyId: sent.eventId });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(x.directMessages).toHaveLength(1);
    expect(x.created).toEqual([]);
  });

  it('sends a Facebook comment a Messenger private reply and nothing under the comment', async () => {
    const { comment, delivery } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: { id: '5555', name: 'Lena Fischer' },
      message: 'My order number is on my receipt, can I send it?',
    });
    expect((await deliverToMeta(delivery)).status).toBe(200);

    const modal = await openReplyModal('can I send it?');
    expect(modal.choice?.element?.options?.map((o) => o.value)).toEqual(['public', 'private']);
    const tooLong = await submitPrivately(modal, 'V0FBLONG', 'a'.repeat(2001));
    expect(tooLong.response_action).toBe('errors');
    expect(tooLong.errors?.[REPLY_INPUT.block]).toBe(
      'Too long for a Messenger private reply: 2001 of 2000 characters. Cut 1.',
    );
    expect(await submitPrivately(modal, 'V0FBPRIVATE', 'Please send it here, we will check.')).toEqual({});

    const sent = await waitFor(() => meta.privateReplies[0], 15_000);
    expect(sent).toMatchObject({
      path: '/me/messages',
      commentId: comment.id,
      recipientId: '5555',
      text: 'Please send it here, we will check.',
    });
    const row = await waitFor(async () => {
      const stored = await storedReply('V0FBPRIVATE');
      return stored?.status === 'posted' ? stored : undefined;
    });
    expect(row).toMatchObject({ visibility: 'private', networkReplyId: sent.messageId });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(meta.privateReplies).toHaveLength(1);
    expect(meta.posted).toEqual([]);
  });

  it('offers only a public reply to an Instagram @mention, which has no private reply', async () => {
    const { delivery } = meta.addIgMention({
      igUserId: IG_USER,
      mediaId: '777',
      from: { id: '232323', username: 'pia.cycles' },
      text: '@harbourbikes best workshop in town',
    });
    expect((await deliverToMeta(delivery)).status).toBe(200);
    const modal = await openReplyModal('best workshop in town');
    expect(modal.view.blocks.some((b) => b.block_id === REPLY_INPUT.block)).toBe(true);
    expect(modal.choice).toBeUndefined();
  });
});
