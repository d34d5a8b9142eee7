import type { NetworkConnector } from '../connector.js';
import type { NetworkSetup } from '../parts.js';
import { createFacebookConnector } from './facebook.connector.js';
import type { SenderDirectory } from './graph.js';
import { createInstagramConnector, type InstagramConnector } from './instagram.connector.js';
import { metaEventsHandler, metaVerifyHandler } from './webhook.js';

/** Facebook and Instagram share Meta's Graph API and one webhook; each connects with its own token. */
export const metaNetwork: NetworkSetup = (config, { alertOwner }) => {
  const { meta } = config;
  if (!meta) return undefined;
  const connectors: NetworkConnector[] = [];
  // Who may name the sender of a Messenger or Instagram Direct message.
  const senders: Partial<Record<'facebook' | 'instagram', SenderDirectory>> = {};
  if (config.facebook) {
    const facebook = createFacebookConnector({
      graphUrl: meta.graphUrl,
      token: config.facebook.pageToken,
      onAuthFailure: (message) =>
        alertOwner(
          'facebook.token_invalid',
          `Facebook refused the Page token (FACEBOOK_PAGE_TOKEN); replies to Facebook are failing until it is renewed. Meta said: ${message}`,
        ),
    });
    connectors.push(facebook);
    senders.facebook = facebook;
  }
  let instagram: InstagramConnector | undefined;
  if (config.instagram) {
    instagram = createInstagramConnector({
      graphUrl: meta.graphUrl,
      token: config.instagram.token,
      userId: config.instagram.userId,
      onAuthFailure: (message) =>
        alertOwner(
          'instagram.token_invalid',
          `Instagram refused its token (INSTAGRAM_TOKEN); replies and @mention lookups are failing until it is renewed. Meta said: ${message}`,
        ),
    });
    connectors.push(instagram);
    senders.instagram = instagram;
  }
  return {
    connectors,
    pollers: [],
    routes: (deps) => ({
      'GET /ingest/meta/webhook': metaVerifyHandler({ verifyToken: meta.verifyToken }),
      'POST /ingest/meta/webhook': metaEventsHandler({
        ...deps,
        appSecret: meta.appSecret,
        resolveIgMention: instagram?.resolveMention,
        senders,
      }),
    }),
  };
};
