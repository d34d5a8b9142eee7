import { asc, eq } from 'drizzle-orm';
import type { DomainEvent } from '../contract/events.js';
import type { Executor } from './client.js';
import { events } from './schema.js';

export type EventRow = typeof events.$inferSelect;

export type NewEvent = DomainEvent & {
  actor: string;
  conversationId?: string | null;
  mentionId?: string | null;
  /** When it happened by the app's clock; the database's clock if not given. */
  at?: Date;
};

/** Returns the new event's id, all any caller needs: returning every column costs each of them. */
export async function appendEvent(db: Executor, event: NewEvent): Promise<{ id: number }> {
  const [row] = await db
    .insert(events)
    .values({
      type: event.type,
      actor: event.actor,
      conversationId: event.conversationId ?? null,
      mentionId: event.mentionId ?? null,
      details: (event.details ?? {}) as Record<string, unknown>,
      ...(event.at ? { at: event.at } : {}),
    })
    .returning({ id: events.id });
  return row!;
}

export function listConversationEvents(db: Executor, conversationId: string): Promise<EventRow[]> {
  return db.select().from(events).where(eq(events.conversationId, conversationId)).orderBy(asc(events.id));
}
