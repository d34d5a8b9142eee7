import type { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { NotifyJobSchema, QUEUE } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { setSlackMessage } from '../db/conversations.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { findMention, markNotified } from '../db/mentions.repository.js';
import { findOwner } from '../db/staff.repository.js';
import { AppError } from '../errors.js';
import { type QueueSettings, type Queues, startWorker } from '../queueing.js';
import { conversationMessage, followupMessage } from './blocks.js';
import { loadConversation, toCard } from './conversation-card.js';
import { slackFailure } from './slack-errors.js';

export interface NotifyDeps {
  db: Database;
  queues: Queues;
  slack: WebClient;
  channelId: string;
  logger: Logger;
  now: () => Date;
}

/** Shows a routed mention in Slack: the conversation's root message, or a thread reply for a follow-up. */
export async function notifyMention(deps: NotifyDeps, mentionId: string): Promise<void> {
  const mention = await findMention(deps.db, mentionId);
  if (!mention?.conversationId) throw new AppError('notify.not_routed', `mention ${mentionId} is not routed`);
  if (mention.notifiedAt) return;
  const loaded = await loadConversation(deps.db, mention.conversationId);
  const { conversation } = loaded;

  let ts: string;
  if (conversation.firstMentionId === mention.id) {
    if (conversation.slackTs) {
      ts = conversation.slackTs; // posted before a crash; only the bookkeeping was lost
    } else {
      const posted = await slackCall(() =>
        deps.slack.chat.postMessage({ channel: deps.channelId, ...conversationMessage(toCard(loaded)) }),
      );
      ts = posted.ts!;
      await setSlackMessage(deps.db, conversation.id, posted.channel ?? deps.channelId, ts);
    }
  } else {
    // A follow-up goes in the root message's thread, so it must wait for the root to exist.
    if (!conversation.slackTs || !conversation.slackChannel) {
      throw new AppError('notify.root_pending', 'the conversation message is not posted yet', true);
    }
    const posted = await slackCall(() =>
      deps.slack.chat.postMessage({
        channel: conversation.slackChannel!,
        thread_ts: conversation.slackTs!,
        ...followupMessage({ handle: mention.authorHandle, text: mention.text, url: mention.url }),
      }),
    );
    ts = posted.ts!;
  }
  if (await markNotified(deps.db, mention.id, ts, deps.now())) {
    await appendEvent(deps.db, {
      type: 'slack.notified',
      actor: 'bot',
      conversationId: conversation.id,
      mentionId: mention.id,
      details: { ts },
    });
  }
}

/** Redraws a conversation's Slack message to show its current state. */
export async function refreshConversation(deps: NotifyDeps, conversationId: string): Promise<void> {
  const loaded = await loadConversation(deps.db, conversationId);
  const { slackChannel, slackTs } = loaded.conversation;
  if (!slackChannel || !slackTs) throw new AppError('notify.root_pending', 'nothing to update yet', true);
  await slackCall(() =>
    deps.slack.chat.update({ channel: slackChannel, ts: slackTs, ...conversationMessage(toCard(loaded)) }),
  );
}

async function slackCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw slackFailure(error);
  }
}

export function startNotifyWorker(deps: NotifyDeps, settings: QueueSettings): Worker {
  return startWorker(
    settings,
    QUEUE.notify,
    NotifyJobSchema,
    async (job) => {
      switch (job.type) {
        case 'mention':
          return notifyMention(deps, job.mentionId);
        case 'refresh':
          return refreshConversation(deps, job.conversationId);
        case 'ephemeral':
          await slackCall(() =>
            deps.slack.chat.postEphemeral({ channel: job.channel, user: job.user, text: job.text }),
          );
          return;
        case 'alert': {
          const owner = await findOwner(deps.db);
          const text = `${owner ? `<@${owner.id}> ` : ''}:warning: ${job.text}`;
          await slackCall(() => deps.slack.chat.postMessage({ channel: deps.channelId, text }));
          return;
        }
      }
    },
    deps.logger,
    // Slack allows about one message a second a channel; a short burst is fine.
    { concurrency: 4, limiter: { max: 4, duration: 1000 } },
  );
}
