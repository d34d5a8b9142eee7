import type { SlackWork } from '../contract/slack-work.js';
import type { Database } from '../db/client.js';
import { countCardsBehind, findOpenSurge, oweSlack } from '../db/slack-outbox.repository.js';

/** The surge of a lane whose root message is in Slack, if one is on. */
export async function surgeOf(db: Database, lane: string): Promise<{ key: string; ts: string } | undefined> {
  const surge = await findOpenSurge(db, lane);
  return surge?.ts ? { key: surge.key, ts: surge.ts } : undefined;
}

/**
 * Where a card owed to `lane` goes, at Slack's pace of a message a second:
 * its channel while the channel keeps up; past `threshold` cards behind, the
 * thread of one surge message that names the owner, owed first ('wait' until
 * it is posted); once the backlog has halved, the channel again, with a line
 * in the thread saying it is calm. Every state is a row of the outbox.
 */
export async function surgeThread(
  deps: { db: Database; now: () => Date },
  lane: string,
  channel: string,
  threshold: number,
): Promise<string | undefined | 'wait'> {
  const [behind, surge] = await Promise.all([countCardsBehind(deps.db, lane), findOpenSurge(deps.db, lane)]);
  if (!surge) {
    if (behind < threshold) return undefined;
    const key = `u-${lane}-${deps.now().getTime()}`;
    await oweSlack(deps.db, [{ work: { type: 'surge', backlog: behind }, key, lane, priority: -1 }]);
    return 'wait';
  }
  if (!surge.ts) return 'wait';
  if (behind * 2 >= threshold) return surge.ts;
  const text =
    ':white_check_mark: Calm again: the channel has caught up, and new conversations get their own card in it.';
  const work: SlackWork = { type: 'thread_line', channel, threadTs: surge.ts, text };
  await oweSlack(deps.db, [{ work, key: `e-${surge.key}` }]);
  return undefined;
}
