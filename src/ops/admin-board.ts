import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';

export const ADMIN_BASE_PATH = '/admin/queues';

/**
 * Basic auth against the configured password (any user name). Both sides are
 * hashed first, so the comparison takes the same time whatever was sent and
 * the password's length does not leak.
 */
export function passwordMatches(header: string | undefined, password: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const given = colon >= 0 ? decoded.slice(colon + 1) : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(password)) && given.length > 0;
}

export interface AttemptLimit {
  /** Wrong passwords one address may send in a window before it is refused with 429. */
  maxFailures: number;
  windowMs: number;
  now: () => number;
}

const DEFAULT_LIMIT: AttemptLimit = { maxFailures: 10, windowMs: 15 * 60_000, now: Date.now };
// Addresses remembered at most; past it the expired windows are forgotten, then all of them.
const TRACKED_MAX = 10_000;

/**
 * Counts wrong passwords per address in fixed windows. Once an address is
 * over the limit even the right password is refused until its window ends,
 * or guessing would simply go on at the limit's pace.
 */
export function failedAttempts(limit: AttemptLimit = DEFAULT_LIMIT) {
  const windows = new Map<string, { failures: number; resetAt: number }>();
  const current = (address: string) => {
    const entry = windows.get(address);
    if (entry && entry.resetAt > limit.now()) return entry;
    windows.delete(address);
    return undefined;
  };
  return {
    /** Seconds until this address may try again, or 0 when it may now. */
    blockedFor(address: string): number {
      const entry = current(address);
      return entry && entry.failures >= limit.maxFailures
        ? Math.ceil((entry.resetAt - limit.now()) / 1000)
        : 0;
    },
    fail(address: string): void {
      const entry = current(address);
      if (entry) {
        entry.failures += 1;
        return;
      }
      if (windows.size >= TRACKED_MAX) {
        for (const [key, value] of windows) if (value.resetAt <= limit.now()) windows.delete(key);
        if (windows.size >= TRACKED_MAX) windows.clear();
      }
      windows.set(address, { failures: 1, resetAt: limit.now() + limit.windowMs });
    },
  };
}

/** The BullMQ dashboard for these queues, behind the admin password, with wrong passwords rate-limited. */
export function adminBoard(
  queues: Queue[],
  password: string,
  limit: AttemptLimit = DEFAULT_LIMIT,
): RequestListener {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(ADMIN_BASE_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: adapter });
  const router = adapter.getRouter() as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  const attempts = failedAttempts(limit);
  return (req, res) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = attempts.blockedFor(address);
    if (wait > 0) {
      res
        .writeHead(429, { 'retry-after': String(wait), 'content-type': 'text/plain' })
        .end('too many wrong passwords; try again later');
      return;
    }
    if (!passwordMatches(req.headers.authorization, password)) {
      // A request without credentials is a browser asking for them, not a guess.
      if (req.headers.authorization) attempts.fail(address);
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="Firsthand admin", charset="UTF-8"' })
        .end('password required');
      return;
    }
    // The adapter's router expects to be mounted, as with app.use(prefix): paths arrive relative to it.
    const url = req.url ?? '/';
    req.url = url.startsWith(ADMIN_BASE_PATH) ? url.slice(ADMIN_BASE_PATH.length) || '/' : url;
    router(req, res, () => res.writeHead(404).end('not found'));
  };
}

/**
 * Serves every path under `prefix` with `listener`, ahead of the server's own
 * exact-path routes, which cannot express a prefix.
 */
export function mountPrefix(server: Server, prefix: string, listener: RequestListener): void {
  const existing = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === prefix || path.startsWith(`${prefix}/`)) return listener(req, res);
    for (const original of existing) original(req, res);
  });
}
