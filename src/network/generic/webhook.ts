import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../http-server.js';
import { header, readRaw, storeThenAnswer, type WebhookDeps } from '../../ingest/webhook-body.js';
import { GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER, verifyGenericSignature } from '../signatures.js';
import { parseGenericBody, SOURCE_PATTERN } from './normalize.js';

/** POST /ingest/webhook/:source: signed events from anything that can send an HTTP request. */
export function genericWebhookHandler(deps: WebhookDeps & { secret: string; now: () => Date }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const source = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
    if (!SOURCE_PATTERN.test(source)) {
      return sendJson(res, 400, { error: 'source: lowercase letters, digits, _ and -, at most 63' });
    }
    const raw = await readRaw(req, res);
    if (!raw) return;
    const verdict = verifyGenericSignature(
      deps.secret,
      raw,
      header(req, GENERIC_TIMESTAMP_HEADER),
      header(req, GENERIC_SIGNATURE_HEADER),
      deps.now(),
    );
    if (!verdict.ok) return sendJson(res, 401, { error: verdict.reason });
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'body is not valid JSON' });
    }
    const parsed = parseGenericBody(source, json);
    if (!parsed.ok) return sendJson(res, 400, { error: parsed.error });
    await storeThenAnswer(deps, res, parsed.mentions, `webhook:generic:${source}`);
  };
}
