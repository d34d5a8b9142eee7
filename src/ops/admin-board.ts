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

/** The BullMQ dashboard for these queues, behind the admin password. */
export function adminBoard(queues: Queue[], password: string): RequestListener {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(ADMIN_BASE_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: adapter });
  const router = adapter.getRouter() as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  return (req, res) => {
    if (!passwordMatches(req.headers.authorization, password)) {
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
