import { z } from 'zod';
import { AppError } from '../contract/errors.js';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import type { Database } from '../db/client.js';
import { mentionToRow, type StoredMention, storeMentions } from '../db/mentions.repository.js';
import { type QuarantineEntry, quarantineItems } from '../db/quarantine.repository.js';
import { enqueueMentions, type Queues } from '../queue/queues.js';

const BodySchema = z.union([MentionSchema, z.array(MentionSchema).min(1).max(1000)]);

/** Parses a request body holding one mention or an array; any bad field refuses the whole body. */
export function parseMentionsBody(body: unknown): Mention[] {
  const parsed = BodySchema.safeParse(body);
  if (parsed.success) return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  // A union error is vague; re-parse the likely branch so the message names the field.
  const precise = Array.isArray(body)
    ? z.array(MentionSchema).min(1).max(1000).safeParse(body)
    : MentionSchema.safeParse(body);
  throw new AppError('ingest.invalid_mention', describeIssues(precise.error ?? parsed.error));
}

export interface IngestDeps {
  db: Database;
  queues: Queues;
  /** Told how many items a source had quarantined, for /metrics. */
  onQuarantined?: (source: string, count: number) => void;
}

export interface AcceptResult {
  accepted: number;
  duplicate: number;
  /** Items the database refused, kept in quarantine with the reason; absent when none. */
  quarantined?: number;
}

/** Keeps items that cannot be stored as mentions, with why, and counts them. */
export async function quarantine(deps: IngestDeps, entries: QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await quarantineItems(deps.db, entries);
  for (const [source, count] of countBy(entries.map((entry) => entry.source)))
    deps.onQuarantined?.(source, count);
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * Whether the database refused this data (SQLSTATE class 22, a data
 * exception, or a check or not-null violation) rather than failed to answer:
 * the same row would be refused forever, so retrying it is a poison pill.
 */
export function refusedByDatabase(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^(22|23502|23514)/.test(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Stores the batch in one statement; when the database refuses something in
 * it, stores the mentions one at a time instead and quarantines each it
 * refuses, so one bad mention never fails the rest.
 */
async function storeEachOnce(
  deps: IngestDeps,
  mentions: Mention[],
  source: string,
): Promise<{ stored: StoredMention[]; quarantined: number }> {
  try {
    return { stored: await storeMentions(deps.db, mentions.map(mentionToRow), source), quarantined: 0 };
  } catch (error) {
    if (!refusedByDatabase(error)) throw error;
  }
  const stored: StoredMention[] = [];
  const refused: QuarantineEntry[] = [];
  for (const mention of mentions) {
    try {
      stored.push(...(await storeMentions(deps.db, [mentionToRow(mention)], source)));
    } catch (error) {
      if (!refusedByDatabase(error)) throw error;
      refused.push({
        source,
        reason: `database refused it: ${(error as Error).message}`,
        payload: mention,
        network: mention.network,
        externalId: mention.externalId,
      });
    }
  }
  await quarantine(deps, refused);
  return { stored, quarantined: refused.length };
}

/**
 * Stores each mention once, durably, then queues it for routing. A duplicate
 * that has not reached Slack yet is queued again under the same job id, which
 * BullMQ ignores while the first job exists and which recovers a lost job.
 */
export async function acceptMentions(
  deps: IngestDeps,
  mentions: Mention[],
  source: string,
): Promise<AcceptResult> {
  const { stored, quarantined } = await storeEachOnce(deps, mentions, source);
  const accepted = stored.filter((row) => row.inserted).length;
  // One queue call for the batch: new mentions, and stored ones not yet in Slack (a lost job is recovered).
  const toQueue = stored
    .filter((row) => row.inserted || !row.notified)
    .map((row) => ({ id: row.id, network: row.network as Mention['network'], externalId: row.externalId }));
  await enqueueMentions(deps.queues, toQueue);
  // A mention listed twice in one body, or stored concurrently by another request, is a duplicate.
  const duplicate = mentions.length - accepted - quarantined;
  return quarantined > 0 ? { accepted, duplicate, quarantined } : { accepted, duplicate };
}
