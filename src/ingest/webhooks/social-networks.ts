import type { Config } from '../../config.js';
import type { Route } from '../../http-server.js';
import { createBlueskyConnector } from '../../network/bluesky.connector.js';
import type { NetworkConnector, PollResult } from '../../network/connector.js';
import { createFacebookConnector } from '../../network/facebook.connector.js';
import { createGenericConnector } from '../../network/generic.connector.js';
import { createInstagramConnector, type InstagramConnector } from '../../network/instagram.connector.js';
import type { SenderDirectory } from '../../network/meta-graph.js';
import { createXConnector } from '../../network/x.connector.js';
import { genericWebhookHandler } from './generic.webhook.js';
import { metaEventsHandler, metaVerifyHandler } from './meta.webhook.js';
import type { WebhookDeps } from './webhook-body.js';
import { xCrcHandler, xEventsHandler } from './x.webhook.js';

type Pollable = NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> };

export interface SocialNetworks {
  connectors: NetworkConnector[];
  pollers: { connector: Pollable; everySeconds: number }[];
  instagram: InstagramConnector | undefined;
  /** Who may name the sender of a Messenger or Instagram Direct message. */
  senders: Partial<Record<'facebook' | 'instagram', SenderDirectory>>;
}

/**
 * The configured networks beyond Mastodon, built from config alone. A
 * refused Meta token is the one failure only a person can fix, so it is
 * handed to `alertOwner`.
 */
export function socialConnectors(
  config: Config,
  alertOwner: (kind: string, text: string) => unknown,
): SocialNetworks {
  const connectors: NetworkConnector[] = [];
  const pollers: SocialNetworks['pollers'] = [];
  if (config.x) {
    const x = createXConnector({ apiUrl: config.x.apiUrl, token: config.x.token, userId: config.x.userId });
    connectors.push(x);
    if (config.x.pollSeconds > 0) pollers.push({ connector: x, everySeconds: config.x.pollSeconds });
  }
  const senders: SocialNetworks['senders'] = {};
  if (config.meta && config.facebook) {
    const facebook = createFacebookConnector({
      graphUrl: config.meta.graphUrl,
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
  if (config.meta && config.instagram) {
    instagram = createInstagramConnector({
      graphUrl: config.meta.graphUrl,
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
  if (config.bluesky) {
    const bluesky = createBlueskyConnector(config.bluesky);
    connectors.push(bluesky);
    if (config.bluesky.pollSeconds > 0) {
      pollers.push({ connector: bluesky, everySeconds: config.bluesky.pollSeconds });
    }
  }
  if (config.generic?.replyUrl) {
    connectors.push(
      createGenericConnector({ replyUrl: config.generic.replyUrl, secret: config.generic.secret }),
    );
  }
  return { connectors, pollers, instagram, senders };
}

/** The webhook endpoints of the configured networks. */
export function networkRoutes(
  config: Config,
  deps: WebhookDeps & { now: () => Date },
  social: SocialNetworks,
): Record<string, Route> {
  const routes: Record<string, Route> = {};
  if (config.x?.consumerSecret) {
    routes['GET /ingest/x/webhook'] = xCrcHandler({ consumerSecret: config.x.consumerSecret });
    routes['POST /ingest/x/webhook'] = xEventsHandler({ ...deps, consumerSecret: config.x.consumerSecret });
  }
  if (config.meta) {
    routes['GET /ingest/meta/webhook'] = metaVerifyHandler({ verifyToken: config.meta.verifyToken });
    routes['POST /ingest/meta/webhook'] = metaEventsHandler({
      ...deps,
      appSecret: config.meta.appSecret,
      resolveIgMention: social.instagram?.resolveMention,
      senders: social.senders,
    });
  }
  if (config.generic) {
    routes['POST /ingest/webhook/:param'] = genericWebhookHandler({ ...deps, secret: config.generic.secret });
  }
  return routes;
}
