import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The shared shell of every stand-in: a loopback HTTP server on a free port. */
export interface StandinServer {
  url: string;
  close(): Promise<void>;
  /**
   * The next `count` requests to `method` on a path starting with `pathPrefix` are carried out in
   * full, but the connection is cut instead of answering: the caller cannot tell whether they were,
   * as after a timeout or a proxy that drops the answer.
   */
  loseAnswers(method: string, pathPrefix: string, count?: number): void;
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>,
): Promise<StandinServer> {
  const losing: { method: string; pathPrefix: string; count: number }[] = [];
  const server: Server = createServer((req, res) => {
    const lost = losing.find(
      (l) => l.count > 0 && l.method === req.method && (req.url ?? '').startsWith(l.pathPrefix),
    );
    if (lost) {
      lost.count--;
      // Whatever the handler answers goes nowhere: the socket closes in its place.
      res.writeHead = (() => res) as typeof res.writeHead;
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as typeof res.end;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error.message }));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    loseAnswers(method, pathPrefix, count = 1) {
      losing.push({ method, pathPrefix, count });
    },
  };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}
