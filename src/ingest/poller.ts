import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import { readCursor, writeCursor } from '../db/cursors.repository.js';
import type { NetworkConnector, PollResult } from '../network/connector.js';
import type { Queues } from '../queueing.js';
import { repeatWithoutOverlap } from '../repeat.js';
import { acceptMentions } from './accept-mentions.js';

type Pollable = NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> };

export interface PollDeps {
  db: Database;
  queues: Queues;
  now: () => Date;
  /** How far back an account's first poll (no stored position) takes mentions. */
  firstLookbackHours: number;
}

export interface Polled {
  accepted: number;
  /** Left on the network by a first poll: older than the lookback. */
  tooOld: number;
}

/**
 * One poll: read the stored position, fetch what is new, accept it, then
 * move the position on. Without a position the network hands back its whole
 * recent history; a newly connected account then starts from the last day
 * (the lookback), so the team is not handed months of settled mentions.
 */
export async function pollOnce(deps: PollDeps, connector: Pollable): Promise<Polled> {
  const cursor = await readCursor(deps.db, connector.network, 'mentions');
  const { mentions: found, cursor: next } = await connector.poll(cursor);
  const since = deps.now().getTime() - deps.firstLookbackHours * 3_600_000;
  const mentions = cursor ? found : found.filter((m) => Date.parse(m.createdAt) >= since);
  if (mentions.length > 0) await acceptMentions(deps, mentions, `poll:${connector.network}`);
  // Only after the mentions are stored: a crash in between re-fetches them, and ingest drops the duplicates.
  if (next && next !== cursor) await writeCursor(deps.db, connector.network, 'mentions', next);
  return { accepted: mentions.length, tooOld: found.length - mentions.length };
}

export function startPoller(
  deps: PollDeps & { logger: Logger },
  connector: Pollable,
  everySeconds: number,
): { stop(): Promise<void> } {
  return repeatWithoutOverlap(
    everySeconds * 1000,
    async () => {
      const { accepted, tooOld } = await pollOnce(deps, connector);
      if (accepted > 0) deps.logger.info({ network: connector.network, count: accepted }, 'polled mentions');
      if (tooOld > 0)
        deps.logger.info(
          { network: connector.network, count: tooOld, lookbackHours: deps.firstLookbackHours },
          'first poll: older mentions left on the network',
        );
    },
    (error) => deps.logger.warn({ network: connector.network, err: error.message }, 'poll failed'),
    { immediately: true },
  );
}
