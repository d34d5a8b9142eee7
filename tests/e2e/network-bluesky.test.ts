import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlueskyStandin, startBlueskyStandin } from '../standins/bluesky.standin.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { replyFromSlack } from './network-e2e-support.js';

const HANDLE = 'harbourbikes.bsky.social';

describe('a Bluesky reply found by polling travels to Slack and the answer back into its thread', () => {
  let pds: BlueskyStandin;
  let h: Harness;
  beforeAll(async () => {
    pds = await startBlueskyStandin({ handle: HANDLE, password: 'app-password-e2e' });
    h = await startHarness({
      env: {
        BLUESKY_SERVICE: pds.service,
        BLUESKY_IDENTIFIER: HANDLE,
        BLUESKY_PASSWORD: 'app-password-e2e',
        BLUESKY_POLL_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await pds?.close();
  });

  it('replies with the thread root and the customer post as parent', async () => {
    const ours = pds.addOwnPost('Spring tune-ups are open for booking.');
    const jo = pds.addActor('jo.bsky.social');
    const question = pds.addPost({
      author: jo,
      text: 'Do I need to book for a puncture?',
      replyTo: ours.uri,
    });

    await replyFromSlack(h, 'Do I need to book for a puncture?', 'No booking needed, just drop by.');
    const created = await waitFor(() => pds.created[0], 15_000);
    expect(created.record.text).toBe('@jo.bsky.social No booking needed, just drop by.');
    expect(created.record.reply).toEqual({
      root: { uri: ours.uri, cid: ours.cid },
      parent: { uri: question.uri, cid: question.cid },
    });
    expect(created.record.facets).toMatchObject([{ features: [{ did: jo.did }] }]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pds.created).toHaveLength(1);
  });
});
