import type { SlackWork } from '../contract/slack-work.js';
import type { Database, Tx } from './client.js';
import { lockConversation } from './conversation-changes.repository.js';
import { type ConversationRow, recordAssignment } from './conversations.repository.js';
import { appendEvent, type NewEvent } from './events.repository.js';
import { type Owed, oweSlack } from './slack-owed.repository.js';

type DmKind = Extract<SlackWork, { type: 'dm' }>['kind'];

/** Who hears of a change in Slack. */
export interface Telling {
  /** Redraw the card (default true). */
  card?: boolean;
  /** Add the event's line to the card's thread (default true). */
  thread?: boolean;
  /** Direct messages about it, each to one person. */
  dms?: { kind: DmKind; user: string }[];
  /** People whose App Home changes with it; the same person twice is one redraw. */
  homes?: (string | null | undefined)[];
  /** Anything else owed for the event: a move, a snooze's end, a refusal. */
  more?: (eventId: number) => (Owed | SlackWork)[];
}

export interface ConversationChange {
  /** Dated by the caller's clock, as the assignment it may make is: the one injected clock. */
  event: Omit<NewEvent, 'conversationId' | 'at'> & { at: Date };
  /** The person it now goes to, kept in the assignment history with why. */
  assignment?: { staffId: string; assignedBy: string; reasons: string[] };
  tell: Telling;
}

/** A change whose caller leaves its date to whoever commits it. */
export type UndatedChange = Omit<ConversationChange, 'event'> & {
  event: Omit<ConversationChange['event'], 'at'>;
};

/**
 * The one way a conversation changes, for the router and for people in Slack
 * alike. In the caller's transaction, after its conditional update took: the
 * assignment history, the typed event, and what Slack is owed for it, so a
 * commit never leaves a change Slack is not told of. Returns the event's id.
 */
export async function commitChange(
  tx: Tx,
  conversationId: string,
  change: ConversationChange,
): Promise<number> {
  if (change.assignment)
    await recordAssignment(tx, { conversationId, ...change.assignment }, change.event.at);
  const { id: eventId } = await appendEvent(tx, { ...change.event, conversationId } as NewEvent);
  const { card = true, thread = true, dms = [], homes = [], more } = change.tell;
  const owed: (Owed | SlackWork)[] = [
    ...(card ? [{ type: 'refresh' as const, conversationId, eventId }] : []),
    ...(thread ? [{ type: 'log' as const, conversationId, eventId }] : []),
    ...dms.map((dm) => ({ type: 'dm' as const, ...dm, conversationId, eventId })),
    ...[...new Set(homes.filter((user): user is string => !!user))].map((user) => ({
      type: 'home' as const,
      user,
    })),
    ...(more?.(eventId) ?? []),
  ];
  await oweSlack(tx, owed);
  return eventId;
}

/**
 * Locks the conversation, lets `decide` make its conditional update (or
 * refuse, or find nothing to do: undefined), and commits the change, all in
 * one transaction. Returns the event's id, or undefined when nothing changed.
 */
export function changeConversation(
  db: Database,
  conversationId: string,
  decide: (tx: Tx, conversation: ConversationRow | undefined) => Promise<ConversationChange | undefined>,
): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    const change = await decide(tx, await lockConversation(tx, conversationId));
    return change ? commitChange(tx, conversationId, change) : undefined;
  });
}
