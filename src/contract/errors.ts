/**
 * One small error family. Codes are dotted (`reply.too_long`) so logs and
 * tests can match on them; `retryable` is the single place that decides
 * whether a queue job should be retried or given up.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Unknown failures (network hiccups, database restarts) are worth another try.
  return new AppError('internal.unexpected', message, true, { cause: error });
}

/**
 * An owed Slack row that cannot be sent yet (the message it threads under is
 * not in Slack): it is tried again shortly, and no call was made for it.
 */
export const NOT_READY = 'outbox.not_ready';
export const notReady = (why: string) => new AppError(NOT_READY, why, true);

/** The moment a rate-limited call may be retried, if the error carries one. */
export function retryAtOf(error: unknown): Date | undefined {
  const value = (error as { retryAt?: unknown } | null)?.retryAt;
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}
