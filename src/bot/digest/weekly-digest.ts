import type { Database, Executor } from '../../db/client.js';
import { loadDigestFacts } from '../../db/digest.repository.js';
import { oweSlack } from '../../db/slack-outbox.repository.js';
import { findOwner } from '../../db/staff.repository.js';
import { renderDigestChart } from './chart.js';
import { digestAsText, shapeDigest } from './digest.js';
import { digestWeek, nextDigestAt } from './schedule.js';

export interface RenderedDigest {
  text: string;
  blocks: unknown[];
  png: Buffer;
  filename: string;
  title: string;
  /** The blocks as plain mrkdwn, for a dry run to read. */
  mrkdwn: string;
}

/**
 * The owner's digest for the week before `weekEnding` (Monday to Sunday in
 * `timezone` when it is a Monday morning there): the message and its chart,
 * ready for uploadFile. Reads only; the same week renders the same digest.
 */
export async function renderWeeklyDigest(
  db: Executor,
  { weekEnding, timezone }: { weekEnding: Date; timezone: string },
): Promise<RenderedDigest> {
  const week = digestWeek(weekEnding, timezone);
  const facts = await loadDigestFacts(db, week);
  const shaped = shapeDigest(week, facts);
  const png = await renderDigestChart(shaped.chart);
  return {
    text: shaped.text,
    blocks: shaped.blocks,
    png,
    filename: `firsthand-digest-${week.days[0]}.png`,
    title: `Weekly digest ${shaped.period}`,
    mrkdwn: digestAsText(shaped.blocks),
  };
}

/**
 * Owes the owner's next digest, due Monday 08:00 in their time zone. Asked
 * as often as anyone likes: the week's key makes it one digest.
 */
export async function oweNextDigest(deps: { db: Database; now: () => Date }): Promise<Date | undefined> {
  const owner = await findOwner(deps.db);
  if (!owner) return undefined;
  const at = nextDigestAt(deps.now(), owner.timezone);
  await oweSlack(deps.db, [{ work: { type: 'digest', weekEnding: at.toISOString(), user: owner.id }, at }]);
  return at;
}
