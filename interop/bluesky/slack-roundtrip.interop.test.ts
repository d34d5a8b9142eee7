import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyFromSlack } from '../../tests/e2e/network-e2e-support.js';
import { type Harness, startHarness, waitFor } from '../../tests/support/app-harness.js';
import { type Account, type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.js';

describe('a Bluesky reply polled from a real PDS travels to Slack and the answer back into its thread', () => {
  let net: AtprotoNetwork;
  let business: Account;
  let jo: Account;
  let h: Harness;
  beforeAll(async () => {
    net = await startAtprotoNetwork();
    business = await net.createAccount('harbourbikes', 'Harbour Bikes');
    jo = await net.createAccount('jo', 'Jo Marsh');
    h = await startHarness({
      env: {
        BLUESKY_SERVICE: net.service,
        BLUESKY_IDENTIFIER: business.handle,
        BLUESKY_PASSWORD: business.password,
        BLUESKY_POLL_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await net?.close();
  });

  it('replies with the thread root and the customer post as parent, once', async () => {
    const ours = await net.post(business, 'Spring tune-ups are open for booking.');
    const question = await net.post(jo, 'Do I need to book for a puncture?', { replyTo: ours });

    await replyFromSlack(h, 'Do I need to book for a puncture?', 'No booking needed, just drop by.');
    // Our posts on the PDS, newest first: the reply is the one whose parent is Jo's question.
    const listOurPosts = async () =>
      (
        await business.agent.com.atproto.repo.listRecords({
          repo: business.did,
          collection: 'app.bsky.feed.post',
        })
      ).data.records;
    const replyRecord = await waitFor(
      async () =>
        (await listOurPosts()).find(
          (r) => (r.value as { reply?: { parent: { uri: string } } }).reply?.parent.uri === question.uri,
        ),
      20_000,
    );
    await net.settle();

    const thread = await net.thread(jo, replyRecord.uri);
    expect(thread.record.text).toBe(`@${jo.handle} No booking needed, just drop by.`);
    expect(thread.record.reply).toEqual({
      root: { uri: ours.uri, cid: ours.cid },
      parent: { uri: question.uri, cid: question.cid },
    });
    expect(thread.record.facets).toMatchObject([{ features: [{ did: jo.did }] }]);
    expect(thread.author).toBe(business.did);
    expect(thread.ancestors).toEqual([question.uri, ours.uri]);

    // Published once: the poller keeps running and the reply worker does not post again.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const replies = (await listOurPosts()).filter(
      (r) => (r.value as { reply?: { parent: { uri: string } } }).reply?.parent.uri === question.uri,
    );
    expect(replies).toHaveLength(1);
  });
});
