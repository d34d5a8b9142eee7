import type { StaffSnapshot } from '../../src/routing/snapshot.js';
import { rosterEntries, type TeamFile } from '../../src/routing/team-file.js';

/** The team file as the router sees the team at the start of a dry run: nobody has open conversations yet. */
export function startingRoster(team: TeamFile): StaffSnapshot[] {
  return rosterEntries(team).map((p) => ({
    ...p,
    openConversations: 0,
    awayUntil: p.awayUntil ?? null,
    workingHours: p.workingHours ?? null,
  }));
}
