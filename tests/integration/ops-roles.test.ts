import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMention, readConvertedMentions } from '../../scripts/convert-twitter.js';
import { type Harness, startHarness } from '../support/app-harness.js';
import { sample } from '../support/prometheus.js';

const [first] = readConvertedMentions().filter((m) => m.kind === 'mention');

// One app per file: the harness drops its database as soon as the app stops, which races pg's pool shutdown.
describe('a process running only the ingest role', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { FIRSTHAND_ROLE: 'ingest' } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('accepts mentions and leaves them queued for a router, without Slack', async () => {
    expect((await h.postMentions(asMention(first!))).status).toBe(202);
    const metrics = await (await fetch(`${h.opsUrl}/metrics`)).text();
    expect(sample(metrics, 'firsthand_queue_jobs', { queue: 'mentions', state: 'waiting' })).toBe(1);
    const readiness = (await (await fetch(`${h.opsUrl}/readyz`)).json()) as { checks: object };
    expect(Object.keys(readiness.checks).sort()).toEqual(['database', 'redis']);
    expect((await fetch(`${h.baseUrl}/slack/events`, { method: 'POST' })).status).toBe(404);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
