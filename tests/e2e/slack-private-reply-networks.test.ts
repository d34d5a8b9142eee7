import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLY_INPUT, REPLY_MODAL, REPLY_VISIBILITY } from '../../src/bot/action-ids.js';
import { replies } from '../../src/db/schema.js';
import { metaSignature, xSignature } from '../../src/network/signatures.js';
import { type MetaStandin, startMetaStandin } from '../standins/meta.standin.js';
import { startXStandin, type XStandin } from '../standins/x.standin.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { viewSubmission } from '../support/slack-requests.js';
import { openReplyModal as openModal } from './network-e2e-support.js';

const X_SECRET = 'x-consumer-secret-private';
const META_SECRET = 'meta-app-secret-private';
const PAGE = '1234567890';
const IG_USER = '17841405309211844';
const account = { id: '2244994945', username: 'harbourbikes' };

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

  /** The modal on the card quoting `quoted`, with its public/private choice if it offers one. */
  async function openReplyModal(quoted: string) {
    const modal = await openModal(h, quoted);
    return { ...modal, choice: modal.view.blocks.find((b) => b.block_id === REPLY_VISIBILITY.block) };
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

  /** The reply submitted from this modal view, once the replies worker has posted it. */
  const postedReply = (viewId: string) =>
    waitFor(async () => {
      const [stored] = await h.database.db.select().from(replies).where(eq(replies.submissionKey, viewId));
      return stored?.status === 'posted' ? stored : undefined;
    });

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
    const row = await postedReply('V0XPRIVATE');
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
    const row = await postedReply('V0FBPRIVATE');
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
