import { z } from 'zod';
import type { NetworkConnector, ReplyRequest, ReplyResult } from '../connector.js';
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

// Messenger's User Profile API gives a sender's name to the Page they wrote to.
const MessengerProfile = z.object({ first_name: z.string().optional(), last_name: z.string().optional() });

const PageComment = z
  .object({
    id: z.string(),
    message: z.string().default(''),
    from: z.object({ id: z.string() }).optional(),
    created_time: z.string().optional(),
  })
  .transform(
    (c): Written => ({
      id: c.id,
      author: c.from?.id,
      text: c.message,
      at: Date.parse(c.created_time ?? ''),
    }),
  );

/**
 * Facebook Pages: comments arrive by the `feed` webhook and Messenger
 * messages by `messages`. A comment is answered with a comment on it, which
 * Facebook threads under it, or a private reply in Messenger; a Messenger
 * message is answered in Messenger. Graph has no idempotency key, so a retry
 * reads back what an earlier attempt may have published.
 */
export function createFacebookConnector(options: GraphOptions): NetworkConnector & SenderDirectory {
  const graph = createGraphClient('facebook', options);
  // The Page the token belongs to: our own comments and messages carry its id.
  const ourPage = remembered(
    async () => z.object({ id: z.string().min(1) }).parse(await graph('/me?fields=id')).id,
  );
  return {
    network: 'facebook',
    async reply(request: ReplyRequest): Promise<ReplyResult> {
      const { target } = request;
      // `me` is the Page the Page token belongs to, so no Page id needs configuring.
      if (target.kind === 'direct_message') {
        return sendPrivateMessage(graph, 'facebook', 'me', { userId: target.authorId }, request.text);
      }
      if (request.visibility === 'private') {
        return sendPrivateMessage(graph, 'facebook', 'me', { commentId: target.externalId }, request.text);
      }
      const body = await graph(`/${encodeURIComponent(target.externalId)}/comments`, {
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
        return findEarlierMessage(graph, 'facebook', 'me', { us: await ourPage(), request, since, skip });
      }
      // Meta takes one private reply per comment and refuses a second, so none goes out twice; nor can it
      // be read back, as the comment gives its author's Facebook id, not the Messenger id of their inbox.
      if (request.visibility === 'private') return undefined;
      const lookup = { us: await ourPage(), request, since, skip };
      const commentsOf = (id: string) => ({
        path: `/${encodeURIComponent(id)}/comments`,
        query: { fields: 'id,message,from,created_time', order: 'reverse_chronological', limit: '50' },
        item: PageComment,
        newestFirst: true,
      });
      const found = await findOnEdge(graph, 'facebook', commentsOf(target.externalId), lookup);
      // Facebook does not say whether an answer to a reply stays under it or joins the comment it
      // replied to, so for a reply both are looked at.
      if (found || target.kind !== 'reply' || !target.inReplyTo) return found;
      return findOnEdge(graph, 'facebook', commentsOf(target.inReplyTo), lookup);
    },

    async describeSender(id) {
      const body = await graph(`/${encodeURIComponent(id)}?fields=first_name,last_name`, {
        signal: AbortSignal.timeout(SENDER_LOOKUP_TIMEOUT_MS),
      });
      const profile = MessengerProfile.parse(body);
      const name = [profile.first_name, profile.last_name].filter(Boolean).join(' ');
      // A comment's author is named by their name too (Pages show no handle), so both read alike.
      return name ? { id, handle: name, name } : { id, handle: id };
    },
  };
}
