import type { SlackWork } from '../contract/slack-work.js';
import type { Database } from '../db/client.js';
import type { OutboxRow } from '../db/slack-outbox.repository.js';
import { countCardsBehind, findOpenSurge } from '../db/slack-outbox-queries.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';

/** The surge of a lane whose root message is in Slack, if one is on. */
export async function surgeOf(db: Database, lane: string): Promise<{ key: string; ts: string } | undefined> {
  const surge = await findOpenSurge(db, lane);
  return surge?.ts ? { key: surge.key, ts: surge.ts } : undefined;
}

// A lane's backlog and surge, read at most this often: reading them for every card would cost more
// than the card. Only the sender holding the lease changes a surge, and it forgets what it changed.
const LANE_STATE_MAX_AGE_MS = 1000;
type LaneState = { behind: number; surge: OutboxRow | undefined };
const laneStates = new WeakMap<Database, Map<string, { at: number; state: Promise<LaneState> }>>();

function laneState(db: Database, lane: string): Promise<LaneState> {
  const lanes = laneStates.get(db) ?? new Map<string, { at: number; state: Promise<LaneState> }>();
  laneStates.set(db, lanes);
  const known = lanes.get(lane);
  if (known && Date.now() - known.at < LANE_STATE_MAX_AGE_MS) return known.state;
  const state = Promise.all([countCardsBehind(db, lane), findOpenSurge(db, lane)]).then(
    ([behind, surge]) => ({ behind, surge }),
  );
  lanes.set(lane, { at: Date.now(), state });
  state.catch(() => lanes.delete(lane));
  return state;
}

const forget = (db: Database, lane: string) => laneStates.get(db)?.delete(lane);

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
  const { behind, surge } = await laneState(deps.db, lane);
  if (!surge) {
    if (behind < threshold) return undefined;
    const key = `u-${lane}-${deps.now().getTime()}`;
    await oweSlack(deps.db, [{ work: { type: 'surge', backlog: behind }, key, lane, priority: -1 }]);
    forget(deps.db, lane);
    return 'wait';
  }
  if (!surge.ts) {
    forget(deps.db, lane); // its root goes next: look again then
    return 'wait';
  }
  if (behind * 2 >= threshold) return surge.ts;
  const text =
    ':white_check_mark: Calm again: the channel has caught up, and new conversations get their own card in it.';
  const work: SlackWork = { type: 'thread_line', channel, threadTs: surge.ts, text };
  await oweSlack(deps.db, [{ work, key: `e-${surge.key}` }]);
  forget(deps.db, lane);
  return undefined;
}
