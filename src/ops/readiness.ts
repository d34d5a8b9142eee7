import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebClient } from '@slack/web-api';
import type { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { sendJson } from '../http-server.js';

export type CheckResult = { ok: true; ms: number } | { ok: false; ms: number; error: string };
export type Check = () => Promise<void>;

const TIMEOUT_MS = 2000;

async function run(check: Check): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    // Only the message: a driver error can carry the connection string, and this answer is public.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, ms: Date.now() - started, error: message.replace(/\/\/[^@\s]*@/g, '//[redacted]@') };
  } finally {
    clearTimeout(timer);
  }
}

export const databaseCheck =
  (db: Database): Check =>
  async () => {
    await db.execute(sql`select 1`);
  };

export const redisCheck =
  (queue: Queue): Check =>
  async () => {
    // A real round trip through the queue's own connection (which waits out reconnects; hence the timeout).
    await queue.getJobCounts('waiting');
  };

/**
 * Slack's auth.test, remembered for a while when it succeeds: a load
 * balancer probing every few seconds must not spend our Slack rate limit.
 */
export function slackCheck(slack: WebClient, cacheMs = 30_000): Check {
  let okUntil = 0;
  return async () => {
    if (Date.now() < okUntil) return;
    await slack.auth.test();
    okUntil = Date.now() + cacheMs;
  };
}

/** GET /readyz: 200 when every dependency this role needs answers, 503 naming the ones that do not. */
export function readinessHandler(checks: Record<string, Check>, isStarted: () => boolean) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => run(checks[name]!)));
    const report = Object.fromEntries(names.map((name, index) => [name, results[index]]));
    const ready = isStarted() && results.every((result) => result.ok);
    sendJson(res, ready ? 200 : 503, { ready, started: isStarted(), checks: report });
  };
}
