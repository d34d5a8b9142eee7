import { and, eq } from 'drizzle-orm';
import type { Executor } from './client.js';
import { cursors } from './schema.js';

export async function readCursor(db: Executor, network: string, key: string): Promise<string | undefined> {
  const [row] = await db
    .select({ value: cursors.value })
    .from(cursors)
    .where(and(eq(cursors.network, network), eq(cursors.key, key)));
  return row?.value;
}

export async function writeCursor(db: Executor, network: string, key: string, value: string): Promise<void> {
  await db
    .insert(cursors)
    .values({ network, key, value })
    .onConflictDoUpdate({ target: [cursors.network, cursors.key], set: { value, updatedAt: new Date() } });
}
