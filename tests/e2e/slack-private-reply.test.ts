import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLY_INPUT, REPLY_MODAL, REPLY_VISIBILITY } from '../../src/bot/action-ids.js';
import { replies } from '../../src/db/schema.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { viewSubmission } from '../support/slack-requests.js';
import { openReplyModal } from './network-e2e-support.js';

describe('answering privately where the network allows it', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** A Mastodon status reaches Slack; its assignee clicks Reply and gets the modal. */
  async function openReplyModalFor(from: string, text: string, kind?: 'direct_message') {
    const status = h.mastodon.mention({ from, text });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: `acct-${from}`, handle: from },
      text,
      url: status.url,
      ...(kind ? { kind } : {}),
      createdAt: status.created_at,
    });
    return { status, ...(await openReplyModal(h, text)) };
  }

  it('offers public or private on Mastodon and sends the private answer as a direct status', async () => {
    const { status, assignee, view } = await openReplyModalFor(
      'nina',
      'Can I pay for the repair in two parts?',
    );
    const choice = view.blocks.find((b) => b.block_id === REPLY_VISIBILITY.block);
    expect(choice?.element?.type).toBe('radio_buttons');
    expect(choice?.element?.options?.map((o) => o.value)).toEqual(['public', 'private']);

    const submitted = await h.interact(
      viewSubmission({
        userId: assignee,
        viewId: 'V0PRIVATE1',
        callbackId: REPLY_MODAL,
        privateMetadata: view.private_metadata,
        values: {
          [REPLY_INPUT.block]: {
            [REPLY_INPUT.action]: {
              type: 'plain_text_input',
              value: 'Yes, happy to split it. I will DM the details.',
            },
          },
          [REPLY_VISIBILITY.block]: {
            [REPLY_VISIBILITY.action]: { type: 'radio_buttons', selected_option: { value: 'private' } },
          },
        },
      }),
    );
    expect(submitted.status).toBe(200);
    const sent = await waitFor(() => h.mastodon.posted[0]);
    expect(sent).toMatchObject({ visibility: 'direct', in_reply_to_id: status.id });
    expect(sent.content).toContain('@nina Yes, happy to split it.');
    const [row] = await h.database.db.select().from(replies).where(eq(replies.submissionKey, 'V0PRIVATE1'));
    expect(row?.visibility).toBe('private');
  });

  it('answers a direct message only privately: no public choice, and a forged public one refused', async () => {
    const { status, assignee, view } = await openReplyModalFor(
      'omar',
      'My order number is 5521, where is it?',
      'direct_message',
    );
    expect(view.blocks.find((b) => b.block_id === REPLY_VISIBILITY.block)).toBeUndefined();
    const submit = (viewId: string, visibility?: 'public') =>
      h.interact(
        viewSubmission({
          userId: assignee,
          viewId,
          callbackId: REPLY_MODAL,
          privateMetadata: view.private_metadata,
          values: {
            [REPLY_INPUT.block]: {
              [REPLY_INPUT.action]: { type: 'plain_text_input', value: 'It left the shop this morning.' },
            },
            ...(visibility
              ? {
                  [REPLY_VISIBILITY.block]: {
                    [REPLY_VISIBILITY.action]: {
                      type: 'radio_buttons',
                      selected_option: { value: visibility },
                    },
                  },
                }
              : {}),
          },
        }),
      );

    const forged = await submit('V0DMPUBLIC', 'public');
    expect(await forged.json()).toMatchObject({
      response_action: 'errors',
      errors: {
        [REPLY_INPUT.block]: '@omar wrote to us privately, so the answer goes back as a private message.',
      },
    });
    expect((await submit('V0DMPRIVATE')).status).toBe(200);
    const sent = await waitFor(() => h.mastodon.posted.find((p) => p.in_reply_to_id === status.id));
    expect(sent).toMatchObject({ visibility: 'direct' });
    const rows = await h.database.db.select().from(replies);
    expect(
      rows.filter((r) => r.submissionKey.startsWith('V0DM')).map((r) => [r.submissionKey, r.visibility]),
    ).toEqual([['V0DMPRIVATE', 'private']]);
  });
});
