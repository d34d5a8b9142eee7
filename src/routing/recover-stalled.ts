import type { Network } from '../contract/mention.js';
import { mentionJobId } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { listUnrouted } from '../db/mentions.repository.js';
import { ensureJob, type Queues } from '../queue/queues.js';

/**
 * Redis may lose a job (a restart without persistence) or give up on one
 * (attempts used up while the database was down); PostgreSQL keeps the
 * mention. Mentions stored but never routed get their routing job back.
 */
export async function recoverStalled(
  deps: { db: Database; queues: Queues; now: () => Date },
  olderThanMs = 120_000,
): Promise<number> {
  const stalled = await listUnrouted(deps.db, new Date(deps.now().getTime() - olderThanMs), 500);
  for (const mention of stalled) {
    const jobId = mentionJobId(mention.network as Network, mention.externalId);
    await ensureJob(deps.queues.mentions, 'route', { mentionId: mention.id }, jobId);
  }
  return stalled.length;
}
