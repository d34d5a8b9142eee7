import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from 'pino';
import { AppError } from './contract/errors.js';

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

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
// Past the limit the rest is read and dropped, so the 413 reaches a sender still sending (closing
// the socket under it is a reset, and the answer is lost); past this many times the limit, it is cut.
const DRAIN_FACTOR = 8;

export class BodyTooLargeError extends AppError {
  constructor(readonly limitBytes: number) {
    super('http.body_too_large', `body larger than ${limitBytes} bytes`);
  }
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      reject(new BodyTooLargeError(limit));
      req.removeAllListeners('data');
      let drained = 0;
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > DRAIN_FACTOR * limit) req.destroy();
      });
      req.resume();
    };
    if (Number(req.headers['content-length']) > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge();
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** 413 with a JSON body naming the limit. */
export function sendTooLarge(res: ServerResponse, error: BodyTooLargeError): void {
  sendJson(res, 413, { error: error.message, limitBytes: error.limitBytes });
}

/** Compares hashes so neither the token's content nor its length leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
