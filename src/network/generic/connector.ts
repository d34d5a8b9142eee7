import { z } from 'zod';
import { AppError } from '../../contract/errors.js';
import type { NetworkConnector, ReplyRequest, ReplyResult } from '../connector.js';
import { httpFailure } from '../http.js';
import { GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER, genericSignature } from '../signatures.js';

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(headers: Headers, now: Date): Date | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return new Date(now.getTime() + seconds * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export interface GenericOptions {
  replyUrl: string;
  secret: string;
  fetch?: typeof fetch;
  now?: () => Date;
}

/**
 * Replies go back to one configured URL, signed exactly as inbound events
 * are, with the reply id as Idempotency-Key so the receiver can drop a retry.
 */
export function createGenericConnector(options: GenericOptions): NetworkConnector {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  return {
    network: 'generic',
    async reply(request: ReplyRequest): Promise<ReplyResult> {
      const split = request.target.externalId.indexOf(':');
      if (split <= 0)
        throw new AppError('generic.bad_target', `not a generic event id: ${request.target.externalId}`);
      const body = JSON.stringify({
        source: request.target.externalId.slice(0, split),
        inReplyTo: request.target.externalId.slice(split + 1),
        author: request.target.authorHandle,
        text: request.text,
        idempotencyKey: request.idempotencyKey,
      });
      const timestamp = String(Math.floor(now().getTime() / 1000));
      let response: Response;
      try {
        response = await doFetch(options.replyUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': request.idempotencyKey,
            [GENERIC_TIMESTAMP_HEADER]: timestamp,
            [GENERIC_SIGNATURE_HEADER]: genericSignature(options.secret, timestamp, body),
          },
          body,
        });
      } catch (error) {
        throw new AppError(
          'generic.unreachable',
          `cannot reach the reply webhook: ${(error as Error).message}`,
          true,
        );
      }
      const text = await response.text();
      if (!response.ok)
        throw httpFailure('generic', response.status, text, retryAfter(response.headers, now()));
      const answer = z
        .object({ id: z.string().min(1).optional(), url: z.url().optional() })
        .safeParse(text ? JSON.parse(text) : {});
      const result = answer.success ? answer.data : {};
      return { externalId: result.id ?? request.idempotencyKey, url: result.url };
    },
  };
}
