import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mention } from '../../contract/mention.js';
import { sendJson } from '../../http-server.js';
import { MetaEnvelope, normalizeMetaWebhook, type PendingIgMention } from '../../network/meta-webhook.js';
import { verifyMetaSignature } from '../../network/signatures.js';
import {
  header,
  parseEnvelope,
  queryOf,
  readRaw,
  storeThenAnswer,
  type WebhookDeps,
} from './webhook-body.js';

/** GET /ingest/meta/webhook: the subscription handshake; the challenge goes back as the raw body. */
export function metaVerifyHandler(deps: { verifyToken: string }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const query = queryOf(req);
    const challenge = query.get('hub.challenge');
    if (
      query.get('hub.mode') === 'subscribe' &&
      query.get('hub.verify_token') === deps.verifyToken &&
      challenge
    ) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(challenge);
    } else {
      sendJson(res, 403, { error: 'hub.verify_token does not match' });
    }
  };
}

/**
 * POST /ingest/meta/webhook: Page feed comments and Instagram comments and
 * mentions. An Instagram mention carries no text, so it is fetched first;
 * when that fails nothing is stored and Meta is asked to deliver again.
 */
export function metaEventsHandler(
  deps: WebhookDeps & {
    appSecret: string;
    resolveIgMention: ((pending: PendingIgMention) => Promise<Mention>) | undefined;
  },
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readRaw(req, res);
    if (!raw) return;
    if (!verifyMetaSignature(deps.appSecret, raw, header(req, 'x-hub-signature-256'))) {
      return sendJson(res, 401, { error: 'x-hub-signature-256 does not match' });
    }
    const envelope = parseEnvelope(raw, MetaEnvelope);
    if (!envelope.ok) return sendJson(res, 400, { error: envelope.error });
    const normalized = normalizeMetaWebhook(envelope.value);
    if (!normalized.ok) return sendJson(res, 400, { error: normalized.error });
    const mentions = [...normalized.mentions];
    if (deps.resolveIgMention) {
      try {
        for (const pending of normalized.pendingIgMentions)
          mentions.push(await deps.resolveIgMention(pending));
      } catch {
        return sendJson(res, 502, { error: 'could not fetch an Instagram mention; deliver again later' });
      }
    }
    await storeThenAnswer(deps, res, mentions, `webhook:${envelope.value.object}`);
  };
}
