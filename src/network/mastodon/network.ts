import type { NetworkSetup } from '../parts.js';
import { createMastodonConnector } from './connector.js';

export const mastodonNetwork: NetworkSetup = (config) => {
  if (!config.mastodon) return undefined;
  const mastodon = createMastodonConnector(config.mastodon);
  const { pollSeconds } = config.mastodon;
  return {
    connectors: [mastodon],
    pollers: pollSeconds > 0 ? [{ connector: mastodon, everySeconds: pollSeconds }] : [],
  };
};
