import type { Config } from '../config.js';
import { blueskyNetwork } from './bluesky/network.js';
import { genericNetwork } from './generic/network.js';
import { mastodonNetwork } from './mastodon/network.js';
import { metaNetwork } from './meta/network.js';
import type { NetworkContext, NetworkParts, NetworkSetup } from './parts.js';
import { xNetwork } from './x/network.js';

/** Every network Firsthand speaks to: a new one is its folder and a line here. */
const NETWORKS: readonly NetworkSetup[] = [
  mastodonNetwork,
  xNetwork,
  metaNetwork,
  blueskyNetwork,
  genericNetwork,
];

/** The parts of every configured network, together. */
export function configuredNetworks(config: Config, context: NetworkContext): Required<NetworkParts> {
  const parts = NETWORKS.flatMap((setup) => setup(config, context) ?? []);
  return {
    connectors: parts.flatMap((part) => part.connectors),
    pollers: parts.flatMap((part) => part.pollers),
    routes: (deps) => Object.assign({}, ...parts.map((part) => part.routes?.(deps))),
  };
}
