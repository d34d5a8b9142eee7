import { expect } from 'vitest';
import { ACTION, REPLY_INPUT, REPLY_MODAL } from '../../src/bot/action-ids.js';
import { CHANNEL, type Harness, waitFor } from '../support/app-harness.js';
import { buttonClick, viewSubmission } from '../support/slack-requests.js';

const OWNER = 'U0OWNER01';

/** A Block Kit block as the tests read it back from the stand-in. */
export type Blocks = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string }[];
  element?: { type: string; options?: { value: string }[] };
}[];

/** The chat.postMessage call of the card that quotes `quoted`, once the notifier has made it. */
export function cardQuoting(h: Harness, quoted: string) {
  return waitFor(
    () =>
      h.slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.params.blocks ?? '').includes(quoted)),
    15_000,
  );
}

/**
 * The assignee finds the card that quotes `quoted` and presses Reply (the
 * owner stands in when no one is named: they may answer anything). Returns
 * who pressed it and the modal Slack was asked to open.
 */
export async function openReplyModal(h: Harness, quoted: string) {
  const post = await cardQuoting(h, quoted);
  expect(post.params.channel).toBe(CHANNEL);
  const blocks = post.params.blocks as Blocks;
  const conversationId = blocks.find((b) => b.type === 'actions')?.elements?.[0]?.value;
  expect(conversationId).toBeDefined();
  const assignee = /Assigned to <@(U[A-Z0-9]+)>/.exec(JSON.stringify(blocks))?.[1] ?? OWNER;
  const message = await waitFor(() =>
    [...h.slack.messages.values()].find((m) => JSON.stringify(m.blocks).includes(quoted)),
  );
  const before = h.slack.callsTo('views.open').length;
  const click = await h.interact(
    buttonClick({
      userId: assignee,
      actionId: ACTION.reply,
      value: conversationId!,
      channel: CHANNEL,
      messageTs: message.ts,
    }),
  );
  expect(click.status).toBe(200);
  const open = await waitFor(() => h.slack.callsTo('views.open')[before]);
  return { assignee, view: open.params.view as { private_metadata: string; blocks: Blocks } };
}

/**
 * What a person does in Slack once a mention has arrived: open the reply
 * modal on its card, type the answer and submit. Returns when the submission
 * is accepted; the caller then watches the network's stand-in.
 */
export async function replyFromSlack(h: Harness, quoted: string, text: string): Promise<void> {
  const { assignee, view } = await openReplyModal(h, quoted);
  const submit = await h.interact(
    viewSubmission({
      userId: assignee,
      viewId: `V0${Date.now()}`,
      callbackId: REPLY_MODAL,
      privateMetadata: view.private_metadata,
      values: { [REPLY_INPUT.block]: { [REPLY_INPUT.action]: { type: 'plain_text_input', value: text } } },
    }),
  );
  expect(submit.status).toBe(200);
}
