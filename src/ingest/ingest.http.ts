import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, bearerMatches, readBody, sendJson, sendTooLarge } from '../http-server.js';
import { acceptMentions, type IngestDeps, parseMentionsBody } from './accept-mentions.js';

/** POST /ingest/mentions: one normalized mention or an array, behind the ingest token. */
export function ingestMentionsHandler(deps: IngestDeps & { ingestToken: string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!bearerMatches(req.headers.authorization, deps.ingestToken)) {
      return sendJson(res, 401, { error: 'missing or wrong bearer token' });
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendTooLarge(res, error);
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'body is not valid JSON' });
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
