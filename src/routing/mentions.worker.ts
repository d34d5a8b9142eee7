import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { MentionJobSchema, QUEUE } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import type { QueueSettings, Queues } from '../queue/queues.js';
import { startWorker } from '../queue/worker.js';
import type { Policy } from './compiled-policy.js';
import { routeMention } from './route-mention.js';
import type { StormWatch } from './storm/storm-watch.js';
import { failSoft } from './triage/fail-soft.js';
import type { Triage } from './triage/llm-triage.js';

export function startMentionsWorker(
  deps: {
    db: Database;
    queues: Queues;
    logger: Logger;
    now: () => Date;
    policy?: Policy;
    /** The optional model triage (TRIAGE_LLM_URL); routing never fails because of it. */
    triage?: Triage;
    storm?: StormWatch | undefined;
  },
  settings: QueueSettings,
  concurrency = 8,
): Worker {
  const routeDeps = {
    ...deps,
    triage: deps.triage && failSoft(deps.triage, deps.logger),
    storm: deps.storm,
  };
  return startWorker(
    settings,
    QUEUE.mentions,
    MentionJobSchema,
    async ({ mentionId }) => {
      const outcome = await routeMention(routeDeps, mentionId);
      deps.logger.debug({ mentionId, outcome }, 'mention routed');
    },
    deps.logger,
    { concurrency },
  );
}
