import { type NotifyJob, notifyJobId } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { listOverdueSnoozes } from '../db/conversation-changes.repository.js';
import { ensureJob, type Queues } from '../queueing.js';

/**
 * A snooze ends by a job delayed in Redis until its time. Redis restarted
 * without persistence loses it, and the conversation would stay put aside
 * with nobody reminded. A snooze past its end by `graceMs` with no end
 * recorded gets its job back; one still waiting in the queue is left alone.
 * Returns how many had to be queued again.
 */
export async function recoverOverdueSnoozes(
  deps: { db: Database; queues: Queues; now: () => Date },
  graceMs = 60_000,
): Promise<number> {
  const overdue = await listOverdueSnoozes(deps.db, new Date(deps.now().getTime() - graceMs));
  let requeued = 0;
  for (const { conversationId, eventId } of overdue) {
    const job: NotifyJob = { type: 'snooze_end', conversationId, eventId };
    if (await ensureJob(deps.queues.notify, job.type, job, notifyJobId(job)!)) requeued++;
  }
  return requeued;
}
