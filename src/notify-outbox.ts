import { type NotifyJob, NotifyJobSchema } from './contract/queues.js';
import type { Database, Executor } from './db/client.js';
import { addToOutbox, listOutbox, type OutboxRow, removeFromOutbox } from './db/outbox.repository.js';
import { enqueueNotify, type Queues } from './queueing.js';

/**
 * Writes what a change owes Slack in the change's own transaction, so a commit never loses it: `jobs`
 * to run at once, `later` each at its own time (a snooze's end).
 */
export function oweNotifications(
  tx: Executor,
  jobs: readonly NotifyJob[],
  later: readonly { job: NotifyJob; at: Date }[] = [],
): Promise<OutboxRow[]> {
  return addToOutbox(tx, [
    ...jobs.map((job) => ({ job })),
    ...later.map((l) => ({ job: l.job, runAt: l.at })),
  ]);
}

/**
 * Puts owed work on the notify queue and clears its rows. If Redis cannot
 * take it, the rows stay and sweepOutbox queues them later; a row queued
 * twice (queued, then not cleared) is one job, by the job's id or the row's.
 */
export async function deliverOwed(
  deps: { db: Database; queues: Queues },
  rows: readonly OutboxRow[],
): Promise<{ queued: number; unreadable: number }> {
  const done: number[] = [];
  let unreadable = 0;
  try {
    for (const row of rows) {
      const job = NotifyJobSchema.safeParse(row.job);
      // Written by an older version in a shape no worker reads now: it can never be delivered.
      if (!job.success) unreadable++;
      else {
        // A job with no id of its own (a Home redraw, a note to one person) takes its row's, so a row
        // queued and then not cleared is still one job.
        const fallbackId = `o-${row.id}`;
        await enqueueNotify(
          deps.queues,
          job.data,
          row.runAt ? { at: row.runAt, fallbackId } : { fallbackId },
        );
      }
      done.push(row.id);
    }
  } finally {
    await removeFromOutbox(deps.db, done);
  }
  return { queued: done.length - unreadable, unreadable };
}

/** Queues what changes committed over `olderThanMs` ago still owe Slack. */
export async function sweepOutbox(
  deps: { db: Database; queues: Queues; now: () => Date },
  olderThanMs = 30_000,
): Promise<{ queued: number; unreadable: number }> {
  const rows = await listOutbox(deps.db, new Date(deps.now().getTime() - olderThanMs), 500);
  return deliverOwed(deps, rows);
}
