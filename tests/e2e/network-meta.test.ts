import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaSignature } from '../../src/network/signatures.js';
import { type MetaStandin, startMetaStandin } from '../../src/standins/meta.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { replyFromSlack } from './network-e2e-support.js';

const APP_SECRET = 'meta-app-secret-e2e';
const PAGE = '1234567890';
const IG_USER = '17841405309211844';

describe('Facebook and Instagram comments travel from the Meta webhook to Slack and the answers back', () => {
  let meta: MetaStandin;
  let h: Harness;
  beforeAll(async () => {
    meta = await startMetaStandin({ tokens: ['page-token', 'ig-token'] });
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
