import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../http-server.js';
import {
  header,
  parseEnvelope,
  queryOf,
  readRaw,
  storeThenAnswer,
  type WebhookDeps,
} from '../../ingest/webhook-body.js';
import { verifyXSignature, xCrcResponseToken } from '../signatures.js';
import { ActivityEnvelope, normalizeActivity } from './normalize.js';

/** GET /ingest/x/webhook: the CRC challenge X sends on registration and hourly after. */
export function xCrcHandler(deps: { consumerSecret: string }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const crcToken = queryOf(req).get('crc_token');
    if (!crcToken) sendJson(res, 400, { error: 'crc_token: required' });
    else sendJson(res, 200, { response_token: xCrcResponseToken(deps.consumerSecret, crcToken) });
  };
}

/** POST /ingest/x/webhook: Account Activity events, signed over the raw body. */
export function xEventsHandler(deps: WebhookDeps & { consumerSecret: string }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readRaw(req, res);
    if (!raw) return;
    if (!verifyXSignature(deps.consumerSecret, raw, header(req, 'x-twitter-webhooks-signature'))) {
      return sendJson(res, 401, { error: 'x-twitter-webhooks-signature does not match' });
    }
    const envelope = parseEnvelope(raw, ActivityEnvelope);
    if (!envelope.ok) return sendJson(res, 400, { error: envelope.error });
    await storeThenAnswer(deps, res, normalizeActivity(envelope.value), 'webhook:x');
  };
}
