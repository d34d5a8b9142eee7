import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeResponseFigures, type Period } from '../../../src/bot/response-figures.js';
import { sendJson } from '../../../src/http-server.js';
import { failedAttempts } from '../../../src/ops/admin-board.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { createOpsServer } from '../../../src/ops/ops-server.js';
import { statsRoute } from '../../../src/ops/stats-route.js';
import { serveOnLoopback } from '../../support/loopback.js';

const TOKEN = 'ops-token-for-tests-0123';

describe('the operations server behind OPS_TOKEN', () => {
  let url: string;
  let close: () => Promise<void>;
  const asked: Period[] = [];
  beforeAll(async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countQuarantined('webhook:generic:reviews', 2);
    metrics.countQuarantined('poll:x', 1);
    const server = createOpsServer(
      {
        healthz: (_req, res) => sendJson(res, 200, { ok: true }),
        readyz: (_req, res) => sendJson(res, 200, { ready: true }),
        metrics: (req, res) => metrics.handler(req, res),
        stats: statsRoute(async (period) => {
          asked.push(period);
          const now = new Date('2025-06-02T10:00:00Z');
          return computeResponseFigures({
            period,
            now,
            conversations: [],
            timeouts: [],
            staffNames: new Map(),
          });
        }),
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

  it('answers /stats as JSON behind the token, for a week unless asked for a month', async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await fetch(`${url}/stats`)).status).toBe(401);
    const week = await fetch(`${url}/stats`, auth);
    expect(week.status).toBe(200);
    expect(week.headers.get('content-type')).toBe('application/json');
    expect(await week.json()).toMatchObject({
      period: 'week',
      from: '2025-05-26T10:00:00.000Z',
      to: '2025-06-02T10:00:00.000Z',
      team: { opened: 0, medianFirstResponseMinutes: null, withinTarget: { share: null } },
      people: [],
      networks: [],
    });
    expect(await (await fetch(`${url}/stats?period=month`, auth)).json()).toMatchObject({ period: 'month' });
    expect(asked).toEqual(['week', 'month']);
  });

  it('refuses a /stats query it cannot read with 400 naming the field', async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const year = await fetch(`${url}/stats?period=year`, auth);
    expect(year.status).toBe(400);
    expect(await year.json()).toMatchObject({ field: 'period', error: expect.stringMatching(/^period: /) });
    const typo = await fetch(`${url}/stats?perod=month`, auth);
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ field: 'perod' });
    expect(asked).toEqual(['week', 'month']);
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
