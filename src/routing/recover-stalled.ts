import type { Network } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import { listStalled } from '../db/mentions.repository.js';
import { enqueueMention, type Queues } from '../queueing.js';

/**
 * Redis may lose a job (a restart without persistence); PostgreSQL does not
 * lose the mention. Mentions stored but never shown in Slack are queued again
 * under their usual job id, which BullMQ ignores while the original job lives.
 */
export async function recoverStalled(
  deps: { db: Database; queues: Queues; now: () => Date },
  olderThanMs = 120_000,
): Promise<number> {
  const stalled = await listStalled(deps.db, new Date(deps.now().getTime() - olderThanMs), 500);
  for (const mention of stalled) {
    await enqueueMention(deps.queues, { ...mention, network: mention.network as Network });
  }
  return stalled.length;
}
