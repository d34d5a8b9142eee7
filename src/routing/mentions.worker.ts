import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { MentionJobSchema, QUEUE } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { type QueueSettings, type Queues, startWorker } from '../queueing.js';
import type { Policy } from './compiled-policy.js';
import { routeMention } from './route-mention.js';

export function startMentionsWorker(
  deps: { db: Database; queues: Queues; logger: Logger; now: () => Date; policy?: Policy },
  settings: QueueSettings,
  concurrency = 8,
): Worker {
  return startWorker(
    settings,
    QUEUE.mentions,
    MentionJobSchema,
    async ({ mentionId }) => {
      const outcome = await routeMention(deps, mentionId);
      deps.logger.debug({ mentionId, outcome }, 'mention routed');
    },
    deps.logger,
    { concurrency },
  );
}
