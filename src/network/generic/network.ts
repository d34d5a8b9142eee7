import type { NetworkSetup } from '../parts.js';
import { createGenericConnector } from './connector.js';
import { genericWebhookHandler } from './webhook.js';

/** Events come in signed with the shared secret; replies go out only where a reply URL is set. */
export const genericNetwork: NetworkSetup = (config) => {
  const { generic } = config;
  if (!generic) return undefined;
  const { secret, replyUrl } = generic;
  return {
    connectors: replyUrl ? [createGenericConnector({ replyUrl, secret })] : [],
    pollers: [],
    routes: (deps) => ({ 'POST /ingest/webhook/:param': genericWebhookHandler({ ...deps, secret }) }),
  };
};
