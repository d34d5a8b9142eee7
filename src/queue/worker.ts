import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { retryAtOf, toAppError } from '../contract/errors.js';
import { connection, type QueueSettings } from './queues.js';

export interface WorkerOptions {
  concurrency: number;
  /** Jobs a second across all workers of this queue, for queues that talk to Slack or a network. */
  limiter?: { max: number; duration: number };
}

/**
 * Starts a worker whose payloads are parsed before the handler sees them. A
 * payload that cannot parse, or a permanent AppError, fails without retry;
 * a rate limit waits until the network's own reset time.
 */
export function startWorker<S extends z.ZodType>(
  settings: QueueSettings,
  name: string,
  schema: S,
  handler: (payload: z.output<S>, job: Job) => Promise<void>,
  logger: Logger,
  options: WorkerOptions,
): Worker {
  const worker = new Worker(
    name,
    async (job, token) => {
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`bad ${name} payload: ${parsed.error.message}`);
      try {
        await handler(parsed.data, job);
      } catch (error) {
        const appError = toAppError(error);
        const retryAt = retryAtOf(error);
        if (retryAt && token) {
          await job.moveToDelayed(retryAt.getTime(), token);
          throw new DelayedError();
        }
        logger.warn({ queue: name, jobId: job.id, code: appError.code, err: appError.message }, 'job failed');
        if (!appError.retryable) throw new UnrecoverableError(`${appError.code}: ${appError.message}`);
        throw appError;
      }
    },
    {
      connection: connection(settings),
      prefix: settings.prefix,
      concurrency: options.concurrency,
      ...(options.limiter ? { limiter: options.limiter } : {}),
    },
  );
  worker.on('error', (error) => logger.error({ queue: name, err: error.message }, 'worker error'));
  return worker;
}
