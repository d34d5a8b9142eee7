import { and, eq, getTableColumns, isNull, notInArray, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { conversations, staff, type WeeklyHours } from './schema.js';

export type StaffRow = typeof staff.$inferSelect;

/** A person on the roster as the router reads them, with their open conversations (routing's StaffSnapshot). */
export type RosterLoadRow = Pick<
  StaffRow,
  'id' | 'name' | 'role' | 'skills' | 'languages' | 'timezone' | 'capacity' | 'awayUntil' | 'workingHours'
> & { openConversations: number };

/** A person as the team file lists them, before any load is known. */
export type RosterEntry = Omit<RosterLoadRow, 'openConversations' | 'awayUntil' | 'workingHours'> & {
  workingHours?: WeeklyHours | null;
  /** Only set when the roster file plans an absence; otherwise the stored value (from Slack) stands. */
  awayUntil?: Date;
};

/** Makes the table match the roster file: new people added, details updated, leavers kept but off the roster. */
export async function upsertRoster(db: Executor, roster: RosterEntry[]): Promise<void> {
  const now = new Date();
  for (const person of roster) {
    const values = {
      ...person,
      workingHours: person.workingHours ?? null,
      onRoster: true,
      updatedAt: now,
    };
    await db.insert(staff).values(values).onConflictDoUpdate({ target: staff.id, set: values });
  }
  const ids = roster.map((p) => p.id);
  await db
    .update(staff)
    .set({ onRoster: false, updatedAt: now })
    .where(ids.length ? notInArray(staff.id, ids) : undefined);
}

export async function findRosterMember(db: Executor, id: string): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staff)
    .where(and(eq(staff.id, id), eq(staff.onRoster, true)));
  return row;
}

export async function findOwner(db: Executor): Promise<StaffRow | undefined> {
  const [row] = await db
    .select()
    .from(staff)
    .where(and(eq(staff.role, 'owner'), eq(staff.onRoster, true)));
  return row;
}

export interface StaffWithLoad extends StaffRow {
  openConversations: number;
}

/** The roster with each person's count of open conversations: the router's view of the team. */
export async function listRosterWithLoad(db: Executor): Promise<StaffWithLoad[]> {
  // One round trip: the router reads this inside every routing transaction.
  const rows = await db
    .select({
      ...getTableColumns(staff),
      openConversations: sql<number>`count(${conversations.id})::int`,
    })
    .from(staff)
    // The join keeps only open conversations, so count() of the joined ids is the open load (0 for none).
    .leftJoin(conversations, and(eq(conversations.assigneeId, staff.id), isNull(conversations.closedAt)))
    .where(eq(staff.onRoster, true))
    .groupBy(staff.id)
    .orderBy(staff.id);
  return rows.map((r) => ({ ...r, openConversations: Number(r.openConversations) }));
}
