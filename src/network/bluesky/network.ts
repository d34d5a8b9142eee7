import type { NetworkSetup } from '../parts.js';
import { createBlueskyConnector } from './connector.js';

export const blueskyNetwork: NetworkSetup = (config) => {
  if (!config.bluesky) return undefined;
  const bluesky = createBlueskyConnector(config.bluesky);
  const { pollSeconds } = config.bluesky;
  return {
    connectors: [bluesky],
    pollers: pollSeconds > 0 ? [{ connector: bluesky, everySeconds: pollSeconds }] : [],
  };
};
