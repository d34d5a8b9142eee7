import { z } from 'zod';

/**
 * The one codec for interactive ids. Buttons carry their action in action_id
 * and the conversation id in value; menus have no value of their own, so the
 * actions block's block_id carries the conversation id for them. The reply
 * modal carries its context in private_metadata.
 */
export const ACTION = {
  reply: 'fh.reply',
  claim: 'fh.claim',
  reassign: 'fh.reassign',
  escalate: 'fh.escalate',
  resolve: 'fh.resolve',
  spam: 'fh.spam',
  snooze: 'fh.snooze',
  waiting: 'fh.waiting',
  // In the DM offering a conversation nobody answered in time: decline it, so the next person is asked.
  pass: 'fh.pass',
  // In App Home's list of filtered mentions; the value is the filtered conversation's id.
  notSpam: 'fh.not_spam',
  // On a storm cluster's message; the value (or the block_id, for the menu) is the cluster's id.
  clusterAssign: 'fh.cl.assign',
  clusterReply: 'fh.cl.reply',
  clusterSplit: 'fh.cl.split',
  clusterSpam: 'fh.cl.spam',
} as const;
export type ActionName = keyof typeof ACTION;

export const COMMAND = '/firsthand';

export const REPLY_MODAL = 'fh.reply_modal';
export const REPLY_INPUT = { block: 'reply', action: 'text' } as const;
export const CLUSTER_REPLY_MODAL = 'fh.cl.reply_modal';
export const CLUSTER_ACTIONS_BLOCK = 'fh.cl.';

export const REPLY_VISIBILITY = { block: 'visibility', action: 'choice' } as const;

const ConversationId = z.string().uuid();

export function parseConversationId(value: unknown): string {
  return ConversationId.parse(value);
}

const BLOCK_PREFIX = 'fh.c.';

/** The block_id of a conversation's actions rows: `fh.c.<row>.<conversation id>`. */
export const actionsBlockId = (row: 'buttons' | 'menus', conversationId: string) =>
  `${BLOCK_PREFIX}${row}.${conversationId}`;

export function conversationIdFromBlockId(blockId: unknown): string {
  const raw =
    typeof blockId === 'string' && blockId.startsWith(BLOCK_PREFIX) ? blockId.split('.').at(-1) : '';
  return ConversationId.parse(raw);
}

/**
 * Claim is a compare-and-set on what the clicker saw: the button carries the
 * assignee shown on the card (`-` for nobody), so two people claiming at once
 * cannot both win and a double click cannot take it from a colleague.
 */
export const encodeClaimValue = (conversationId: string, shownAssignee: string | null) =>
  `${conversationId}:${shownAssignee ?? '-'}`;

export function decodeClaimValue(value: unknown): { conversationId: string; shownAssignee: string | null } {
  const [id, shown] = String(value ?? '').split(':');
  return { conversationId: ConversationId.parse(id), shownAssignee: !shown || shown === '-' ? null : shown };
}

/** Snooze choices, resolved against the clicker's clock and timezone when chosen. */
export const SNOOZE_OPTIONS = {
  '1h': 'For 1 hour',
  '3h': 'For 3 hours',
  tomorrow: 'Until tomorrow 9:00',
  monday: 'Until Monday 9:00',
} as const;
export type SnoozeOption = keyof typeof SNOOZE_OPTIONS;

export function parseSnoozeOption(value: unknown): SnoozeOption {
  return z.enum(Object.keys(SNOOZE_OPTIONS) as [SnoozeOption, ...SnoozeOption[]]).parse(value);
}

const ReplyModalMetadata = z.object({ conversationId: z.string().uuid(), mentionId: z.string().uuid() });
export type ReplyModalMetadata = z.infer<typeof ReplyModalMetadata>;

export const encodeReplyMetadata = (metadata: ReplyModalMetadata) => JSON.stringify(metadata);

export function decodeReplyMetadata(raw: string): ReplyModalMetadata {
  return ReplyModalMetadata.parse(JSON.parse(raw));
}
