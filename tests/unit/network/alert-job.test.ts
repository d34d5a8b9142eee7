import { describe, expect, it } from 'vitest';
import { alertJob, NotifyJobSchema, notifyJobId } from '../../../src/contract/queues.js';

describe('owner alerts for a dead network token', () => {
  const at = (iso: string) =>
    alertJob('facebook.token_invalid', 'Facebook refused the Page token', new Date(iso));

  it('shares one job id within a clock hour, so repeats are dropped by the queue', () => {
    expect(notifyJobId(at('2026-11-22T10:01:00Z'))).toBe(notifyJobId(at('2026-11-22T10:59:59Z')));
    expect(NotifyJobSchema.safeParse(at('2026-11-22T10:01:00Z')).success).toBe(true);
  });

  it('alerts again the next hour, and separately for another kind', () => {
    expect(notifyJobId(at('2026-11-22T11:00:00Z'))).not.toBe(notifyJobId(at('2026-11-22T10:59:59Z')));
    const other = alertJob('instagram.token_invalid', 'x', new Date('2026-11-22T10:01:00Z'));
    expect(notifyJobId(other)).not.toBe(notifyJobId(at('2026-11-22T10:01:00Z')));
    expect(notifyJobId(other)).not.toContain(':');
  });
});
