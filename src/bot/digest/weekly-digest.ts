import type { Database, Executor } from '../../db/client.js';
import { loadDigestFacts } from '../../db/digest.repository.js';
import { oweSlack } from '../../db/slack-owed.repository.js';
import { findOwner } from '../../db/staff.repository.js';
import { renderDigestChart } from './chart.js';
import { type ChartData, digestAsText, shapeDigest } from './digest.js';
import { digestWeek, nextDigestAt } from './schedule.js';

/** The digest's message, and the data its chart is drawn from. */
export interface DigestMessage {
  text: string;
  blocks: unknown[];
  chart: ChartData;
  filename: string;
  title: string;
  /** The blocks as plain mrkdwn, for a dry run to read. */
  mrkdwn: string;
}

export type RenderedDigest = DigestMessage & { png: Buffer };

/**
 * The owner's digest message for the week before `weekEnding` (Monday to
 * Sunday in `timezone` when it is a Monday morning there), without drawing
 * its chart. Reads only; the same week gives the same digest.
 */
export async function weeklyDigestMessage(
  db: Executor,
  { weekEnding, timezone }: { weekEnding: Date; timezone: string },
): Promise<DigestMessage> {
  const week = digestWeek(weekEnding, timezone);
  const shaped = shapeDigest(week, await loadDigestFacts(db, week));
  return {
    text: shaped.text,
    blocks: shaped.blocks,
    chart: shaped.chart,
    filename: `firsthand-digest-${week.days[0]}.png`,
    title: `Weekly digest ${shaped.period}`,
    mrkdwn: digestAsText(shaped.blocks),
  };
}

/** The digest message and its chart drawn as a PNG, ready for uploadFile. */
export async function renderWeeklyDigest(
  db: Executor,
  week: { weekEnding: Date; timezone: string },
): Promise<RenderedDigest> {
  const message = await weeklyDigestMessage(db, week);
  return { ...message, png: await renderDigestChart(message.chart) };
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
