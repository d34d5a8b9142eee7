import { localTime } from '../clock.js';

/** When the owner's digest goes out and which week it covers, in the owner's own time zone. Pure. */

const MONDAY = 1;

function localWeekday(at: Date, timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(name);
}

function zoneOrUtc(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/**
 * The next Monday `hour`:00 in `timezone` strictly after `now`: a digest
 * sent at 08:00 sharp schedules the following week's, never itself again.
 * Across a daylight-saving change the wall clock is kept, not the interval.
 */
export function nextDigestAt(now: Date, timezone: string, hour = 8): Date {
  const zone = zoneOrUtc(timezone);
  const ahead = (MONDAY - localWeekday(now, zone) + 7) % 7;
  const candidate = localTime(now, zone, ahead, hour);
  return candidate > now ? candidate : localTime(now, zone, ahead + 7, hour);
}

export interface DigestWeek {
  /** Local midnight seven days before `end`. */
  start: Date;
  /** Local midnight on the day of `weekEnding`: a digest sent Monday morning covers Monday to Sunday. */
  end: Date;
  timezone: string;
  /** The week's seven local dates, YYYY-MM-DD, first to last. */
  days: string[];
}

const isoDay = (at: Date, timeZone: string) =>
  // en-CA writes dates as YYYY-MM-DD.
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );

export function digestWeek(weekEnding: Date, timezone: string): DigestWeek {
  const zone = zoneOrUtc(timezone);
  const days = Array.from({ length: 7 }, (_, i) => isoDay(localTime(weekEnding, zone, i - 7, 12), zone));
  return {
    start: localTime(weekEnding, zone, -7, 0),
    end: localTime(weekEnding, zone, 0, 0),
    timezone: zone,
    days,
  };
}
