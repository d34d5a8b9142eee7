import { z } from 'zod';

/**
 * The one codec for interactive ids: every button carries its action in
 * action_id and the conversation id in value, and the reply modal carries
 * its context in private_metadata.
 */
export const ACTION = {
  reply: 'fh.reply',
  escalate: 'fh.escalate',
  resolve: 'fh.resolve',
} as const;
export type ActionName = keyof typeof ACTION;

export const REPLY_MODAL = 'fh.reply_modal';
export const REPLY_INPUT = { block: 'reply', action: 'text' } as const;

const ConversationId = z.string().uuid();

export function parseConversationId(value: unknown): string {
  return ConversationId.parse(value);
}

const ReplyModalMetadata = z.object({ conversationId: z.string().uuid(), mentionId: z.string().uuid() });
export type ReplyModalMetadata = z.infer<typeof ReplyModalMetadata>;

export const encodeReplyMetadata = (metadata: ReplyModalMetadata) => JSON.stringify(metadata);

export function decodeReplyMetadata(raw: string): ReplyModalMetadata {
  return ReplyModalMetadata.parse(JSON.parse(raw));
}
