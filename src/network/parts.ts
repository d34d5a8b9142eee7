import type { Config } from '../config.js';
import type { Route } from '../http-server.js';
import type { WebhookDeps } from '../ingest/webhook-body.js';
import type { NetworkConnector, Pollable } from './connector.js';

/** What one configured network adds to a running Firsthand. */
export interface NetworkParts {
  /** How replies go out; the replies worker finds them by network. */
  connectors: NetworkConnector[];
  /** Connectors asked for new mentions every so often, where ingest runs. */
  pollers: { connector: Pollable; everySeconds: number }[];
  /** Webhook endpoints by "METHOD /path", served where ingest runs. */
  routes?(deps: WebhookDeps & { now: () => Date }): Record<string, Route>;
}

export interface NetworkContext {
  /** A refused token is the one failure only a person can fix, so it is handed to the owner. */
  alertOwner(kind: string, text: string): unknown;
}

/** A network's parts, built from config alone; undefined when the network is not configured. */
export type NetworkSetup = (config: Config, context: NetworkContext) => NetworkParts | undefined;
