import type { KnownBlock, View } from '@slack/types';
import {
  ACTION,
  encodeReplyMetadata,
  REPLY_INPUT,
  REPLY_MODAL,
  type ReplyModalMetadata,
} from './action-ids.js';
import { escapeMrkdwn, formatDuration, quote, truncate } from './mrkdwn.js';

/** Pure Block Kit builders: data in, Slack JSON out, always within Block Kit's limits. */

const NETWORK_NAMES: Record<string, string> = {
  x: 'X',
  facebook: 'Facebook',
  instagram: 'Instagram',
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
  generic: 'the web',
};
export const networkName = (network: string) => NETWORK_NAMES[network] ?? network;

const SECTION_MAX = 3000;

export interface ConversationCard {
  conversationId: string;
  network: string;
  status: 'open' | 'replied' | 'resolved' | 'spam';
  escalated: boolean;
  assigneeId: string | null;
  author: { handle: string; name: string | null; followers: number | null; verified: boolean | null };
  text: string;
  url: string | null;
  reasons: string[];
  openedAt: Date;
  lastReply: { staffId: string; postedAt: Date } | undefined;
  firstRepliedAt: Date | null;
  closedBy: string | undefined;
}

function authorLine(author: ConversationCard['author']): string {
  const parts = [`@${author.handle}`];
  if (author.followers !== null) parts.push(`${author.followers.toLocaleString('en')} followers`);
  if (author.verified) parts.push('verified');
  const name = author.name ? `*${escapeMrkdwn(author.name)}* ` : '';
  return `${name}(${escapeMrkdwn(parts.join(' · '))})`;
}

function statusLine(card: ConversationCard): string {
  if (card.status === 'resolved')
    return `:white_check_mark: Resolved${card.closedBy ? ` by <@${card.closedBy}>` : ''}`;
  const assignee = card.assigneeId ? `<@${card.assigneeId}>` : 'nobody yet';
  const lines = [`${card.escalated ? ':rotating_light: Escalated to the owner' : 'Assigned to'} ${assignee}`];
  if (card.lastReply && card.firstRepliedAt) {
    const after = formatDuration(card.firstRepliedAt.getTime() - card.openedAt.getTime());
    lines.push(`:speech_balloon: Replied by <@${card.lastReply.staffId}> after ${after}`);
  }
  return lines.join('\n');
}

export function conversationMessage(card: ConversationCard): { text: string; blocks: KnownBlock[] } {
  const header = `New mention on ${networkName(card.network)} from ${authorLine(card.author)}`;
  const body = quote(escapeMrkdwn(card.text || '(no text)'));
  const link = card.url ? `\n<${card.url}|View on ${networkName(card.network)}>` : '';
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(header, SECTION_MAX) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(body, SECTION_MAX - link.length) + link },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(statusLine(card), SECTION_MAX) } },
  ];
  if (card.reasons.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: truncate(`Why: ${escapeMrkdwn(card.reasons.join(' · '))}`, SECTION_MAX) },
      ],
    });
  }
  if (card.status !== 'resolved' && card.status !== 'spam') {
    const button = (action: string, label: string, style?: 'primary' | 'danger') => ({
      type: 'button' as const,
      action_id: action,
      value: card.conversationId,
      text: { type: 'plain_text' as const, text: label },
      ...(style ? { style } : {}),
    });
    blocks.push({
      type: 'actions',
      block_id: 'conversation_actions',
      elements: [
        button(ACTION.reply, 'Reply', 'primary'),
        ...(card.escalated ? [] : [button(ACTION.escalate, 'Escalate to owner', 'danger')]),
        button(ACTION.resolve, 'Resolve'),
      ],
    });
  }
  const fallback = `${networkName(card.network)} mention from @${card.author.handle}: ${card.text}`;
  return { text: truncate(fallback, SECTION_MAX), blocks };
}

export function followupMessage(followup: { handle: string; text: string; url: string | null }): {
  text: string;
  blocks: KnownBlock[];
} {
  const link = followup.url ? `\n<${followup.url}|View>` : '';
  const text = `Follow-up from @${escapeMrkdwn(followup.handle)}:\n${quote(escapeMrkdwn(followup.text))}`;
  return {
    text: truncate(`Follow-up from @${followup.handle}: ${followup.text}`, SECTION_MAX),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_MAX - link.length) + link } },
    ],
  };
}

export interface ModalTurn {
  from: string;
  text: string;
}

export function replyModal(input: {
  network: string;
  authorHandle: string;
  turns: ModalTurn[];
  metadata: ReplyModalMetadata;
  limit: { max: number; unit: string };
}): View {
  // A modal holds 100 blocks; keep the latest turns and leave room for the input.
  const turns = input.turns.slice(-90);
  return {
    type: 'modal',
    callback_id: REPLY_MODAL,
    private_metadata: encodeReplyMetadata(input.metadata),
    title: { type: 'plain_text', text: truncate(`Reply on ${networkName(input.network)}`, 24) },
    submit: { type: 'plain_text', text: 'Post reply' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      ...turns.map(
        (turn): KnownBlock => ({
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: truncate(
              `*${escapeMrkdwn(turn.from)}*\n${quote(escapeMrkdwn(turn.text || '(no text)'))}`,
              SECTION_MAX,
            ),
          },
        }),
      ),
      {
        type: 'input',
        block_id: REPLY_INPUT.block,
        label: { type: 'plain_text', text: `Your reply to @${truncate(input.authorHandle, 100)}` },
        hint: {
          type: 'plain_text',
          text: `Posted publicly under the brand account. Up to ${input.limit.max} ${input.limit.unit}, including the @mention.`,
        },
        element: {
          type: 'plain_text_input',
          action_id: REPLY_INPUT.action,
          multiline: true,
          max_length: 3000,
        },
      },
    ],
  };
}
