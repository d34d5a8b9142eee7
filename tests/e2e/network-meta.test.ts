import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLY_VISIBILITY } from '../../src/bot/action-ids.js';
import { replies } from '../../src/db/schema.js';
import { metaSignature } from '../../src/network/signatures.js';
import { type MetaStandin, startMetaStandin } from '../standins/meta.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { type Blocks, cardQuoting, openReplyModal, replyFromSlack } from './network-e2e-support.js';

const APP_SECRET = 'meta-app-secret-e2e';
const PAGE = '1234567890';
const IG_USER = '17841405309211844';

describe('Facebook and Instagram comments travel from the Meta webhook to Slack and the answers back', () => {
  let meta: MetaStandin;
  let h: Harness;
  beforeAll(async () => {
    meta = await startMetaStandin({ tokens: ['page-token', 'ig-token'], pages: { 'page-token': PAGE } });
    h = await startHarness({
      env: {
        META_GRAPH_URL: meta.graphUrl,
        META_APP_SECRET: APP_SECRET,
        META_VERIFY_TOKEN: 'verify-e2e',
        FACEBOOK_PAGE_TOKEN: 'page-token',
        INSTAGRAM_TOKEN: 'ig-token',
        INSTAGRAM_USER_ID: IG_USER,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await meta?.close();
  });

  const deliver = (delivery: unknown) => {
    const body = JSON.stringify(delivery);
    return fetch(`${h.baseUrl}/ingest/meta/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) },
      body,
    });
  };

  it('answers a Facebook comment under that comment', async () => {
    const { comment, delivery } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: { id: '5555', name: 'Lena Fischer' },
      message: 'Do you service e-bikes?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    await replyFromSlack(h, 'Do you service e-bikes?', 'Yes, every weekday.');
    const posted = await waitFor(() => meta.posted.find((p) => p.message === 'Yes, every weekday.'), 15_000);
    expect(posted).toMatchObject({ path: `/${comment.id}/comments`, parentId: comment.id });
  });

  it('answers an Instagram comment with a threaded reply', async () => {
    const { comment, delivery } = meta.addIgComment({
      igUserId: IG_USER,
      mediaId: '123123',
      from: { id: '232323', username: 'pia.cycles' },
      text: 'Is the red frame still available?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    await replyFromSlack(h, 'Is the red frame still available?', 'It is, come try it!');
    const posted = await waitFor(() => meta.posted.find((p) => p.message === 'It is, come try it!'), 15_000);
    expect(posted).toMatchObject({ path: `/${comment.id}/replies`, parentId: comment.id });
  });

  it("shows a Messenger message under its sender's name and answers it in Messenger", async () => {
    const { delivery } = meta.addDirectMessage({
      network: 'facebook',
      inboxId: PAGE,
      from: { id: '7777', name: 'Marta Nowak' },
      text: 'Hi, can I move my service slot to Friday?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    const card = await cardQuoting(h, 'can I move my service slot to Friday?');
    expect(JSON.stringify(card.params.blocks)).toContain('*Facebook* private message');
    expect(JSON.stringify(card.params.blocks)).toContain('Messenger takes an answer until');
    const { view } = await openReplyModal(h, 'can I move my service slot to Friday?');
    expect(JSON.stringify(view.blocks)).toContain('Marta Nowak');
    // A private conversation offers no public reply, and Messenger's own limit applies.
    expect(view.blocks.find((b: Blocks[number]) => b.block_id === REPLY_VISIBILITY.block)).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(
      'goes back as a private message under the brand account. Up to 2000 characters.',
    );
    await replyFromSlack(h, 'can I move my service slot to Friday?', 'Friday at 10 is yours.');
    const sent = await waitFor(
      () => meta.privateReplies.find((r) => r.text === 'Friday at 10 is yours.'),
      15_000,
    );
    expect(sent).toMatchObject({ path: '/me/messages', recipientId: '7777', commentId: undefined });
    expect(meta.posted.find((p) => p.message === 'Friday at 10 is yours.')).toBeUndefined();
    // Recorded just after the network answered.
    const stored = await waitFor(async () => {
      const [row] = await h.database.db
        .select()
        .from(replies)
        .where(eq(replies.text, 'Friday at 10 is yours.'));
      return row?.status === 'posted' ? row : undefined;
    });
    expect(stored.visibility).toBe('private');
  });

  it('answers an Instagram Direct message in Instagram Direct, naming the sender by username', async () => {
    const { delivery } = meta.addDirectMessage({
      network: 'instagram',
      inboxId: IG_USER,
      from: { id: '454545', username: 'jo.rides', name: 'Jo Lindqvist', followers: 1200 },
      text: 'Do you have the gravel bike in a 54?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    const post = await cardQuoting(h, 'gravel bike in a 54');
    expect(JSON.stringify(post.params.blocks)).toContain('jo.rides');
    await replyFromSlack(h, 'gravel bike in a 54', 'We do, in green.');
    const sent = await waitFor(() => meta.privateReplies.find((r) => r.text === 'We do, in green.'), 15_000);
    expect(sent).toMatchObject({ path: `/${IG_USER}/messages`, recipientId: '454545' });
  });

  it('alerts the owner in the channel, once, when the Page token dies', async () => {
    const { delivery } = meta.addPageComment({
      pageId: PAGE,
      postId: `${PAGE}_111`,
      from: { id: '6666', name: 'Ola Berg' },
      message: 'Any discounts this week?',
    });
    expect((await deliver(delivery)).status).toBe(200);
    meta.expireToken();
    await replyFromSlack(h, 'Any discounts this week?', 'Ten percent on helmets.');
    const alert = await waitFor(
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => String(c.params.text).includes('FACEBOOK_PAGE_TOKEN')),
      15_000,
    );
    expect(alert.params.channel).toBe(CHANNEL);
    expect(alert.params.text).toMatch(/^<@U0OWNER01> /);
    expect(alert.params.text).not.toContain('page-token');
    meta.reviveToken();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(meta.posted.find((p) => p.message === 'Ten percent on helmets.')).toBeUndefined();
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => String(c.params.text).includes('FACEBOOK_PAGE_TOKEN')),
    ).toHaveLength(1);
  });
});
