import {
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  verifyGenericSignature,
} from '../../src/network/signatures.js';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * The receiving end of generic reply-back: verifies the signature and the
 * replay window the way our inbound endpoint does, keeps each
 * Idempotency-Key once (a repeat gets the first answer), and can answer 429
 * with Retry-After.
 */
export interface GenericReply {
  id: string;
  body: { source: string; inReplyTo: string; author: string; text: string; idempotencyKey: string };
  idempotencyKey: string | undefined;
}

export interface GenericStandin extends StandinServer {
  replyUrl: string;
  replies: GenericReply[];
  refused: { status: number; reason: string }[];
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
}

export async function startGenericStandin(options: {
  secret: string;
  now?: () => Date;
}): Promise<GenericStandin> {
  const now = options.now ?? (() => new Date());
  const replies: GenericReply[] = [];
  const refused: GenericStandin['refused'] = [];
  const seen = new Map<string, GenericReply>();
  let limited = { count: 0, retryAfter: 30 };
  let seq = 0;

  const server = await listen((req, res, body) => {
    if (req.method !== 'POST' || req.url !== '/replies') return json(res, 404, { error: 'not found' });
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const verdict = verifyGenericSignature(
      options.secret,
      body,
      header(GENERIC_TIMESTAMP_HEADER),
      header(GENERIC_SIGNATURE_HEADER),
      now(),
    );
    if (!verdict.ok) {
      refused.push({ status: 401, reason: verdict.reason });
      return json(res, 401, { error: verdict.reason });
    }
    if (limited.count > 0) {
      limited.count--;
      return json(res, 429, { error: 'slow down' }, { 'retry-after': String(limited.retryAfter) });
    }
    const key = header('idempotency-key');
    const earlier = key ? seen.get(key) : undefined;
    if (earlier) return json(res, 200, { id: earlier.id });
    let parsed: GenericReply['body'];
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      refused.push({ status: 400, reason: 'not JSON' });
      return json(res, 400, { error: 'body is not JSON' });
    }
    const reply = { id: `reply-${++seq}`, body: parsed, idempotencyKey: key };
    replies.push(reply);
    if (key) seen.set(key, reply);
    json(res, 201, { id: reply.id, url: `https://reviews.example/replies/${reply.id}` });
  });

  return {
    ...server,
    replyUrl: `${server.url}/replies`,
    replies,
    refused,
    rateLimitNext(count, retryAfterSeconds = 30) {
      limited = { count, retryAfter: retryAfterSeconds };
    },
  };
}
