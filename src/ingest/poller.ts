import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { readCursor, writeCursor } from '../db/cursors.repository.js';
import type { NetworkConnector, PollResult } from '../network/connector.js';
import type { Queues } from '../queueing.js';
import { repeatWithoutOverlap } from '../repeat.js';
import { acceptMentions } from './accept-mentions.js';

type Pollable = NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> };

/** One poll: read the stored position, fetch what is new, accept it, then move the position on. */
export async function pollOnce(deps: { db: Database; queues: Queues }, connector: Pollable): Promise<number> {
  const cursor = await readCursor(deps.db, connector.network, 'mentions');
  const { mentions, cursor: next } = await connector.poll(cursor);
  if (mentions.length > 0) await acceptMentions(deps, mentions, `poll:${connector.network}`);
  // Only after the mentions are stored: a crash in between re-fetches them, and ingest drops the duplicates.
  if (next && next !== cursor) await writeCursor(deps.db, connector.network, 'mentions', next);
  return mentions.length;
}

export function startPoller(
  deps: { db: Database; queues: Queues; logger: Logger },
  connector: Pollable,
  everySeconds: number,
): { stop(): Promise<void> } {
  return repeatWithoutOverlap(
    everySeconds * 1000,
    async () => {
      const count = await pollOnce(deps, connector);
      if (count > 0) deps.logger.info({ network: connector.network, count }, 'polled mentions');
    },
    (error) => deps.logger.warn({ network: connector.network, err: error.message }, 'poll failed'),
    { immediately: true },
  );
}
