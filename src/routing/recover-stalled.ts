import type { Network } from '../contract/mention.js';
import { mentionJobId } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { listStalled } from '../db/mentions.repository.js';
import { ensureCard, ensureJob, type Queues } from '../queueing.js';

/**
 * Redis may lose a job (a restart without persistence) or give up on one
 * (attempts used up while Slack or the database was down); PostgreSQL keeps
 * the mention. Mentions stored but never shown in Slack get their next job
 * back: routing if they were never routed, the notification otherwise.
 */
export async function recoverStalled(
  deps: { db: Database; queues: Queues; now: () => Date },
  olderThanMs = 120_000,
): Promise<number> {
  const stalled = await listStalled(deps.db, new Date(deps.now().getTime() - olderThanMs), 500);
  for (const mention of stalled) {
    if (mention.routedAt) {
      await ensureCard(deps.queues, mention.id, { unheld: mention.unheldCard });
    } else {
      const jobId = mentionJobId(mention.network as Network, mention.externalId);
      await ensureJob(deps.queues.mentions, 'route', { mentionId: mention.id }, jobId);
    }
  }
  return stalled.length;
}
