import type { Network } from '../contract/mention.js';

/** "x:@Jane" and "x:jane" are one identity: the network plus the handle, lower case, without the @. */
export function identityKey(network: Network | string, handle: string): string {
  return `${network}:${handle.replace(/^@/, '').toLowerCase()}`;
}

export function parseIdentity(written: string): { network: string; handle: string; key: string } {
  const colon = written.indexOf(':');
  const network = written.slice(0, colon);
  const handle = written.slice(colon + 1).replace(/^@/, '');
  return { network, handle, key: identityKey(network, handle) };
}
