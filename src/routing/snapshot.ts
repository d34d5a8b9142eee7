import type { WeeklyHours } from '../db/schema.js';

/** One person as the router sees them at one moment. */
export interface StaffSnapshot {
  id: string;
  name: string;
  role: 'owner' | 'staff';
  skills: string[];
  languages: string[];
  timezone: string;
  capacity: number;
  openConversations: number;
  awayUntil: Date | null;
  workingHours: WeeklyHours | null;
}

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
