import type { Route } from '../../http-server.js';
import type { NetworkSetup } from '../parts.js';
import { createXConnector } from './connector.js';
import { xCrcHandler, xEventsHandler } from './webhook.js';

export const xNetwork: NetworkSetup = (config) => {
  if (!config.x) return undefined;
  const { apiUrl, token, userId, consumerSecret, pollSeconds } = config.x;
  const x = createXConnector({ apiUrl, token, userId });
  return {
    connectors: [x],
    pollers: pollSeconds > 0 ? [{ connector: x, everySeconds: pollSeconds }] : [],
    // Account Activity webhooks are signed with the consumer secret; without it X is polled only.
    routes: (deps): Record<string, Route> =>
      consumerSecret
        ? {
            'GET /ingest/x/webhook': xCrcHandler({ consumerSecret }),
            'POST /ingest/x/webhook': xEventsHandler({ ...deps, consumerSecret }),
          }
        : {},
  };
};
