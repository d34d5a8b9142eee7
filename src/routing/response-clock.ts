import type { WeeklyHours } from '../db/schema.js';
import type { Policy } from './compiled-policy.js';
import type { Priority } from './policy.js';
import { isOnShift } from './working-hours.js';

/** The person a clock counts for: their own working hours, in their own time zone. */
export interface ClockPerson {
  timezone: string;
  workingHours: WeeklyHours | null;
}

export type ClockStep = 'remind' | 'offer' | 'owner';

// A deadline past this much off-shift time (a long absence, hours that never come) is not moved on.
const MAX_SEARCH_MINUTES = 14 * 24 * 60;

/**
 * The moment `minutes` of `person`'s working time have passed since `start`:
 * a mention at 22:00 to someone who starts at 09:00 is due after 09:00 plus
 * the target, not in the night. No hours: every minute counts.
 */
export function workingDeadline(start: Date, minutes: number, person: ClockPerson | undefined): Date {
  if (!person?.workingHours) return new Date(start.getTime() + minutes * 60_000);
  let at = start.getTime();
  let left = minutes;
  for (let step = 0; left > 0 && step < MAX_SEARCH_MINUTES; step++) {
    if (isOnShift(person.workingHours, person.timezone, new Date(at))) left--;
    at += 60_000;
  }
  return left > 0 ? new Date(start.getTime() + minutes * 60_000) : new Date(at);
}

/**
 * When each step of a clock started at `start` is due, per the policy: the
 * reminder and the offer at their shares of the target, and for urgent and
 * high work the owner at a multiple of it. Counted in the assignee's hours.
 */
export function clockSchedule(
  policy: Policy,
  start: Date,
  priority: Priority,
  targetMinutes: number,
  person: ClockPerson | undefined,
): { step: ClockStep; at: Date }[] {
  const chain = policy.file.responseClock;
  const at = (share: number) =>
    workingDeadline(start, Math.max(1, Math.round(targetMinutes * share)), person);
  const owner = priority === 'urgent' || priority === 'high' ? chain.ownerAt[priority] : undefined;
  return [
    { step: 'remind' as const, at: at(chain.remindAt) },
    { step: 'offer' as const, at: at(chain.offerAt) },
    ...(owner ? [{ step: 'owner' as const, at: at(owner) }] : []),
  ];
}

/** What is known of a clock when one of its steps comes due. */
export interface ClockState {
  /** The conversation is closed, answered, snoozed or waiting on the customer, or a newer clock replaced this one. */
  stopped: string | undefined;
  /** The step's own time, and the time of the next step of the same clock, if any. */
  dueAt: Date;
  nextDueAt: Date | undefined;
}

/**
 * Pure: whether a due step fires now. A stopped clock's steps end quietly. A
 * step whose next step is already due too (the process was down) is recorded
 * as missed rather than fired late: a reminder an hour after the offer helps
 * nobody, while the latest step of the chain still does what it is for.
 */
export function decideStep(
  state: ClockState,
  now: Date,
): { fire: boolean; outcome: 'fired' | 'missed' | 'stopped'; why: string } {
  if (state.stopped) return { fire: false, outcome: 'stopped', why: state.stopped };
  if (state.nextDueAt && state.nextDueAt.getTime() <= now.getTime())
    return { fire: false, outcome: 'missed', why: 'its next step is due already' };
  return { fire: true, outcome: 'fired', why: 'due' };
}
