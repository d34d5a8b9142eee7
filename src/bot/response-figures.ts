import type { ConversationResponseFacts, TimeoutEventFacts } from '../db/response-figures.repository.js';

/**
 * Pure: how fast the team answered over a period, for the team, per person
 * and per network, from the facts the response-figures repository reads.
 * Shown by `/firsthand stats`, App Home, and the operations port's /stats.
 */

/** Each period ends now and reaches back this many days. */
export const PERIOD_DAYS = { week: 7, month: 30 } as const;
export type Period = keyof typeof PERIOD_DAYS;
export const PERIODS = Object.keys(PERIOD_DAYS) as Period[];

export const periodStart = (period: Period, now: Date): Date =>
  new Date(now.getTime() - PERIOD_DAYS[period] * 86_400_000);

/**
 * When a conversation's first response is due when its response clock gave
 * no time (it never ran, e.g. nobody held it): wall-clock minutes from its
 * opening. With a clock, its working-hours time is used instead.
 */
export function responseDueAt(openedAt: Date, targetMinutes: number): Date {
  return new Date(openedAt.getTime() + targetMinutes * 60_000);
}

export type DueAt = typeof responseDueAt;

export interface FigureSet {
  /** Conversations opened in the period. */
  opened: number;
  /** Of those, how many had a first response. */
  answered: number;
  medianFirstResponseMinutes: number | null;
  p90FirstResponseMinutes: number | null;
  /**
   * Among conversations opened in the period with a target that were answered
   * or are overdue now: how many were answered by their due time. `share` is
   * met / of, null when `of` is 0.
   */
  withinTarget: { met: number; of: number; share: number | null };
  /** Reassignments and escalations made in the period because nobody answered in time. */
  reassignedByTimeout: number;
  escalatedByTimeout: number;
  /** Open, unanswered, not snoozed and past due at the end of the period, whenever opened. */
  overdueNow: number;
}

export interface PersonFigures extends FigureSet {
  staffId: string;
  name: string;
}

export interface NetworkFigures extends FigureSet {
  network: string;
}

export interface ResponseFigures {
  period: Period;
  from: Date;
  to: Date;
  team: FigureSet;
  /** Busiest first (opened, then timeouts and overdue), then by name. */
  people: PersonFigures[];
  /** Busiest first, then by name. */
  networks: NetworkFigures[];
}

/**
 * The value below which a share `p` (0..1) of `values` falls, interpolating
 * linearly between neighbours as PostgreSQL's percentile_cont does: the
 * median of an even count is the mean of the middle two. Null when empty.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const below = Math.floor(rank);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (upper - lower) * (rank - below);
}

/** What one conversation or event adds to the figures it belongs to. */
interface Tally {
  opened: number;
  responseMinutes: number[];
  met: number;
  judged: number;
  reassignedByTimeout: number;
  escalatedByTimeout: number;
  overdueNow: number;
}

const emptyTally = (): Tally => ({
  opened: 0,
  responseMinutes: [],
  met: 0,
  judged: 0,
  reassignedByTimeout: 0,
  escalatedByTimeout: 0,
  overdueNow: 0,
});

function figures(t: Tally): FigureSet {
  return {
    opened: t.opened,
    answered: t.responseMinutes.length,
    medianFirstResponseMinutes: percentile(t.responseMinutes, 0.5),
    p90FirstResponseMinutes: percentile(t.responseMinutes, 0.9),
    withinTarget: { met: t.met, of: t.judged, share: t.judged === 0 ? null : t.met / t.judged },
    reassignedByTimeout: t.reassignedByTimeout,
    escalatedByTimeout: t.escalatedByTimeout,
    overdueNow: t.overdueNow,
  };
}

const busiest = (a: FigureSet, b: FigureSet) =>
  b.opened - a.opened ||
  b.reassignedByTimeout +
    b.escalatedByTimeout +
    b.overdueNow -
    (a.reassignedByTimeout + a.escalatedByTimeout + a.overdueNow);

export function computeResponseFigures(input: {
  period: Period;
  now: Date;
  conversations: readonly ConversationResponseFacts[];
  timeouts: readonly TimeoutEventFacts[];
  /** Names of the people who appear, from the roster; an id without one is shown as the id. */
  staffNames: ReadonlyMap<string, string>;
  dueAt?: DueAt;
}): ResponseFigures {
  const { period, now, staffNames } = input;
  const dueAt = input.dueAt ?? responseDueAt;
  const from = periodStart(period, now);
  const team = emptyTally();
  const people = new Map<string, Tally>();
  const networks = new Map<string, Tally>();
  const tallies = (person: string | null, network: string): Tally[] => {
    const list = [team, at(networks, network)];
    if (person) list.push(at(people, person));
    return list;
  };

  for (const c of input.conversations) {
    const firstResponseAt = c.firstResponseAt;
    // Whose it is: whoever answered first; unanswered, whoever holds it now.
    const person = c.firstResponderId ?? c.assigneeId;
    const due = c.clockDueAt ?? (c.targetMinutes === null ? undefined : dueAt(c.openedAt, c.targetMinutes));
    const snoozed = c.snoozedUntil !== null && c.snoozedUntil > now;
    const overdue = !firstResponseAt && c.open && !snoozed && due !== undefined && now > due;
    const inPeriod = c.openedAt >= from && c.openedAt <= now;
    for (const t of tallies(person, c.network)) {
      if (overdue) t.overdueNow++;
      if (!inPeriod) continue;
      t.opened++;
      if (firstResponseAt) {
        t.responseMinutes.push((firstResponseAt.getTime() - c.openedAt.getTime()) / 60_000);
        if (due) {
          t.judged++;
          if (firstResponseAt <= due) t.met++;
        }
      } else if (overdue) {
        t.judged++;
      }
    }
  }

  for (const e of input.timeouts) {
    if (e.at < from || e.at > now) continue;
    for (const t of tallies(e.staffId, e.network)) {
      if (e.type === 'handed_over') t.reassignedByTimeout++;
      else t.escalatedByTimeout++;
    }
  }

  const name = (id: string) => staffNames.get(id) ?? id;
  return {
    period,
    from,
    to: now,
    team: figures(team),
    people: [...people]
      .map(([staffId, t]) => ({ staffId, name: name(staffId), ...figures(t) }))
      .sort((a, b) => busiest(a, b) || a.name.localeCompare(b.name)),
    networks: [...networks]
      .map(([network, t]) => ({ network, ...figures(t) }))
      .sort((a, b) => busiest(a, b) || a.network.localeCompare(b.network)),
  };
}

function at(map: Map<string, Tally>, key: string): Tally {
  let tally = map.get(key);
  if (!tally) {
    tally = emptyTally();
    map.set(key, tally);
  }
  return tally;
}
