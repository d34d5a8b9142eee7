import type { RosterLoadRow } from '../db/staff.repository.js';

/**
 * One person as the router sees them at one moment: the roster row as read. Defined in db, as db imports
 * nothing from the stages; the team file's RosterEntry is the same person before any load is known.
 */
export type StaffSnapshot = RosterLoadRow;

/** A past conversation with this customer, on any of their linked identities. */
export interface ContactSnapshot {
  staffId: string;
  network: string;
  handle: string;
  at: Date;
  /** True when the person replied; false when they were only assigned. */
  replied: boolean;
}

export interface RoutingSnapshot {
  /** The roster: people dropped from the team file are not here. */
  staff: StaffSnapshot[];
  history: ContactSnapshot[];
  /** Complaints from this customer inside the policy's repeat-complaint window, not counting this mention. */
  recentComplaints: number;
}
