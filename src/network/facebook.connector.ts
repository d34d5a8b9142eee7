import { z } from 'zod';
import type { NetworkConnector, ReplyRequest, ReplyResult } from './connector.js';
import {
  createGraphClient,
  findEarlierComment,
  findEarlierMessage,
  type GraphOptions,
  SENDER_LOOKUP_TIMEOUT_MS,
  type SenderDirectory,
  sendPrivateMessage,
} from './meta-graph.js';

// Messenger's User Profile API gives a sender's name to the Page they wrote to.
const MessengerProfile = z.object({ first_name: z.string().optional(), last_name: z.string().optional() });

/**
 * Facebook Pages: comments arrive by the `feed` webhook and Messenger
 * messages by `messages`. A comment is answered with a comment on it, which
 * Facebook threads under it, or a private reply in Messenger; a Messenger
 * message is answered in Messenger. Graph has no idempotency key, so a retry
 * reads back what an earlier attempt may have published.
 */
export function createFacebookConnector(options: GraphOptions): NetworkConnector & SenderDirectory {
  const graph = createGraphClient('facebook', options);
  // The Page the token belongs to, asked once: our own comments and messages carry its id.
  let pageId: Promise<string> | undefined;
  const ourPage = () => {
    pageId ??= graph('/me?fields=id').then(
      (body) => z.object({ id: z.string().min(1) }).parse(body).id,
      (error: unknown) => {
        pageId = undefined;
        throw error;
      },
    );
    return pageId;
  };
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
      if (request.target.kind === 'direct_message') {
        const inbox = { path: 'me', id: await ourPage() };
        return findEarlierMessage(graph, 'messenger', inbox, request, since, skip);
      }
      // Meta takes one private reply per comment and refuses another, so none is sent twice; nor can
      // it be read back, as the customer's Messenger id is not known from the comment.
      if (request.visibility === 'private') return undefined;
      return findEarlierComment(graph, 'comments', await ourPage(), request, since, skip);
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
