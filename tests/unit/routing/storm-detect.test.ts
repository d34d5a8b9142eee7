import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import {
  detectStorm,
  MoodWindow,
  type OpenStorm,
  type StormReading,
} from '../../../src/routing/storm/storm-detect.js';

// The defaults: a storm from 5× the usual rate and at least 30 a minute, or a 35-point rise in the
// share of negative mentions with at least 10 negative a minute; it ends after 10 minutes of calm.
const policy = compilePolicy(PolicyFileSchema.parse({}));
const now = new Date('2026-12-07T10:00:00Z'); // a Monday morning
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

/** A reading with no mood to speak of, unless the test gives one. */
const reading = (perMinute: number, baselinePerMinute: number, mood: Partial<StormReading> = {}) => ({
  perMinute,
  baselinePerMinute,
  negativeShare: null,
  negativeShareBefore: null,
  ...mood,
});
const open = (calmSince: Date | null = null): OpenStorm => ({ id: 7, startedAt: minutesAgo(30), calmSince });

describe('a storm starts on the rate, against the usual for the hour of the week', () => {
  it('starts at five times the usual rate, with a reason that says so', () => {
    // Usually 12 a minute on a Monday at ten: a storm from 60.
    const step = detectStorm(reading(60, 12), undefined, policy, now);
    expect(step).toEqual({
      step: 'start',
      reasons: ['60 mentions in the last minute, 5× the usual 12 a minute for this hour of the week'],
    });
    expect(detectStorm(reading(240, 12), undefined, policy, now).step).toBe('start');
  });

  it('does not start just below the multiple, though the rate is well above the floor', () => {
    expect(detectStorm(reading(59, 12), undefined, policy, now)).toEqual({ step: 'none' });
    expect(detectStorm(reading(45, 12), undefined, policy, now)).toEqual({ step: 'none' });
  });

  it('needs the floor of 30 a minute when there is no usual rate yet', () => {
    expect(detectStorm(reading(29, 0), undefined, policy, now)).toEqual({ step: 'none' });
    const step = detectStorm(reading(30, 0), undefined, policy, now);
    expect(step.step).toBe('start');
    expect(step).toMatchObject({
      reasons: [
        expect.stringContaining('no usual rate for this hour of the week yet (a storm from 30 a minute)'),
      ],
    });
  });

  it('keeps the floor for a quiet account: 5× a usual 2 a minute is not a storm', () => {
    expect(detectStorm(reading(10, 2), undefined, policy, now)).toEqual({ step: 'none' });
    expect(detectStorm(reading(29, 2), undefined, policy, now)).toEqual({ step: 'none' });
    expect(detectStorm(reading(30, 2), undefined, policy, now).step).toBe('start');
  });

  it('follows the policy: a team that asks for 3× starts earlier', () => {
    const touchy = compilePolicy(PolicyFileSchema.parse({ storm: { rateMultiple: 3 } }));
    expect(detectStorm(reading(36, 12), undefined, touchy, now).step).toBe('start');
    expect(detectStorm(reading(36, 12), undefined, policy, now).step).toBe('none');
  });
});

describe('a storm starts on a sudden turn of mood', () => {
  it('starts when the share of negative mentions jumps, with enough of them', () => {
    // 40 a minute is below the rate's 100, but 24 of them are negative against 15% over the hour.
    const step = detectStorm(
      reading(40, 20, { negativeShare: 0.6, negativeShareBefore: 0.15 }),
      undefined,
      policy,
      now,
    );
    expect(step).toEqual({
      step: 'start',
      reasons: ["60% of the last minute's mentions are negative, against 15% over the hour before"],
    });
  });

  it('does not start on a few angry posts in a quiet minute', () => {
    // 75% negative, but 12 a minute is 9 negative: fewer than 10.
    expect(
      detectStorm(reading(12, 3, { negativeShare: 0.75, negativeShareBefore: 0.1 }), undefined, policy, now),
    ).toEqual({ step: 'none' });
    // Enough negative ones, but the share rose 30 points, not 35.
    expect(
      detectStorm(
        reading(40, 20, { negativeShare: 0.45, negativeShareBefore: 0.15 }),
        undefined,
        policy,
        now,
      ),
    ).toEqual({ step: 'none' });
  });

  it('does not start on the mood when the hour before had too few mentions to tell a rise', () => {
    // A fresh start with a batch of complaints (the demo's 20 real conversations): no rise to measure.
    for (const negativeShare of [0.6, 0.9, 1])
      expect(
        detectStorm(reading(40, 20, { negativeShare, negativeShareBefore: null }), undefined, policy, now),
      ).toEqual({ step: 'none' });
    // The same minute after an hour of mostly calm mentions is a storm.
    expect(
      detectStorm(reading(40, 20, { negativeShare: 0.6, negativeShareBefore: 0.2 }), undefined, policy, now),
    ).toMatchObject({
      step: 'start',
      reasons: [expect.stringContaining('against 20% over the hour before')],
    });
  });

  it('gives both reasons when the rate and the mood both turn', () => {
    const step = detectStorm(
      reading(150, 10, { negativeShare: 0.7, negativeShareBefore: 0.2 }),
      undefined,
      policy,
      now,
    );
    expect(step.step).toBe('start');
    expect(step).toMatchObject({
      reasons: [expect.stringContaining('15× the usual 10 a minute'), expect.stringContaining('70%')],
    });
  });
});

describe('an open storm turns calm, and ends only after a quiet spell', () => {
  // Usually 12 a minute: a storm from 60, calm below 30.
  const calmReading = reading(14, 12, { negativeShare: 0.25, negativeShareBefore: 0.2 });

  it('does not start a second storm while one is open', () => {
    expect(detectStorm(reading(300, 12), open(), policy, now)).toEqual({ step: 'none' });
  });

  it('notes the calm once the rate falls below half the storm rate and the mood settles', () => {
    expect(detectStorm(calmReading, open(), policy, now)).toEqual({ step: 'calm' });
    // Half the storm rate is not calm yet; neither is a low rate with the mood still sour.
    expect(detectStorm(reading(30, 12), open(), policy, now)).toEqual({ step: 'none' });
    expect(
      detectStorm(reading(14, 12, { negativeShare: 0.5, negativeShareBefore: 0.2 }), open(), policy, now),
    ).toEqual({ step: 'none' });
  });

  it('ends only after ten minutes of calm', () => {
    expect(detectStorm(calmReading, open(minutesAgo(1)), policy, now)).toEqual({ step: 'none' });
    expect(detectStorm(calmReading, open(minutesAgo(9.9)), policy, now)).toEqual({ step: 'none' });
    expect(detectStorm(calmReading, open(minutesAgo(10)), policy, now)).toEqual({
      step: 'end',
      reasons: ['10 minutes back near the usual: 14 mentions in the last minute'],
    });
  });

  it('clears the calm when the storm picks up again, so the ten minutes start over', () => {
    expect(detectStorm(reading(45, 12), open(minutesAgo(8)), policy, now)).toEqual({ step: 'stormy' });
    expect(
      detectStorm(
        reading(14, 12, { negativeShare: 0.6, negativeShareBefore: 0.2 }),
        open(minutesAgo(8)),
        policy,
        now,
      ),
    ).toEqual({ step: 'stormy' });
    // Stormy without a calm to clear: nothing to write.
    expect(detectStorm(reading(45, 12), open(), policy, now)).toEqual({ step: 'none' });
  });
});

describe('the mood window', () => {
  it('gives the share of negative mentions in the last minute and over the hour before it', () => {
    const mood = new MoodWindow();
    // The hour before: 40 mentions, 8 negative.
    for (let i = 0; i < 40; i++) mood.add(minutesAgo(2 + i), i % 5 === 0);
    // The last minute: 20 mentions, 13 negative.
    for (let i = 0; i < 20; i++) mood.add(new Date(now.getTime() - i * 2500), i < 13);
    expect(mood.shares(now)).toEqual({ negativeShare: 13 / 20, negativeShareBefore: 8 / 40 });
  });

  it('says nothing from fewer than ten mentions', () => {
    const mood = new MoodWindow();
    for (let i = 0; i < 9; i++) mood.add(new Date(now.getTime() - i * 5000), true);
    for (let i = 0; i < 30; i++) mood.add(minutesAgo(5 + i), false);
    expect(mood.shares(now)).toEqual({ negativeShare: null, negativeShareBefore: 0 });
    mood.add(now, false);
    expect(mood.shares(now)).toEqual({ negativeShare: 0.9, negativeShareBefore: 0 });
  });

  it('moves mentions from the last minute into the hour before, and forgets them after it', () => {
    const mood = new MoodWindow();
    for (let i = 0; i < 10; i++) mood.add(new Date(now.getTime() - i * 1000), i < 6);
    expect(mood.shares(now)).toEqual({ negativeShare: 0.6, negativeShareBefore: null });
    const later = new Date(now.getTime() + 2 * 60_000);
    expect(mood.shares(later)).toEqual({ negativeShare: null, negativeShareBefore: 0.6 });
    const muchLater = new Date(now.getTime() + 62 * 60_000);
    expect(mood.shares(muchLater)).toEqual({ negativeShare: null, negativeShareBefore: null });
  });
});
