import type { StaffSnapshot } from '../../src/routing/snapshot.js';
import { rosterEntries, type TeamFile } from '../../src/team-file.js';

/** The team file as the router sees the team at the start of a dry run: nobody has open conversations yet. */
export function startingRoster(team: TeamFile): StaffSnapshot[] {
  return rosterEntries(team).map((p) => ({
    id: p.id,
    name: p.name,
    role: p.role,
    skills: p.skills,
    languages: p.languages,
    timezone: p.timezone,
    capacity: p.capacity,
    openConversations: 0,
    awayUntil: p.awayUntil ?? null,
    workingHours: p.workingHours ?? null,
  }));
}
