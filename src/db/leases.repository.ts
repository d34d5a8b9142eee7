import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { leases } from './schema.js';

/** Takes or keeps the lease `name` for `ms` from `now`; false while another holder's lease runs. */
export async function holdLease(
  db: Executor,
  name: string,
  holder: string,
  now: Date,
  ms: number,
): Promise<boolean> {
  const until = new Date(now.getTime() + ms);
  const rows = await db
    .insert(leases)
    .values({ name, holder, expiresAt: until })
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder, expiresAt: until },
      setWhere: sql`${leases.holder} = ${holder} or ${leases.expiresAt} < ${now.toISOString()}::timestamptz`,
    })
    .returning({ holder: leases.holder });
  return rows[0]?.holder === holder;
}

export async function releaseLease(db: Executor, name: string, holder: string): Promise<void> {
  await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
}
