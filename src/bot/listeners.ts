import type {
  App,
  BlockAction,
  ButtonAction,
  StaticSelectAction,
  UsersSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, toAppError } from '../contract/errors.js';
import type { Network } from '../contract/mention.js';
import type { SlackWork } from '../contract/slack-work.js';
import { loadConversation } from '../db/conversation-view.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { allowsPrivateReply, requiresPrivateReply, textLimitFor } from '../network/text-limits.js';
import {
  ACTION,
  CLUSTER_REPLY_MODAL,
  COMMAND,
  conversationIdFromBlockId,
  decodeClaimValue,
  decodeReplyMetadata,
  parseConversationId,
  parseSnoozeOption,
  REPLY_INPUT,
  REPLY_MODAL,
  REPLY_VISIBILITY,
} from './action-ids.js';
import { replyModal } from './blocks.js';
import {
  assignCluster,
  markClusterAsSpam,
  prepareClusterReply,
  prepareSplit,
  splitOff,
  submitClusterReply,
} from './cluster-actions.js';
import {
  CLUSTER_REPLY_INPUT,
  CLUSTER_SPLIT_INPUT,
  CLUSTER_SPLIT_MODAL,
  clusterIdFromBlockId,
  decodeClusterMetadata,
  parseClusterId,
  parseMentionChoice,
} from './cluster-modals.js';
import {
  type ActionDeps,
  claim,
  escalate,
  markAsSpam,
  passOffer,
  prepareReply,
  reassign,
  resolve,
  snooze,
  submitReply,
  waitOnCustomer,
} from './conversation-actions.js';
import { toTurns } from './conversation-card.js';
import { markNotSpam } from './filtered-mentions.js';
import { plainAnswer } from './home-view.js';
import { runCommand } from './team-views.js';

type AnyBlockAction = BlockAction<ButtonAction | UsersSelectAction | StaticSelectAction>;
type ListenerDeps = ActionDeps & { logger: Logger };

/**
 * Thin handlers grouped by Slack surface: ack first (Slack waits 3 seconds
 * at most), parse the ids, call the use case. What people see afterwards
 * (the redrawn card, thread lines, refusals) goes out through the Slack
 * outbox, never straight from a handler, so Slack's limits hold for it too.
 * The one exception is views.open: a trigger_id lives 3 seconds.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerBlockActions(app, deps);
  registerModalSubmissions(app, deps);
  registerClusterSubmissions(app, deps);
  registerEventsAndCommands(app, deps);
}

/** Tells the clicker why their action was refused, through the Slack outbox. */
async function refuse(deps: ListenerDeps, body: AnyBlockAction, error: unknown): Promise<void> {
  const failure = toAppError(error);
  if (failure.code === 'internal.unexpected') deps.logger.error({ err: failure.message }, 'action failed');
  const channel = body.channel?.id ?? body.container?.channel_id;
  const text =
    failure.code === 'internal.unexpected' ? 'Something went wrong; please try again.' : failure.message;
  // A click in App Home has no channel to answer in: the refusal tops the clicker's redrawn Home.
  const work: SlackWork | undefined = channel
    ? { type: 'ephemeral', channel, user: body.user.id, text }
    : body.view?.type === 'home'
      ? { type: 'home', user: body.user.id, notice: text.slice(0, 2000) }
      : undefined;
  if (!work) return;
  await oweSlack(deps.db, [work]).catch((error: Error) =>
    deps.logger.error({ err: error.message }, 'could not owe a refusal'),
  );
}

/** The buttons and selects on conversation cards and in App Home. */
function registerBlockActions(app: App, deps: ListenerDeps): void {
  /** Registers one block action: ack, then the use case, with any refusal told to the clicker. */
  const on = <A extends AnyBlockAction>(actionId: string, run: (body: A) => Promise<unknown>) => {
    app.action<A>(actionId, async ({ ack, body }) => {
      await ack();
      try {
        await run(body);
      } catch (error) {
        await refuse(deps, body, error);
      }
    });
  };

  on<BlockAction<ButtonAction>>(ACTION.reply, (body) => openReplyModal(app, deps, body));

  on<BlockAction<ButtonAction>>(ACTION.claim, async (body) => {
    const { conversationId, shownAssignee } = decodeClaimValue(body.actions[0]?.value);
    await claim(deps, body.user.id, conversationId, shownAssignee);
  });

  on<BlockAction<UsersSelectAction>>(ACTION.reassign, async (body) => {
    const action = body.actions[0];
    const conversationId = conversationIdFromBlockId(action?.block_id);
    if (!action?.selected_user) return;
    await reassign(deps, body.user.id, conversationId, action.selected_user);
  });

  on<BlockAction<ButtonAction>>(ACTION.escalate, (body) =>
    escalate(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<ButtonAction>>(ACTION.resolve, (body) =>
    resolve(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<ButtonAction>>(ACTION.pass, (body) =>
    passOffer(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<ButtonAction>>(ACTION.waiting, (body) =>
    waitOnCustomer(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<ButtonAction>>(ACTION.spam, (body) =>
    markAsSpam(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<ButtonAction>>(ACTION.notSpam, (body) =>
    markNotSpam(deps, body.user.id, parseConversationId(body.actions[0]?.value)),
  );

  on<BlockAction<StaticSelectAction>>(ACTION.snooze, async (body) => {
    const action = body.actions[0];
    const conversationId = conversationIdFromBlockId(action?.block_id);
    await snooze(deps, body.user.id, conversationId, parseSnoozeOption(action?.selected_option?.value));
  });

  // A storm cluster's message: one story told by many, acted on at once.
  on<BlockAction<UsersSelectAction>>(ACTION.clusterAssign, async (body) => {
    const action = body.actions[0];
    const clusterId = clusterIdFromBlockId(action?.block_id);
    if (!action?.selected_user) return;
    await assignCluster(deps, {
      actorId: body.user.id,
      clusterId,
      assigneeId: action.selected_user,
      channel: body.channel?.id ?? body.container?.channel_id,
    });
  });

  on<BlockAction<ButtonAction>>(ACTION.clusterReply, async (body) => {
    const view = await prepareClusterReply(deps, body.user.id, parseClusterId(body.actions[0]?.value));
    await app.client.views.open({ trigger_id: body.trigger_id, view });
  });

  on<BlockAction<ButtonAction>>(ACTION.clusterSplit, async (body) => {
    const view = await prepareSplit(deps, body.user.id, parseClusterId(body.actions[0]?.value));
    await app.client.views.open({ trigger_id: body.trigger_id, view });
  });

  on<BlockAction<ButtonAction>>(ACTION.clusterSpam, (body) =>
    markClusterAsSpam(deps, body.user.id, parseClusterId(body.actions[0]?.value)),
  );
}

/** The Reply button: opens the reply form on the conversation's latest mention. */
async function openReplyModal(app: App, deps: ListenerDeps, body: BlockAction<ButtonAction>): Promise<void> {
  const conversationId = parseConversationId(body.actions[0]?.value);
  const conversation = await prepareReply(deps, body.user.id, conversationId);
  const loaded = await loadConversation(deps.db, conversation.id);
  const latest = loaded.mentions.at(-1);
  if (!latest) throw new AppError('conversation.empty', 'This conversation has no message to answer.');
  await app.client.views.open({
    trigger_id: body.trigger_id,
    view: replyModal({
      network: conversation.network,
      authorHandle: conversation.authorHandle,
      turns: toTurns(loaded),
      metadata: { conversationId, mentionId: latest.id },
      limit: textLimitFor(conversation.network as Network),
      privateAllowed: allowsPrivateReply(latest),
      privateOnly: requiresPrivateReply(latest),
      privateLimit: textLimitFor(conversation.network as Network, 'private'),
    }),
  });
}

/** The reply form's submission. */
function registerModalSubmissions(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(REPLY_MODAL, async ({ ack, body, view }) => {
    const text = view.state.values[REPLY_INPUT.block]?.[REPLY_INPUT.action]?.value ?? '';
    const chosen =
      view.state.values[REPLY_VISIBILITY.block]?.[REPLY_VISIBILITY.action]?.selected_option?.value;
    // No choice on the form (a direct message) leaves it to the mention: submitReply knows its default.
    const visibility = chosen === 'private' || chosen === 'public' ? chosen : undefined;
    try {
      const metadata = decodeReplyMetadata(view.private_metadata);
      // Stored and queued before the ack (a few milliseconds), so a closed modal means an accepted
      // reply, and a refusal shows inline under the text it is about.
      await submitReply(deps, {
        actorId: body.user.id,
        conversationId: metadata.conversationId,
        mentionId: metadata.mentionId,
        submissionKey: view.id,
        text,
        visibility,
      });
      await ack();
    } catch (error) {
      const failure = toAppError(error);
      if (failure.code === 'internal.unexpected') deps.logger.error({ err: failure.message }, 'reply failed');
      const message =
        failure.code === 'internal.unexpected'
          ? 'Could not save the reply; please try again.'
          : failure.message;
      await ack({ response_action: 'errors', errors: { [REPLY_INPUT.block]: message.slice(0, 2000) } });
    }
  });
}

/**
 * A cluster form's submission: done before the ack, like the reply form's, so
 * a closed form means it was accepted and a refusal shows under the field.
 * Keyed by the view's id, so Slack's retry of a submission does it once.
 */
function registerClusterSubmissions(app: App, deps: ListenerDeps): void {
  const submit = (
    callbackId: string,
    field: string,
    run: (view: ViewSubmitAction['view'], user: string) => Promise<unknown>,
  ) => {
    app.view<ViewSubmitAction>(callbackId, async ({ ack, body, view }) => {
      try {
        await run(view, body.user.id);
        await ack();
      } catch (error) {
        const failure = toAppError(error);
        if (failure.code === 'internal.unexpected')
          deps.logger.error({ err: failure.message }, 'cluster form failed');
        const message =
          failure.code === 'internal.unexpected' ? 'Could not save this; please try again.' : failure.message;
        await ack({ response_action: 'errors', errors: { [field]: message.slice(0, 2000) } });
      }
    });
  };

  submit(CLUSTER_REPLY_MODAL, CLUSTER_REPLY_INPUT.block, (view, user) =>
    submitClusterReply(deps, {
      actorId: user,
      clusterId: decodeClusterMetadata(view.private_metadata),
      submissionKey: view.id,
      text: view.state.values[CLUSTER_REPLY_INPUT.block]?.[CLUSTER_REPLY_INPUT.action]?.value ?? '',
    }),
  );

  submit(CLUSTER_SPLIT_MODAL, CLUSTER_SPLIT_INPUT.block, (view, user) =>
    splitOff(deps, {
      actorId: user,
      clusterId: decodeClusterMetadata(view.private_metadata),
      mentionId: parseMentionChoice(
        view.state.values[CLUSTER_SPLIT_INPUT.block]?.[CLUSTER_SPLIT_INPUT.action]?.selected_option?.value,
      ),
    }),
  );
}

/** App Home and the slash command. */
function registerEventsAndCommands(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await oweSlack(deps.db, [{ type: 'home', user: event.user }]);
  });

  app.command(COMMAND, async ({ ack, command }) => {
    // The answer is a few small reads; it goes back in the ack itself, seen only by the asker.
    try {
      const answer = await runCommand(deps, command.user_id, command.text ?? '');
      await ack({ response_type: 'ephemeral', ...answer });
      if (/^\s*(away|back)\b/i.test(command.text ?? '')) {
        await oweSlack(deps.db, [{ type: 'home', user: command.user_id }]);
      }
    } catch (error) {
      const failure = toAppError(error);
      if (failure.code === 'internal.unexpected')
        deps.logger.error({ err: failure.message }, 'command failed');
      const text =
        failure.code === 'internal.unexpected' ? 'Something went wrong; please try again.' : failure.message;
      await ack({ response_type: 'ephemeral', ...plainAnswer(text) });
    }
  });
}
