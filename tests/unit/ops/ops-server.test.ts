import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../../../src/http-server.js';
import { failedAttempts } from '../../../src/ops/admin-board.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { createOpsServer } from '../../../src/ops/ops-server.js';
import { serveOnLoopback } from '../../support/loopback.js';

const TOKEN = 'ops-token-for-tests-0123';

describe('the operations server behind OPS_TOKEN', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countQuarantined('webhook:generic:reviews', 2);
    metrics.countQuarantined('poll:x', 1);
    const server = createOpsServer(
      {
        healthz: (_req, res) => sendJson(res, 200, { ok: true }),
        readyz: (_req, res) => sendJson(res, 200, { ready: true }),
        metrics: (req, res) => metrics.handler(req, res),
      },
      TOKEN,
      pino({ level: 'silent' }),
    );
    ({ url, close } = await serveOnLoopback(server));
  });
  afterAll(() => close());

  it('asks for the token on /metrics and /readyz, not on /healthz', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/readyz`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      200,
    );
  });

  it('counts quarantined items by network source on /metrics', async () => {
    const text = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text();
    expect(text).toContain('firsthand_quarantined_items_total{source="webhook:generic"} 2');
    expect(text).toContain('firsthand_quarantined_items_total{source="poll:x"} 1');
  });
});

describe('wrong admin passwords', () => {
  it('block an address once over the limit, until its window ends, and no other address', () => {
    let now = 0;
    const attempts = failedAttempts({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 2; i++) attempts.fail('10.0.0.1');
    expect(attempts.blockedFor('10.0.0.1')).toBe(0);
    attempts.fail('10.0.0.1');
    now = 15_000;
    expect(attempts.blockedFor('10.0.0.1')).toBe(45);
    expect(attempts.blockedFor('10.0.0.2')).toBe(0);
    now = 60_000;
    expect(attempts.blockedFor('10.0.0.1')).toBe(0);
  });
});
