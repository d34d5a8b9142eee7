import type { WeeklyHours } from '../db/schema.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The weekday and minute of the day at `at` on a wall clock in `timeZone`. */
export function localTime(at: Date, timeZone: string): { day: number; minute: number; clock: string } {
  const parts = formatter(timeZone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = WEEKDAYS.indexOf(get('weekday').toLowerCase().slice(0, 3) as Weekday);
  const hour = Number(get('hour'));
  const minute = Number(get('minute'));
  return { day, minute: hour * 60 + minute, clock: `${get('hour')}:${get('minute')}` };
}

/**
 * On shift at `at` in the person's own time zone. No hours means always
 * reachable. A range that ends before it starts (22:00-06:00) runs past
 * midnight into the next day.
 */
export function isOnShift(hours: WeeklyHours | null | undefined, timeZone: string, at: Date): boolean {
  if (!hours) return true;
  const { day, minute } = localTime(at, timeZone);
  for (const [start, end] of hours[WEEKDAYS[day]!] ?? []) {
    if (start <= end ? minute >= start && minute < end : minute >= start) return true;
  }
  for (const [start, end] of hours[WEEKDAYS[(day + 6) % 7]!] ?? []) {
    if (start > end && minute < end) return true;
  }
  return false;
}

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const DAY_SPEC = /^(sun|mon|tue|wed|thu|fri|sat)(?:-(sun|mon|tue|wed|thu|fri|sat))?$/;

/**
 * Reads the team file's hours ({"mon-fri": "09:00-17:30", sat: "10:00-14:00"})
 * into minutes per weekday, or returns a message naming what is wrong.
 */
export function parseWorkingHours(written: Record<string, string | string[]>): WeeklyHours | string {
  const hours: WeeklyHours = {};
  for (const [spec, ranges] of Object.entries(written)) {
    const days = DAY_SPEC.exec(spec.toLowerCase());
    if (!days) return `"${spec}" is not a day or day range such as mon-fri`;
    const from = WEEKDAYS.indexOf(days[1] as Weekday);
    const to = days[2] ? WEEKDAYS.indexOf(days[2] as Weekday) : from;
    const parsed: [number, number][] = [];
    for (const range of Array.isArray(ranges) ? ranges : [ranges]) {
      const m = RANGE.exec(range.replace(/\s+/g, ''));
      if (!m) return `"${range}" is not a time range such as 09:00-17:30`;
      const start = Number(m[1]) * 60 + Number(m[2]);
      const end = Number(m[3]) * 60 + Number(m[4]);
      if (start === end) return `"${range}" is empty`;
      parsed.push([start, end]);
    }
    for (let i = from; ; i = (i + 1) % 7) {
      const day = WEEKDAYS[i]!;
      hours[day] = [...(hours[day] ?? []), ...parsed];
      if (i === to) break;
    }
  }
  return hours;
}
