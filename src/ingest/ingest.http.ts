import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/client.js';
import { AppError } from '../errors.js';
import { readBody, sendJson } from '../http-server.js';
import type { Queues } from '../queueing.js';
import { acceptMentions, parseMentionsBody } from './accept-mentions.js';

/** Compares hashes so neither the token's content nor its length leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** POST /ingest/mentions: one normalized mention or an array, behind the ingest token. */
export function ingestMentionsHandler(deps: { db: Database; queues: Queues; ingestToken: string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!bearerMatches(req.headers.authorization, deps.ingestToken)) {
      return sendJson(res, 401, { error: 'missing or wrong bearer token' });
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'body is not valid JSON';
      return sendJson(res, error instanceof AppError ? 413 : 400, { error: message });
    }
    let mentions: ReturnType<typeof parseMentionsBody>;
    try {
      mentions = parseMentionsBody(body);
    } catch (error) {
      return sendJson(res, 400, { error: (error as Error).message });
    }
    const result = await acceptMentions(deps, mentions, 'http');
    sendJson(res, 202, result);
  };
}
