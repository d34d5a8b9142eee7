import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mention } from '../../contract/mention.js';
import { sendJson } from '../../http-server.js';
import {
  header,
  parseEnvelope,
  queryOf,
  readRaw,
  storeThenAnswer,
  type WebhookDeps,
} from '../../ingest/webhook-body.js';
import { verifyMetaSignature } from '../signatures.js';
import type { SenderDirectory } from './graph.js';
import { MetaEnvelope, normalizeMetaWebhook, type PendingIgMention } from './normalize.js';

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

// Names already asked for; a customer writing several messages is looked up once.
const KNOWN_SENDERS_MAX = 5000;

/**
 * POST /ingest/meta/webhook: Page feed comments, Instagram comments and
 * mentions, and messages in Messenger and Instagram Direct. An Instagram
 * mention carries no text, so it is fetched first; when that fails nothing is
 * stored and Meta is asked to deliver again. A message names its sender by id
 * only, so their name is asked for too; when that fails the message is kept
 * under the id, as the words matter more than the name.
 */
export function metaEventsHandler(
  deps: WebhookDeps & {
    appSecret: string;
    resolveIgMention: ((pending: PendingIgMention) => Promise<Mention>) | undefined;
    senders: Partial<Record<'facebook' | 'instagram', SenderDirectory>>;
  },
) {
  const known = new Map<string, Mention['author']>();
  async function named(mention: Mention): Promise<Mention> {
    const directory =
      mention.network === 'facebook' || mention.network === 'instagram'
        ? deps.senders[mention.network]
        : undefined;
    if (mention.kind !== 'direct_message' || !directory) return mention;
    const key = `${mention.network}:${mention.author.id}`;
    let author = known.get(key);
    if (!author) {
      try {
        author = await directory.describeSender(mention.author.id);
      } catch {
        return mention;
      }
      if (known.size >= KNOWN_SENDERS_MAX) known.clear();
      known.set(key, author);
    }
    return { ...mention, author };
  }

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
    const mentions = await Promise.all(normalized.mentions.map(named));
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
