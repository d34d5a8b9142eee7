import type { SnoozeOption } from './action-ids.js';

/** Pure time arithmetic for snoozes and away notes, in the staff member's own timezone. */

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function zonedParts(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS.indexOf(get('weekday').slice(0, 3).toLowerCase()),
  };
}

function offsetMs(at: Date, timeZone: string): number {
  const p = zonedParts(at, timeZone);
  return (
    Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000
  );
}

const safeZone = (timeZone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
};

/** The instant of `hour`:00 local time, `daysAhead` days after today's local date. */
export function localTime(now: Date, timeZone: string, daysAhead: number, hour: number): Date {
  const zone = safeZone(timeZone);
  const today = zonedParts(now, zone);
  const wall = Date.UTC(today.year, today.month - 1, today.day + daysAhead, hour, 0, 0);
  // Two passes settle the offset across a daylight-saving change.
  let guess = new Date(wall - offsetMs(new Date(wall), zone));
  guess = new Date(wall - offsetMs(guess, zone));
  return guess;
}

export function snoozeUntil(option: SnoozeOption, now: Date, timeZone: string): Date {
  switch (option) {
    case '1h':
      return new Date(now.getTime() + 3600_000);
    case '3h':
      return new Date(now.getTime() + 3 * 3600_000);
    case 'tomorrow':
      return localTime(now, timeZone, 1, 9);
    case 'monday': {
      const weekday = zonedParts(now, safeZone(timeZone)).weekday;
      return localTime(now, timeZone, (8 - weekday) % 7 || 7, 9);
    }
  }
}

/** "Away" without an end lasts until the person says they are back. */
export const AWAY_INDEFINITELY = new Date('2100-01-01T00:00:00Z');

/**
 * Reads the end of an absence: `2h`, `3d`, `tomorrow`, a weekday (`monday`),
 * or a date (`2025-08-01`, the start of that day). Undefined when unreadable.
 */
export function parseUntil(text: string, now: Date, timeZone: string): Date | undefined {
  const t = text.trim().toLowerCase();
  const relative = /^(\d{1,3})\s*(h|hours?|d|days?)$/.exec(t);
  if (relative) {
    const n = Number(relative[1]);
    return new Date(now.getTime() + n * (relative[2]!.startsWith('h') ? 3600_000 : 86_400_000));
  }
  if (t === 'tomorrow') return localTime(now, timeZone, 1, 9);
  const day = WEEKDAYS.findIndex((d) => t.startsWith(d) && d.length >= 3);
  if (day >= 0 && /^[a-z]+$/.test(t)) {
    const weekday = zonedParts(now, safeZone(timeZone)).weekday;
    return localTime(now, timeZone, (day - weekday + 7) % 7 || 7, 9);
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (date) {
    const wall = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (Number.isNaN(wall)) return undefined;
    const at = new Date(wall - offsetMs(new Date(wall), safeZone(timeZone)));
    return at > now ? at : undefined;
  }
  return undefined;
}

/** Slack renders this in each reader's own timezone; the fallback is for clients that cannot. */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${at.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}
