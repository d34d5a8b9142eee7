import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { bearerMatches, createHttpServer, type Route, sendJson } from '../http-server.js';

/**
 * The operations server: what operators and Prometheus read (/metrics,
 * /readyz, /stats, the queue dashboard mounted on it), on a port of its own so the
 * public port serves only Slack, ingest and /healthz. With a token, every
 * route but /healthz asks for it (the dashboard keeps its own password).
 */
export function createOpsServer(
  routes: { healthz: Route; readyz: Route; metrics: Route; stats?: Route },
  token: string | undefined,
  logger: Logger,
): Server {
  const guarded =
    (route: Route): Route =>
    (req, res) =>
      token && !bearerMatches(req.headers.authorization, token)
        ? sendJson(res, 401, { error: 'missing or wrong bearer token' })
        : route(req, res);
  return createHttpServer(
    {
      'GET /healthz': routes.healthz,
      'GET /readyz': guarded(routes.readyz),
      'GET /metrics': guarded(routes.metrics),
      'GET /stats': routes.stats && guarded(routes.stats),
    },
    undefined,
    logger,
  );
}

/** Loopback only; anything else is reachable by whoever shares the network. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.');
