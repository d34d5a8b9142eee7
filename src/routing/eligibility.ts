import { firstName, plural, shortDate } from './reasons.js';
import type { StaffSnapshot } from './snapshot.js';
import { isOnShift, localTime } from './working-hours.js';

export type Availability =
  | { ok: true }
  | { ok: false; why: 'away' | 'off_shift' | 'at_capacity'; text: string };

/** Whether a person can take new work at all, whatever the mention needs. */
export function availability(person: StaffSnapshot, now: Date): Availability {
  if (person.awayUntil && person.awayUntil.getTime() > now.getTime()) {
    return {
      ok: false,
      why: 'away',
      text: `${firstName(person.name)} is away until ${shortDate(person.awayUntil)}`,
    };
  }
  if (!isOnShift(person.workingHours, person.timezone, now)) {
    const { clock } = localTime(now, person.timezone);
    return {
      ok: false,
      why: 'off_shift',
      text: `${firstName(person.name)} is off shift (${clock} in ${person.timezone})`,
    };
  }
  if (person.openConversations >= person.capacity) {
    return {
      ok: false,
      why: 'at_capacity',
      text: `${firstName(person.name)} is at capacity (${plural(person.openConversations, 'open conversation')})`,
    };
  }
  return { ok: true };
}

export interface Needs {
  skills: string[];
  language: string | undefined;
}

export function hasSkills(person: StaffSnapshot, skills: readonly string[]): boolean {
  return skills.every((skill) => person.skills.includes(skill));
}

export function speaks(person: StaffSnapshot, language: string | undefined): boolean {
  return language === undefined || person.languages.includes(language);
}

/** Fewest open conversations first, then the most spare room, then the Slack id: never a coin toss. */
export function byLoad(a: StaffSnapshot, b: StaffSnapshot): number {
  return (
    a.openConversations - b.openConversations ||
    a.openConversations / a.capacity - b.openConversations / b.capacity ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
