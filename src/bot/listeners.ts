import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Network } from '../contract/mention.js';
import { AppError, toAppError } from '../errors.js';
import { textLimitFor } from '../network/text-limits.js';
import { ACTION, decodeReplyMetadata, parseConversationId, REPLY_INPUT, REPLY_MODAL } from './action-ids.js';
import { replyModal } from './blocks.js';
import { type ActionDeps, escalate, prepareReply, resolve, submitReply } from './conversation-actions.js';
import { loadConversation, toTurns } from './conversation-card.js';

/**
 * Thin handlers: ack first, parse the ids, call the use case, tell the person
 * what happened. Refusals go back as ephemeral messages that say why.
 */
export function registerListeners(app: App, deps: ActionDeps & { logger: Logger }): void {
  const refuse = async (
    client: App['client'],
    body: BlockAction<ButtonAction>,
    error: unknown,
  ): Promise<void> => {
    const failure = toAppError(error);
    if (failure.code === 'internal.unexpected') deps.logger.error({ err: failure.message }, 'action failed');
    const channel = body.channel?.id;
    if (!channel) return;
    await client.chat.postEphemeral({
      channel,
      user: body.user.id,
      text:
        failure.code === 'internal.unexpected' ? 'Something went wrong; please try again.' : failure.message,
    });
  };

  app.action<BlockAction<ButtonAction>>(ACTION.reply, async ({ ack, body, client }) => {
    await ack();
    try {
      const conversationId = parseConversationId(body.actions[0]?.value);
      const conversation = await prepareReply(deps, body.user.id, conversationId);
      const loaded = await loadConversation(deps.db, conversation.id);
      const latest = loaded.mentions.at(-1);
      if (!latest) throw new AppError('conversation.empty', 'This conversation has no message to answer.');
      const limit = textLimitFor(conversation.network as Network);
      // trigger_id lives 3 seconds: open the modal straight away, not through a queue.
      await client.views.open({
        trigger_id: body.trigger_id,
        view: replyModal({
          network: conversation.network,
          authorHandle: conversation.authorHandle,
          turns: toTurns(loaded),
          metadata: { conversationId, mentionId: latest.id },
          limit,
        }),
      });
    } catch (error) {
      await refuse(client, body, error);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION.escalate, async ({ ack, body, client }) => {
    await ack();
    try {
      await escalate(deps, body.user.id, parseConversationId(body.actions[0]?.value));
    } catch (error) {
      await refuse(client, body, error);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION.resolve, async ({ ack, body, client }) => {
    await ack();
    try {
      await resolve(deps, body.user.id, parseConversationId(body.actions[0]?.value));
    } catch (error) {
      await refuse(client, body, error);
    }
  });

  app.view<ViewSubmitAction>(REPLY_MODAL, async ({ ack, body, view }) => {
    const text = view.state.values[REPLY_INPUT.block]?.[REPLY_INPUT.action]?.value ?? '';
    try {
      const metadata = decodeReplyMetadata(view.private_metadata);
      // Stored and queued before the ack (a few milliseconds), so a closed modal means an accepted reply.
      await submitReply(deps, {
        actorId: body.user.id,
        conversationId: metadata.conversationId,
        mentionId: metadata.mentionId,
        submissionKey: view.id,
        text,
      });
      await ack();
    } catch (error) {
      const failure = toAppError(error);
      if (failure.code === 'internal.unexpected') deps.logger.error({ err: failure.message }, 'reply failed');
      const message =
        failure.code === 'internal.unexpected'
          ? 'Could not save the reply; please try again.'
          : failure.message;
      await ack({ response_action: 'errors', errors: { [REPLY_INPUT.block]: message } });
    }
  });
}
