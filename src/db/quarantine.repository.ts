import { desc, gte, sql } from 'drizzle-orm';
import type { Executor } from './client.js';
import { quarantinedItems } from './schema.js';

export type QuarantinedRow = typeof quarantinedItems.$inferSelect;

export interface QuarantineEntry {
  source: string;
  reason: string;
  /** What arrived, as it arrived; kept as JSON text. */
  payload: unknown;
  network?: string | undefined;
  externalId?: string | undefined;
}

// A post may be 100k characters and a page hundreds of them: enough is kept to find and fix it.
const PAYLOAD_MAX = 64 * 1024;
const FIELD_MAX = 512;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** What PostgreSQL can store: no NUL, no half surrogate pair (the driver would make it U+FFFD anyway). */
const storable = (value: string, max: number) =>
  value.slice(0, max).replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');

function payloadText(payload: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(payload) ?? String(payload);
  } catch {
    text = String(payload);
  }
  return storable(text, PAYLOAD_MAX);
}

export async function quarantineItems(db: Executor, entries: QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insert(quarantinedItems).values(
    entries.map((entry) => ({
      source: storable(entry.source, FIELD_MAX),
      reason: storable(entry.reason, 2000),
      payload: payloadText(entry.payload),
      network: typeof entry.network === 'string' ? storable(entry.network, FIELD_MAX) : null,
      externalId: typeof entry.externalId === 'string' ? storable(entry.externalId, FIELD_MAX) : null,
    })),
  );
}

/** The latest quarantined items, newest first. */
export function listQuarantined(db: Executor, limit: number): Promise<QuarantinedRow[]> {
  return db.select().from(quarantinedItems).orderBy(desc(quarantinedItems.id)).limit(limit);
}

export async function countQuarantined(db: Executor, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(quarantinedItems)
    .where(gte(quarantinedItems.quarantinedAt, since));
  return row?.n ?? 0;
}
