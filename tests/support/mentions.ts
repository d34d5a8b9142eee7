import type { Executor } from '../../src/db/client.js';
import type { MentionRow, NewMentionRow } from '../../src/db/mentions.repository.js';
import { mentions } from '../../src/db/schema.js';

/** A stored mention to build on, written directly: ingest's own path is storeMentions, tested on its own. */
export async function insertMention(db: Executor, values: NewMentionRow): Promise<{ row: MentionRow }> {
  const [row] = await db.insert(mentions).values(values).returning();
  return { row: row! };
}
