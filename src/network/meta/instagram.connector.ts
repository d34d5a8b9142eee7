import { z } from 'zod';
import { AppError } from '../../contract/errors.js';
import type { Mention } from '../../contract/mention.js';
import {
  type NetworkConnector,
  type ReplyRequest,
  type ReplyResult,
  unconfirmedReply,
} from '../connector.js';
import type { Written } from '../reply-text.js';
import {
  createGraphClient,
  findEarlierMessage,
  findOnEdge,
  type GraphOptions,
  remembered,
  SENDER_LOOKUP_TIMEOUT_MS,
  type SenderDirectory,
  sendPrivateMessage,
} from './graph.js';
import { igMentionExternalId, type PendingIgMention } from './normalize.js';

const MENTION_ID = /^mention:([^:]+):([^:]+)$/;

const MentionedComment = z.object({
  mentioned_comment: z.object({
    id: z.string().min(1),
    text: z.string(),
    timestamp: z.string().optional(),
    username: z.string().min(1).optional(),
    from: z.object({ id: z.string().min(1), username: z.string().min(1) }).optional(),
  }),
});

// Instagram's User Profile API: what a business account may read of someone who messaged it.
const DirectSender = z.object({
  username: z.string().min(1),
  name: z.string().optional(),
  follower_count: z.number().int().nonnegative().optional(),
});

// A comment names its author by an Instagram-scoped id, which is not our account's id: the username is.
const IgReply = z
  .object({
    id: z.string(),
    text: z.string().default(''),
    username: z.string().optional(),
    timestamp: z.string().optional(),
  })
  .transform(
    (c): Written => ({ id: c.id, author: c.username, text: c.text, at: Date.parse(c.timestamp ?? '') }),
  );

export interface InstagramConnector extends NetworkConnector, SenderDirectory {
  /** Fetches the text and author of an @mention, which the webhook does not carry. */
  resolveMention(pending: PendingIgMention): Promise<Mention>;
}

/**
 * Instagram via the Graph API: a comment on our media is answered with
 * POST /{comment-id}/replies, or privately in Instagram Direct; an @mention in
 * someone else's comment with POST /{ig-user-id}/mentions, which needs the
 * media id as well, and only publicly; a message in Instagram Direct in the
 * same conversation. Graph has no idempotency key, so a retry reads back what
 * an earlier attempt may have published, and where it cannot, says so.
 */
export function createInstagramConnector(options: GraphOptions & { userId: string }): InstagramConnector {
  const graph = createGraphClient('instagram', options);
  const ourUsername = remembered(async () => {
    const body = await graph(`/${encodeURIComponent(options.userId)}?fields=username`);
    return z.object({ username: z.string().min(1) }).parse(body).username;
  });
  return {
    network: 'instagram',

    async reply(request: ReplyRequest): Promise<ReplyResult> {
      if (request.target.kind === 'direct_message') {
        const to = { userId: request.target.authorId };
        return sendPrivateMessage(graph, 'instagram', options.userId, to, request.text);
      }
      const mention = MENTION_ID.exec(request.target.externalId);
      if (request.visibility === 'private') {
        // Meta's private reply is for comments on our own media; allowsPrivateReply keeps @mentions public.
        if (mention) {
          throw new AppError(
            'instagram.private_unsupported',
            'Instagram allows a private reply only to a comment on our own media; answer this @mention publicly.',
          );
        }
        const to = { commentId: request.target.externalId };
        return sendPrivateMessage(graph, 'instagram', options.userId, to, request.text);
      }
      const body = mention
        ? await graph(`/${encodeURIComponent(options.userId)}/mentions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ media_id: mention[1], comment_id: mention[2], message: request.text }),
          })
        : await graph(`/${encodeURIComponent(request.target.externalId)}/replies`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: request.text }),
          });
      const { id } = z.object({ id: z.string() }).parse(body);
      return { externalId: id, url: undefined };
    },

    async findEarlierReply(request, since, skip) {
      const { target } = request;
      if (target.kind === 'direct_message') {
        const lookup = { us: await ourUsername(), request, since, skip };
        return findEarlierMessage(graph, 'instagram', options.userId, lookup);
      }
      // Meta takes one private reply per comment and refuses a second, so none goes out twice.
      if (request.visibility === 'private') return undefined;
      // Our answer to an @mention is a comment on someone else's media: Graph reads such a comment only
      // through mentioned_comment, which lists no replies, so whether it went out cannot be seen.
      if (MENTION_ID.test(target.externalId)) {
        throw unconfirmedReply('instagram', 'gives no way to read back a reply to an @mention');
      }
      // Instagram threads a reply to a reply under the top-level comment, so that is where ours went.
      const comment = `/${encodeURIComponent(target.externalId)}?fields=parent_id`;
      const { parent_id: parent } = z
        .object({ parent_id: z.string().optional() })
        .parse(await graph(comment));
      const edge = {
        path: `/${encodeURIComponent(parent ?? target.externalId)}/replies`,
        query: { fields: 'id,text,username,timestamp', limit: '50' },
        item: IgReply,
        newestFirst: false,
      };
      return findOnEdge(graph, 'instagram', edge, { us: await ourUsername(), request, since, skip });
    },

    async describeSender(id) {
      const body = await graph(`/${encodeURIComponent(id)}?fields=name,username,follower_count`, {
        signal: AbortSignal.timeout(SENDER_LOOKUP_TIMEOUT_MS),
      });
      const sender = DirectSender.parse(body);
      return {
        id,
        handle: sender.username,
        ...(sender.name ? { name: sender.name } : {}),
        ...(sender.follower_count !== undefined ? { followers: sender.follower_count } : {}),
      };
    },

    async resolveMention(pending) {
      const fields = `mentioned_comment.comment_id(${pending.commentId}){id,text,timestamp,username,from}`;
      const body = await graph(`/${encodeURIComponent(options.userId)}?fields=${encodeURIComponent(fields)}`);
      const { mentioned_comment: c } = MentionedComment.parse(body);
      const handle = c.from?.username ?? c.username ?? 'unknown';
      const at = c.timestamp ? new Date(c.timestamp) : new Date(pending.time);
      return {
        network: 'instagram',
        externalId: igMentionExternalId(pending.mediaId, pending.commentId),
        account: pending.account,
        author: { id: c.from?.id ?? handle, handle },
        text: c.text,
        inReplyTo: pending.mediaId,
        kind: 'mention',
        createdAt: (Number.isNaN(at.getTime()) ? new Date(pending.time) : at).toISOString(),
      };
    },
  };
}
