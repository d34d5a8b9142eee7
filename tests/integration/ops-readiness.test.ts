import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMention, readConvertedMentions } from '../../scripts/convert-twitter.js';
import { type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { sample } from '../support/prometheus.js';

const [, second] = readConvertedMentions().filter((m) => m.kind === 'mention');

// One app per file: the harness drops its database as soon as the app stops, which races pg's pool shutdown.
describe('operations endpoints when Slack is unreachable', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    // Slack goes away after start-up, before anyone asked whether we are ready.
    await h.slack.close();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('is not ready, names Slack, counts the failed Slack calls and keeps the card owed; no dashboard without a password', async () => {
    const response = await fetch(`${h.opsUrl}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.checks.database?.ok).toBe(true);
    expect(body.checks.redis?.ok).toBe(true);
    expect(body.checks.slack?.ok).toBe(false);

    await h.postMentions(asMention(second!));
    const text = await waitFor(async () => {
      const metrics = await (await fetch(`${h.opsUrl}/metrics`)).text();
      const errors = sample(metrics, 'firsthand_external_call_errors_total', {
        service: 'slack',
        method: 'chat.postMessage',
        error: 'slack_webapi_request_error',
      });
      const owed = sample(metrics, 'firsthand_slack_outbox_pending');
      return (errors ?? 0) >= 1 && (owed ?? 0) >= 1 && metrics;
    });
    // The card is kept, owed, until Slack answers.
    expect(sample(text, 'firsthand_slack_outbox_pending')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${h.opsUrl}/admin/queues`)).status).toBe(404);
  });
});
