import type { Executor } from '../db/client.js';
import type { ConversationRow } from '../db/conversations.repository.js';
import { findMention, mentionFromRow } from '../db/mentions.repository.js';
import type { Policy } from './compiled-policy.js';
import { type Decision, decide } from './decide.js';
import { loadSnapshot } from './load-snapshot.js';
import { understand } from './understand/index.js';

/**
 * Routing's decision for a conversation's first mention as the team is now,
 * leaving out `excluded` people: for the queue's sweep (who can take it now)
 * and the response clock's offer (who else could answer it). Undefined when
 * the first mention is gone.
 */
export async function decideAgain(
  db: Executor,
  policy: Policy,
  conversation: ConversationRow,
  now: Date,
  excluded: readonly string[] = [],
): Promise<Decision | undefined> {
  if (!conversation.firstMentionId) return undefined;
  const row = await findMention(db, conversation.firstMentionId);
  if (!row) return undefined;
  const mention = mentionFromRow(row);
  const { snapshot, sameTextElsewhere, vouched } = await loadSnapshot(
    db,
    policy,
    { ...mention, id: row.id },
    now,
  );
  const team = excluded.length
    ? { ...snapshot, staff: snapshot.staff.filter((p) => !excluded.includes(p.id)) }
    : snapshot;
  return decide(mention, understand(mention, policy, { sameTextElsewhere, vouched }), team, policy, now);
}
