import type { Logger } from 'pino';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import { readCursor, writeCursor } from '../db/cursors.repository.js';
import type { QuarantineEntry } from '../db/quarantine.repository.js';
import type { Pollable } from '../network/connector.js';
import { repeatWithoutOverlap } from '../ops/repeat.js';
import { acceptMentions, type IngestDeps, quarantine } from './accept-mentions.js';

export interface PollDeps extends IngestDeps {
  now: () => Date;
  /** How far back an account's first poll (no stored position) takes mentions. */
  firstLookbackHours: number;
}

export interface Polled {
  accepted: number;
  /** Left on the network by a first poll: older than the lookback. */
  tooOld: number;
  /** Items that break the mention contract, quarantined with the reason; absent when none. */
  quarantined?: number;
}

/**
 * One poll: read the stored position, fetch what is new, accept it, then
 * move the position on. Without a position the network hands back its whole
 * recent history; a newly connected account then starts from the last day
 * (the lookback), so the team is not handed months of settled mentions.
 *
 * Each item is checked against the contract on its own: one that breaks it
 * is quarantined and the rest of the page is stored, so a single bad post
 * never holds the position back (the poller would re-read that page forever).
 */
export async function pollOnce(deps: PollDeps, connector: Pollable): Promise<Polled> {
  const cursor = await readCursor(deps.db, connector.network, 'mentions');
  const { mentions: found, cursor: next } = await connector.poll(cursor);
  const source = `poll:${connector.network}`;
  const valid: Mention[] = [];
  const broken: QuarantineEntry[] = [];
  for (const item of found) {
    const parsed = MentionSchema.safeParse(item);
    if (parsed.success) valid.push(parsed.data);
    else {
      const { externalId } = (item ?? {}) as { externalId?: unknown };
      broken.push({
        source,
        reason: describeIssues(parsed.error),
        payload: item,
        network: connector.network,
        externalId: typeof externalId === 'string' ? externalId : undefined,
      });
    }
  }
  const since = deps.now().getTime() - deps.firstLookbackHours * 3_600_000;
  const mentions = cursor ? valid : valid.filter((m) => Date.parse(m.createdAt) >= since);
  await quarantine(deps, broken);
  const stored = mentions.length > 0 ? await acceptMentions(deps, mentions, source) : undefined;
  // Only after the mentions are stored: a crash in between re-fetches them, and ingest drops the duplicates.
  if (next && next !== cursor) await writeCursor(deps.db, connector.network, 'mentions', next);
  const quarantined = broken.length + (stored?.quarantined ?? 0);
  const polled = {
    accepted: mentions.length - (stored?.quarantined ?? 0),
    tooOld: valid.length - mentions.length,
  };
  return quarantined > 0 ? { ...polled, quarantined } : polled;
}

export function startPoller(
  deps: PollDeps & { logger: Logger },
  connector: Pollable,
  everySeconds: number,
): { stop(): Promise<void> } {
  return repeatWithoutOverlap(
    everySeconds * 1000,
    async () => {
      const { accepted, tooOld, quarantined } = await pollOnce(deps, connector);
      if (accepted > 0) deps.logger.info({ network: connector.network, count: accepted }, 'polled mentions');
      if (quarantined)
        deps.logger.warn({ network: connector.network, count: quarantined }, 'polled items quarantined');
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
