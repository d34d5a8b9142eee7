import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMention, readConvertedMentions } from '../../scripts/convert-twitter.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { sample } from '../support/prometheus.js';

const ADMIN_PASSWORD = 'admin-password-for-tests';
const [first] = readConvertedMentions().filter((m) => m.kind === 'mention');

const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

describe('operations endpoints of a running app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_PASSWORD } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('is ready when the database, Redis and Slack answer', async () => {
    const response = await fetch(`${h.opsUrl}/readyz`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ready).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['database', 'redis', 'slack']);
    expect(Object.values(body.checks).every((check) => check.ok)).toBe(true);
    expect(h.slack.callsTo('auth.test').length).toBeGreaterThan(0);
  });

  it('counts processed jobs per queue, times them, and shows nothing owed to Slack once a mention reaches it', async () => {
    expect((await h.postMentions(asMention(first!))).status).toBe(202);
    await waitFor(() => h.slack.callsTo('chat.postMessage')[0]);
    const text = await waitFor(async () => {
      const body = await (await fetch(`${h.opsUrl}/metrics`)).text();
      return sample(body, 'firsthand_slack_outbox_pending') === 0 && body;
    });
    expect(sample(text, 'firsthand_jobs_processed_total', { queue: 'mentions' })).toBe(1);
    expect(sample(text, 'firsthand_job_latency_seconds_count', { queue: 'mentions', phase: 'total' })).toBe(
      1,
    );
    expect(sample(text, 'firsthand_queue_jobs', { queue: 'mentions', state: 'waiting' })).toBe(0);
    expect(text).toContain('firsthand_process_resident_memory_bytes');
  });

  it('answers the response-time figures as JSON on /stats, and 400 for a period it does not know', async () => {
    const response = await fetch(`${h.opsUrl}/stats?period=month`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { period: string; team: { opened: number } };
    expect(body.period).toBe('month');
    expect(body.team.opened).toBeGreaterThanOrEqual(0);
    const bad = await fetch(`${h.opsUrl}/stats?period=fortnight`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'period' });
  });

  it('keeps the queue dashboard behind the admin password', async () => {
    const none = await fetch(`${h.opsUrl}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await fetch(`${h.opsUrl}/admin/queues/api/queues`, {
      headers: { authorization: basic(`${ADMIN_PASSWORD}x`) },
    });
    expect(wrong.status).toBe(401);
    const page = await fetch(`${h.opsUrl}/admin/queues`, {
      headers: { authorization: basic(ADMIN_PASSWORD) },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${h.opsUrl}/admin/queues/api/queues`, {
      headers: { authorization: basic(ADMIN_PASSWORD) },
    });
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string }[] };
    expect(queues.map((q) => q.name).sort()).toEqual(['mentions', 'replies']);
  });

  it('serves only Slack, ingest and /healthz on the public port', async () => {
    for (const path of ['/metrics', '/readyz', '/stats', '/admin/queues', '/admin/queues/api/queues']) {
      const response = await fetch(`${h.baseUrl}${path}`, {
        headers: { authorization: basic(ADMIN_PASSWORD) },
      });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.opsUrl}/healthz`)).status).toBe(200);
  });

  // Last: it locks this address out of the dashboard for the rest of the window.
  it('refuses every password with 429 after repeated wrong ones from the same address', async () => {
    const attempt = (password: string) =>
      fetch(`${h.opsUrl}/admin/queues/api/queues`, { headers: { authorization: basic(password) } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(`guess-${i}-wrong-password`)).status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.at(-1)).toBe(429);
    const right = await attempt(ADMIN_PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
