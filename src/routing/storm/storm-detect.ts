import type { StormFigures } from '../../contract/events.js';
import type { Policy } from '../compiled-policy.js';

/** What the storm watch measured a moment ago: the team's whole rate, and the mood of what this router read. */
export type StormReading = StormFigures;

export interface OpenStorm {
  id: number;
  startedAt: Date;
  calmSince: Date | null;
}

export type StormStep =
  | { step: 'start'; reasons: string[] }
  | { step: 'calm' }
  | { step: 'stormy' }
  | { step: 'end'; reasons: string[] }
  | { step: 'none' };

// The mood is read on at least this many mentions a minute; fewer tell nothing.
const MIN_MOOD_SAMPLE = 10;

/**
 * Pure: whether a storm starts, goes on, turns calm or ends, on one reading.
 * A storm is a rate well above the usual for this hour of the week, or a
 * sudden rise in the share of negative mentions; a backlog of Slack messages
 * is not one. It ends after `calmMinutes` below half the starting rate and
 * with the mood back near the hour before.
 */
export function detectStorm(
  reading: StormReading,
  open: OpenStorm | undefined,
  policy: Policy,
  now: Date,
): StormStep {
  const rules = policy.file.storm;
  if (!rules.enabled)
    return open ? { step: 'end', reasons: ['storms are switched off in the policy'] } : { step: 'none' };
  const stormRate = Math.max(rules.minPerMinute, rules.rateMultiple * reading.baselinePerMinute);
  const reasons: string[] = [];
  if (reading.perMinute >= stormRate)
    reasons.push(
      reading.baselinePerMinute > 0
        ? `${reading.perMinute} mentions in the last minute, ${(reading.perMinute / reading.baselinePerMinute).toFixed(0)}× the usual ${round(reading.baselinePerMinute)} a minute for this hour of the week`
        : `${reading.perMinute} mentions in the last minute, with no usual rate for this hour of the week yet (a storm from ${rules.minPerMinute} a minute)`,
    );
  const mood = moodRise(reading);
  if (
    mood !== undefined &&
    mood.rise >= rules.negativeRise &&
    mood.share * reading.perMinute >= rules.minNegativePerMinute
  )
    reasons.push(
      `${percent(mood.share)} of the last minute's mentions are negative, against ${percent(mood.before)} over the hour before`,
    );
  if (!open) return reasons.length > 0 ? { step: 'start', reasons } : { step: 'none' };

  const calm =
    reading.perMinute < stormRate / 2 && (mood === undefined || mood.rise < rules.negativeRise / 2);
  if (!calm) return open.calmSince ? { step: 'stormy' } : { step: 'none' };
  if (!open.calmSince) return { step: 'calm' };
  const calmFor = (now.getTime() - open.calmSince.getTime()) / 60_000;
  if (calmFor < rules.calmMinutes) return { step: 'none' };
  return {
    step: 'end',
    reasons: [
      `${calmFor.toFixed(0)} minutes back near the usual: ${reading.perMinute} mentions in the last minute`,
    ],
  };
}

// A rise needs an hour before it to rise from: a fresh start (a new install, a restarted router) has
// none, and a customer-care account's mentions are often mostly complaints, so no share is "usual".
function moodRise(reading: StormReading): { share: number; before: number; rise: number } | undefined {
  const { negativeShare: share, negativeShareBefore: before } = reading;
  if (share === null || before === null) return undefined;
  return { share, before, rise: share - before };
}

const round = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));
const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * The mood of the mentions one router read, in ten-second buckets over the
 * last hour and a minute: the share of negative ones in the last minute and
 * over the hour before it. A sample of the team's mentions when several
 * routers share the work, which is all a share needs.
 */
export class MoodWindow {
  private readonly buckets = new Map<number, { all: number; negative: number }>();

  add(at: Date, negative: boolean): void {
    const bucket = Math.floor(at.getTime() / BUCKET_MS);
    const counts = this.buckets.get(bucket) ?? { all: 0, negative: 0 };
    counts.all++;
    if (negative) counts.negative++;
    this.buckets.set(bucket, counts);
    if (this.buckets.size > KEPT_BUCKETS)
      for (const key of this.buckets.keys()) if (key <= bucket - KEPT_BUCKETS) this.buckets.delete(key);
  }

  /** The share of negative mentions in the last minute, and over the hour before it; null: too few. */
  shares(now: Date): { negativeShare: number | null; negativeShareBefore: number | null } {
    const current = Math.floor(now.getTime() / BUCKET_MS);
    const minute = { all: 0, negative: 0 };
    const hour = { all: 0, negative: 0 };
    for (const [bucket, counts] of this.buckets) {
      const age = current - bucket;
      const into = age < MINUTE_BUCKETS ? minute : age < KEPT_BUCKETS ? hour : undefined;
      if (!into) continue;
      into.all += counts.all;
      into.negative += counts.negative;
    }
    const share = (c: { all: number; negative: number }) =>
      c.all >= MIN_MOOD_SAMPLE ? c.negative / c.all : null;
    return { negativeShare: share(minute), negativeShareBefore: share(hour) };
  }
}

const BUCKET_MS = 10_000;
const MINUTE_BUCKETS = 6;
const KEPT_BUCKETS = 6 * 61;
