import type {
  DigestFacts,
  MissedConversation,
  MissedReason,
  OwnerLaneCase,
  OwnerLaneOutcome,
  TopCustomer,
} from '../../db/digest.repository.js';
import { displayName, escapeMrkdwn, fitEscaped, formatDuration, mrkdwnLink, nameText } from '../mrkdwn.js';
import type { DigestWeek } from './schedule.js';

/**
 * The owner's weekly digest as Slack text and Block Kit, and the figures its
 * chart draws. Pure: facts in, message out. Handles, names and reasons may
 * carry a customer's words, so every one of them goes through mrkdwn.ts.
 */

export interface ChartDay {
  /** "Mon 30": short enough for seven to sit side by side */
  label: string;
  opened: number;
  medianMinutes: number | null;
  p90Minutes: number | null;
}

export interface ChartLoad {
  person: string;
  kind: 'closed' | 'open at week end';
  count: number;
}

export interface ChartData {
  title: string;
  days: ChartDay[];
  load: ChartLoad[];
}

export interface ShapedDigest {
  /** The notification text and the fallback for clients that show no blocks. */
  text: string;
  blocks: DigestBlock[];
  chart: ChartData;
  /** "30 Nov – 6 Dec 2026" */
  period: string;
}

export type DigestBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

// Slack's limits (platform facts A4): a section's text holds 3000 characters, a header 150.
const SECTION_MAX = 3000;
const HANDLE_MAX = 80;
const REASON_MAX = 200;

const dayLabel = (isoDay: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(new Date(`${isoDay}T12:00:00Z`))
    .replace(',', '');

const shortDate = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone })
    .format(at)
    .replace(',', '');

function periodOf(week: DigestWeek): string {
  const first = week.days[0] ?? '';
  const last = week.days[week.days.length - 1] ?? '';
  const fmt = (isoDay: string, withYear: boolean) =>
    new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      ...(withYear ? { year: 'numeric' } : {}),
      timeZone: 'UTC',
    }).format(new Date(`${isoDay}T12:00:00Z`));
  return `${fmt(first, first.slice(0, 4) !== last.slice(0, 4))} – ${fmt(last, true)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
// A target is set in whole minutes or hours: "1 h" reads better than "1 h 0 min".
const target = (m: number) =>
  m >= 60 && m % 60 === 0 && m < 48 * 60 ? `${m / 60} h` : formatDuration(m * 60_000);
const minutes = (m: number | null) => (m === null ? '–' : formatDuration(m * 60_000));

/** A customer as the digest shows them: a link to where they wrote when there is one. */
function customerLabel(network: string, handle: string, url: string | null): string {
  const shown = `@${displayName(handle)}`.slice(0, HANDLE_MAX);
  const link = mrkdwnLink(url, shown);
  return `${link || nameText(shown, HANDLE_MAX)} on ${escapeMrkdwn(network)}`;
}

const MISSED_WHY: Record<MissedReason, string> = {
  nobody_eligible: 'nobody eligible could take it',
  snoozed: 'snoozed past its target',
  closed_unanswered: 'closed late without a reply',
  still_open: 'still open',
};

function missedLine(m: MissedConversation, timeZone: string): string {
  let why = MISSED_WHY[m.reason];
  if (m.reason === 'nobody_eligible' && m.queuedBecause)
    why += ` (${fitEscaped(m.queuedBecause, REASON_MAX)})`;
  if ((m.reason === 'still_open' || m.reason === 'snoozed') && m.assigneeName)
    why += `, with ${nameText(m.assigneeName, HANDLE_MAX)}`;
  return `• ${customerLabel(m.network, m.authorHandle, m.url)}, opened ${shortDate(m.openedAt, timeZone)}, target ${target(m.targetMinutes)}: ${why}`;
}

function customerLine(c: TopCustomer): string {
  const name = c.name && c.name !== c.handle ? ` (${nameText(c.name, HANDLE_MAX)})` : '';
  return `• @${nameText(c.handle, HANDLE_MAX)}${name} on ${escapeMrkdwn(c.network)}: ${plural(c.mentions, 'mention')} in ${plural(c.conversations, 'conversation')}`;
}

const OUTCOME: Record<OwnerLaneOutcome, string> = {
  resolved: 'resolved',
  spam: 'marked spam',
  not_spam: 'brought back from spam',
  replied: 'replied, still open',
  open: 'open, no reply yet',
};

function ownerLaneLine(c: OwnerLaneCase, timeZone: string): string {
  const reason = c.reason ? `: ${fitEscaped(c.reason, REASON_MAX)}` : '';
  return `• ${customerLabel(c.network, c.authorHandle, c.url)}, ${shortDate(c.escalatedAt, timeZone)}${reason} → *${OUTCOME[c.outcome]}*`;
}

/** A titled list within one section's limit, the rest counted rather than dropped silently. */
function listSection(title: string, lines: string[], empty: string, total = lines.length): DigestBlock {
  const tailRoom = 24; // "…and 1234 more"
  let text = `*${title}*`;
  if (total === 0) text += `\n${empty}`;
  let shown = 0;
  for (const line of lines) {
    if (text.length + 1 + line.length + tailRoom > SECTION_MAX) break;
    text += `\n${line}`;
    shown++;
  }
  if (shown < total) text += `\n…and ${total - shown} more`;
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function shapeDigest(week: DigestWeek, facts: DigestFacts): ShapedDigest {
  const byDay = new Map(facts.days.map((d) => [d.day, d]));
  const days = week.days.map((day) => {
    const found = byDay.get(day);
    return {
      day,
      label: dayLabel(day),
      opened: found?.opened ?? 0,
      answered: found?.answered ?? 0,
      medianMinutes: found?.medianMinutes ?? null,
      p90Minutes: found?.p90Minutes ?? null,
    };
  });
  const opened = days.reduce((n, d) => n + d.opened, 0);
  const answered = days.reduce((n, d) => n + d.answered, 0);
  const missedTotal = Math.max(facts.missedTotal, facts.missed.length);
  const laneTotal = Math.max(facts.ownerLaneTotal, facts.ownerLane.length);
  const period = periodOf(week);

  const summary = [
    `*${plural(opened, 'conversation')}* opened, *${answered}* answered`,
    `*${missedTotal}* missed ${missedTotal === 1 ? 'its' : 'their'} response target`,
    `*${laneTotal}* in the owner lane`,
  ].join(' · ');

  const dayLines = days.map(
    (d) =>
      `• ${d.label}: ${plural(d.opened, 'opened', 'opened')}, ${d.answered} answered` +
      (d.medianMinutes === null
        ? ''
        : `, median ${minutes(d.medianMinutes)}, 90% within ${minutes(d.p90Minutes)}`),
  );
  const loadLines = facts.load.map(
    (p) =>
      `• ${nameText(p.name, HANDLE_MAX)}${p.role === 'owner' ? ' (owner)' : ''}: ${p.assigned} assigned, ${p.closed} closed, ${p.openAtEnd} open at week end, ${plural(p.repliesPosted, 'reply', 'replies')}`,
  );

  const blocks: DigestBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Weekly digest: ${period}` } },
    { type: 'section', text: { type: 'mrkdwn', text: summary } },
    { type: 'divider' },
    listSection('First response by day', dayLines, 'No conversations opened.'),
    listSection('Load by person', loadLines, 'Nobody on the roster.'),
    listSection(
      'Missed',
      facts.missed.map((m) => missedLine(m, week.timezone)),
      'Nothing missed: every target that fell due was met.',
      missedTotal,
    ),
    listSection('Customers who wrote most', facts.topCustomers.map(customerLine), 'Nobody wrote this week.'),
    listSection(
      'Owner lane',
      facts.ownerLane.map((c) => ownerLaneLine(c, week.timezone)),
      'Nothing was escalated to the owner.',
      laneTotal,
    ),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Days and times in ${escapeMrkdwn(week.timezone)}.` }],
    },
  ];

  const chart: ChartData = {
    title: `Week of ${period}`,
    days: days.map(({ label, opened: n, medianMinutes, p90Minutes }) => ({
      label: label.split(' ').slice(0, 2).join(' '),
      opened: n,
      medianMinutes,
      p90Minutes,
    })),
    load: facts.load.flatMap((p) => [
      { person: displayName(p.name), kind: 'closed' as const, count: p.closed },
      { person: displayName(p.name), kind: 'open at week end' as const, count: p.openAtEnd },
    ]),
  };

  return {
    text: `Weekly digest ${period}: ${plural(opened, 'conversation')} opened, ${answered} answered, ${missedTotal} missed, ${laneTotal} in the owner lane`,
    blocks,
    chart,
    period,
  };
}

/** The blocks as one mrkdwn text, for a dry run to read. */
export function digestAsText(blocks: DigestBlock[]): string {
  const one = (b: DigestBlock): string => {
    if (b.type === 'header') return `# ${b.text.text}`;
    if (b.type === 'section') return b.text.text;
    if (b.type === 'context') return b.elements.map((e) => `_${e.text}_`).join(' ');
    return '---';
  };
  return blocks.map(one).join('\n\n');
}
