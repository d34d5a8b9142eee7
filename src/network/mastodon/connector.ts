import { z } from 'zod';
import type { Mention } from '../../contract/mention.js';
import type { Pollable, ReplyRequest, ReplyResult } from '../connector.js';
import { fetchWithToken, httpFailure } from '../http.js';
import { Account, normalizeNotification, Status } from './normalize.js';

export interface MastodonOptions {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

/** Plain fetch against the Mastodon REST API; the base URL is the instance (or a stand-in). */
export function createMastodonConnector(options: MastodonOptions): Pollable {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/$/, '');
  let ourAccount: string | undefined;

  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetchWithToken('mastodon', doFetch, base, path, options.token, init);
    if (!response.ok) {
      const reset = response.headers.get('x-ratelimit-reset');
      throw httpFailure(
        'mastodon',
        response.status,
        await response.text(),
        reset ? new Date(reset) : undefined,
      );
    }
    return response;
  }

  async function account(): Promise<string> {
    if (!ourAccount) {
      const me = Account.parse(await (await call('/api/v1/accounts/verify_credentials')).json());
      ourAccount = me.acct;
    }
    return ourAccount;
  }

  return {
    network: 'mastodon',

    async poll(sinceId) {
      const acct = await account();
      const found: unknown[] = [];
      // Newest first, 40 a page; follow max_id back to since_id so a burst between polls is not cut short.
      let maxId: string | undefined;
      for (let page = 0; page < 10; page++) {
        const query = new URLSearchParams({ limit: '40' });
        query.append('types[]', 'mention');
        if (sinceId) query.set('since_id', sinceId);
        if (maxId) query.set('max_id', maxId);
        const batch = z.array(z.unknown()).parse(await (await call(`/api/v1/notifications?${query}`)).json());
        found.push(...batch);
        const last = batch.at(-1) as { id?: string } | undefined;
        if (batch.length < 40 || !last?.id) break;
        maxId = last.id;
      }
      const newest = (found[0] as { id?: string } | undefined)?.id;
      const mentions = found
        .map((n) => normalizeNotification(n, acct))
        .filter((m): m is Mention => m !== undefined)
        .reverse();
      return { mentions, cursor: newest };
    },

    async reply(request: ReplyRequest): Promise<ReplyResult> {
      const response = await call('/api/v1/statuses', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
        // A direct status is Mastodon's private message: only the people it mentions see it.
        body: JSON.stringify({
          status: request.text,
          in_reply_to_id: request.target.externalId,
          ...(request.visibility === 'private' ? { visibility: 'direct' } : {}),
        }),
      });
      const posted = Status.pick({ id: true, url: true }).parse(await response.json());
      return { externalId: posted.id, url: posted.url ?? undefined };
    },
  };
}
