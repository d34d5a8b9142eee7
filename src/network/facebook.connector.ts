import { z } from 'zod';
import type { NetworkConnector, ReplyRequest, ReplyResult } from './connector.js';
import { createGraphClient, type GraphOptions, sendPrivateReply } from './meta-graph.js';

/**
 * Facebook Pages: comments arrive by the `feed` webhook; a reply is a
 * comment on the customer's comment, which Facebook threads under it, or a
 * private reply in Messenger. Graph has no idempotency key.
 */
export function createFacebookConnector(options: GraphOptions): NetworkConnector {
  const graph = createGraphClient('facebook', options);
  return {
    network: 'facebook',
    async reply(request: ReplyRequest): Promise<ReplyResult> {
      // `me` is the Page the Page token belongs to, so no Page id needs configuring.
      if (request.visibility === 'private') {
        return sendPrivateReply(graph, 'facebook', 'me', request.target.externalId, request.text);
      }
      const body = await graph(`/${encodeURIComponent(request.target.externalId)}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: request.text }),
      });
      const { id } = z.object({ id: z.string() }).parse(body);
      return { externalId: id, url: undefined };
    },
  };
}
