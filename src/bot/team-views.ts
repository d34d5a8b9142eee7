import { AppError } from '../contract/errors.js';
import type { Database } from '../db/client.js';
import { latestEvents } from '../db/conversation-changes.repository.js';
import { appendEvent } from '../db/events.repository.js';
import { countQuarantined, listQuarantined } from '../db/quarantine.repository.js';
import {
  listConversationResponseFacts,
  listTimeoutEvents,
  staffNames,
} from '../db/response-figures.repository.js';
import { listRosterWithLoad, type StaffRow } from '../db/staff.repository.js';
import {
  listOpenConversations,
  type OpenConversation,
  type OpenFilter,
  periodStats,
  setAwayUntil,
} from '../db/workload.repository.js';
import { parseCommand } from './command.js';
import { type ActionDeps, requireRosterMember } from './conversation-actions.js';
import { activeSnooze, routingFacts } from './conversation-card.js';
import { loadFiltered } from './filtered-mentions.js';
import {
  availability,
  type CommandAnswer,
  type ConversationSummary,
  HELP,
  type HomeData,
  meAnswer,
  plainAnswer,
  type QuarantineOverview,
  queueAnswer,
  statsAnswer,
  type TeamMember,
} from './home-view.js';
import {
  computeResponseFigures,
  type Period,
  periodStart,
  type ResponseFigures,
} from './response-figures.js';

/** The read side of App Home and /firsthand, and the availability changes the command makes. */

export type LinkBuilder = (channel: string, ts: string) => string | undefined;

const member = (s: StaffRow & { openConversations?: number }): TeamMember => ({
  id: s.id,
  name: s.name,
  role: s.role,
  awayUntil: s.awayUntil,
  open: s.openConversations ?? 0,
  capacity: s.capacity,
});

async function summaries(
  db: Database,
  filter: OpenFilter,
  now: Date,
  link: LinkBuilder | undefined,
): Promise<ConversationSummary[]> {
  const rows: OpenConversation[] = await listOpenConversations(db, filter);
  const ids = rows.map((r) => r.conversation.id);
  const [assigned, snoozes] = await Promise.all([
    latestEvents(db, ids, ['conversation.assigned']),
    latestEvents(db, ids, ['conversation.snoozed', 'conversation.snooze_ended']),
  ]);
  const list = rows.map(({ conversation: c, text }) => {
    const facts = routingFacts(c, assigned.get(c.id)?.details ?? {});
    const snooze = snoozes.get(c.id);
    const snoozedUntil = snooze ? activeSnooze([snooze], now) : undefined;
    const href = c.slackChannel && c.slackTs && link ? link(c.slackChannel, c.slackTs) : undefined;
    return {
      conversationId: c.id,
      network: c.network,
      handle: c.authorHandle,
      text,
      assigneeId: c.assigneeId,
      openedAt: c.openedAt,
      ...(facts.dueAt ? { dueAt: facts.dueAt } : {}),
      ...(facts.priority ? { priority: facts.priority } : {}),
      ...(snoozedUntil ? { snoozedUntil } : {}),
      ...(href ? { link: href } : {}),
    };
  });
  // Most pressing first: the earliest deadline, then the oldest; snoozed ones last.
  const key = (s: ConversationSummary) =>
    (s.snoozedUntil ? 1e15 : 0) + (s.dueAt?.getTime() ?? s.openedAt.getTime() + 1e13);
  return list.sort((a, b) => key(a) - key(b));
}

export async function loadHome(
  deps: Pick<ActionDeps, 'db' | 'now'>,
  userId: string,
  link?: LinkBuilder,
): Promise<HomeData | undefined> {
  const now = deps.now();
  const team = await listRosterWithLoad(deps.db);
  const me = team.find((s) => s.id === userId);
  if (!me) return undefined;
  const [mine, waiting, escalations, filtered, quarantined, figures] = await Promise.all([
    summaries(deps.db, { assigneeId: me.id }, now, link),
    summaries(deps.db, { unassigned: true }, now, link),
    me.role === 'owner' ? summaries(deps.db, { escalated: true }, now, link) : Promise.resolve(undefined),
    // Everyone on the roster may bring a real customer back from the filter.
    loadFiltered(deps.db, now),
    me.role === 'owner' ? loadQuarantine(deps.db, now) : Promise.resolve(undefined),
    loadResponseFigures(deps, 'week'),
  ]);
  const home: HomeData = {
    me: member(me),
    now,
    mine,
    waiting,
    team: team.map(member),
    escalations,
    filtered,
    figures,
  };
  return quarantined ? { ...home, quarantined } : home;
}

/** Response times over the period ending now, for the team, each person and each network. */
export async function loadResponseFigures(
  deps: Pick<ActionDeps, 'db' | 'now'>,
  period: Period,
): Promise<ResponseFigures> {
  const now = deps.now();
  const since = periodStart(period, now);
  const [conversations, timeouts, names] = await Promise.all([
    listConversationResponseFacts(deps.db, since, now),
    listTimeoutEvents(deps.db, since, now),
    staffNames(deps.db),
  ]);
  return computeResponseFigures({ period, now, conversations, timeouts, staffNames: names });
}

const QUARANTINE_DAYS = 7;

async function loadQuarantine(db: Database, now: Date): Promise<QuarantineOverview | undefined> {
  const count = await countQuarantined(db, new Date(now.getTime() - QUARANTINE_DAYS * 86_400_000));
  if (count === 0) return undefined;
  const latest = await listQuarantined(db, 3);
  return {
    days: QUARANTINE_DAYS,
    count,
    latest: latest.map((row) => ({ source: row.source, reason: row.reason, at: row.quarantinedAt })),
  };
}

/** Answers /firsthand for a roster member; refuses anyone else with the reason. */
export async function runCommand(deps: ActionDeps, userId: string, text: string): Promise<CommandAnswer> {
  const actor = await requireRosterMember(deps.db, userId);
  const now = deps.now();
  const command = parseCommand(text, now, actor.timezone);
  switch (command.kind) {
    case 'me': {
      const team = await listRosterWithLoad(deps.db);
      const me = team.find((s) => s.id === actor.id) ?? { ...actor, openConversations: 0 };
      return meAnswer(member(me), await summaries(deps.db, { assigneeId: actor.id }, now, undefined), now);
    }
    case 'queue':
      return queueAnswer(
        await summaries(deps.db, { unassigned: true }, now, undefined),
        await summaries(deps.db, { escalated: true }, now, undefined),
        now,
      );
    case 'stats': {
      const [stats, figures, team] = await Promise.all([
        periodStats(deps.db, periodStart(command.period, now)),
        loadResponseFigures(deps, command.period),
        listRosterWithLoad(deps.db),
      ]);
      return statsAnswer(stats, figures, team.map(member), now);
    }
    case 'away':
    case 'back': {
      const until = command.kind === 'away' ? command.until : null;
      await deps.db.transaction(async (tx) => {
        if (!(await setAwayUntil(tx, actor.id, until))) {
          throw new AppError('rights.not_on_roster', "You're not on this team's Firsthand roster.");
        }
        await appendEvent(tx, {
          type: command.kind === 'away' ? 'staff.away' : 'staff.back',
          actor: actor.id,
          details: { until: until?.toISOString() ?? null },
        });
      });
      const note =
        command.kind === 'away'
          ? 'New conversations go to your colleagues meanwhile.'
          : 'New conversations can come to you again.';
      return plainAnswer(`${availability(until, now)}. ${note}`);
    }
    case 'help':
      return plainAnswer(command.problem ? `${command.problem}\n${HELP}` : HELP);
  }
}
