import { z } from 'zod';
import type { RosterEntry } from '../db/staff.repository.js';
import { parseWorkingHours } from './working-hours.js';
import { parseYamlFile } from './yaml-file.js';

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/Lisbon');

const Person = z.object({
  id: SlackUserId,
  name: z.string().min(1),
  skills: z.array(z.string().min(1)).default([]),
  languages: z.array(z.string().min(2)).default(['en']),
  timezone: TimeZone.default('UTC'),
  capacity: z.number().int().positive().default(10),
  // { "mon-fri": "09:00-17:30", sat: ["10:00-13:00", "14:00-16:00"] } in the person's time zone; absent: any hour.
  hours: z
    .record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]))
    .transform((written, ctx) => {
      const parsed = parseWorkingHours(written);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  // On leave until this date or instant (a plain date means the start of that day, UTC).
  awayUntil: z
    .union([z.date(), z.iso.date(), z.iso.datetime({ offset: true })])
    .transform((value) => new Date(value))
    .optional(),
});

export const TeamFileSchema = z
  .object({
    business: z.string().min(1),
    owner: Person,
    staff: z.array(Person).default([]),
  })
  .strict()
  .superRefine((team, ctx) => {
    const seen = new Set([team.owner.id]);
    team.staff.forEach((person, index) => {
      if (seen.has(person.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['staff', index, 'id'],
          message: `${person.id} is listed twice`,
        });
      }
      seen.add(person.id);
    });
  });
export type TeamFile = z.infer<typeof TeamFileSchema>;

export function loadTeamFile(path: string): TeamFile {
  return parseYamlFile(path, TeamFileSchema);
}

export function rosterEntries(team: TeamFile): RosterEntry[] {
  const entry = (
    { hours, awayUntil, ...person }: TeamFile['owner'],
    role: 'owner' | 'staff',
  ): RosterEntry => ({
    ...person,
    role,
    workingHours: hours ?? null,
    // Absent from the file: keep whatever /firsthand away recorded.
    ...(awayUntil ? { awayUntil } : {}),
  });
  return [entry(team.owner, 'owner'), ...team.staff.map((person) => entry(person, 'staff'))];
}
