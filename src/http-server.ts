import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from 'pino';
import { AppError } from './errors.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * One small server for every HTTP entry point: exact paths, one method
 * each, and a 500 that never leaks internals.
 */
export function createHttpServer(
  routes: Record<string, Route | undefined>,
  slackListener: RequestListener | undefined,
  logger: Logger,
): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/slack/events' && slackListener) return slackListener(req, res);
    // Exact paths first; then one trailing parameter, registered as 'POST /ingest/webhook/:param'.
    const route =
      routes[`${req.method} ${path}`] ??
      routes[`${req.method} ${path.slice(0, path.lastIndexOf('/'))}/:param`];
    if (!route) return sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
    Promise.resolve(route(req, res)).catch((error: Error) => {
      logger.error({ err: error.message, path }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
  });
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new AppError('http.body_too_large', `body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
