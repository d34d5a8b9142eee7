import { describe, expect, it } from 'vitest';
import { alertWork, SlackWorkSchema, slackWorkKey } from '../../../src/contract/slack-work.js';

describe('owner alerts for a dead network token', () => {
  const at = (iso: string) =>
    alertWork('facebook.token_invalid', 'Facebook refused the Page token', new Date(iso));

  it('shares one outbox key within a clock hour, so repeats are owed once', () => {
    expect(slackWorkKey(at('2026-11-22T10:01:00Z'))).toBeDefined();
    expect(slackWorkKey(at('2026-11-22T10:01:00Z'))).toBe(slackWorkKey(at('2026-11-22T10:59:59Z')));
    expect(SlackWorkSchema.safeParse(at('2026-11-22T10:01:00Z')).success).toBe(true);
  });

  it('alerts again the next hour, and separately for another kind', () => {
    expect(slackWorkKey(at('2026-11-22T11:00:00Z'))).not.toBe(slackWorkKey(at('2026-11-22T10:59:59Z')));
    const other = alertWork('instagram.token_invalid', 'x', new Date('2026-11-22T10:01:00Z'));
    expect(slackWorkKey(other)).not.toBe(slackWorkKey(at('2026-11-22T10:01:00Z')));
    expect(slackWorkKey(other)).not.toContain(':');
  });
});
