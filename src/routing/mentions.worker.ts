import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { MentionJobSchema, QUEUE } from '../contract/queues.js';
import type { Database } from '../db/client.js';
import { enqueueHeld, type QueueSettings, type Queues } from '../queue/queues.js';
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
    async ({ mentionId, held }) => {
      const outcome = await routeMention(routeDeps, mentionId, { held: held === true });
      // Held in a storm: routed again after the hold, its story's cluster found by then or a card of its own.
      if (outcome === 'held')
        await enqueueHeld(deps.queues, mentionId, (deps.policy?.file.storm.holdSeconds ?? 15) * 1000);
      deps.logger.debug({ mentionId, outcome }, 'mention routed');
    },
    deps.logger,
    { concurrency },
  );
}
