import { AppError } from '../contract/errors.js';
import { replyJobId } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { listQueuedReplies } from '../db/replies.repository.js';
import { ensureJob, type Queues } from '../queue/queues.js';
import { recordFailure } from './replies.worker.js';

/** Past this, a reply no job is running is reported failed rather than sent: it answers a stale moment. */
export const REPLY_GIVE_UP_MS = 60 * 60_000;

/**
 * A reply someone wrote must reach the customer or come back to its writer
 * as failed; it must never sit queued unseen. Its job can be lost (Redis
 * restarted without persistence) or give up (attempts used up while the
 * network was down), and PostgreSQL still holds the reply as queued. Such
 * replies get their job back; one that has waited past REPLY_GIVE_UP_MS with
 * no job left to run it is marked failed and its writer told, so they can
 * answer another way. A job still waiting, delayed or running is left alone,
 * so nothing is failed while it is being posted.
 */
export async function recoverQueuedReplies(
  deps: { db: Database; queues: Queues; now: () => Date },
  olderThanMs = 120_000,
): Promise<{ requeued: number; failed: number }> {
  const now = deps.now().getTime();
  const queued = await listQueuedReplies(deps.db, new Date(now - olderThanMs), 200);
  let requeued = 0;
  let failed = 0;
  for (const reply of queued) {
    const jobId = replyJobId(reply.id);
    if (now - reply.createdAt.getTime() < REPLY_GIVE_UP_MS) {
      await ensureJob(deps.queues.replies, 'post', { replyId: reply.id }, jobId);
      requeued++;
      continue;
    }
    const job = await deps.queues.replies.getJob(jobId);
    const state = job ? await job.getState() : 'missing';
    if (state !== 'missing' && state !== 'failed' && state !== 'completed') continue;
    const why = job?.failedReason ? `: ${job.failedReason}` : '';
    await recordFailure(
      deps,
      reply,
      new AppError(
        'reply.gave_up',
        `it could not be posted within ${REPLY_GIVE_UP_MS / 60_000} minutes${why}`,
      ),
    );
    failed++;
  }
  return { requeued, failed };
}
