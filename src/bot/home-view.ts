import type { KnownBlock, View } from '@slack/types';
import type { PeriodStats } from '../db/workload.repository.js';
import { LIMITS, networkName } from './blocks.js';
import { AWAY_INDEFINITELY, slackDate } from './clock.js';
import { figuresBlocks, figuresLine, homeFiguresSection } from './figures-view.js';
import { type FilteredOverview, filteredSection } from './filtered-view.js';
import { escapeMrkdwn, fitQuoted, mrkdwnLink, nameText, truncate } from './mrkdwn.js';
import { PERIOD_DAYS, type ResponseFigures } from './response-figures.js';

/** Pure builders for App Home and the /firsthand answers. */

export interface ConversationSummary {
  conversationId: string;
  network: string;
  handle: string;
  text: string;
  assigneeId: string | null;
  openedAt: Date;
  dueAt?: Date;
  priority?: string;
  snoozedUntil?: Date;
  link?: string;
}

export interface TeamMember {
  id: string;
  name: string;
  role: 'owner' | 'staff';
  awayUntil: Date | null;
  open: number;
  capacity: number;
}

export function availability(awayUntil: Date | null, now: Date): string {
  if (!awayUntil || awayUntil <= now) return ':large_green_circle: Available';
  if (awayUntil >= AWAY_INDEFINITELY) return ':palm_tree: Away until you say you are back';
  return `:palm_tree: Away until ${slackDate(awayUntil)}`;
}

function summaryLine(c: ConversationSummary, now: Date): string {
  const who = `*${networkName(c.network)}* · @${nameText(c.handle, 80)}`;
  const facts: string[] = [];
  if (c.priority && c.priority !== 'normal') facts.push(escapeMrkdwn(c.priority));
  if (c.dueAt)
    facts.push(`${c.dueAt < now ? ':warning: overdue since' : 'respond by'} ${slackDate(c.dueAt)}`);
  if (c.snoozedUntil) facts.push(`:zzz: until ${slackDate(c.snoozedUntil)}`);
  const link = mrkdwnLink(c.link, 'Open', 2000);
  const head = [who, ...facts, ...(link ? [link] : [])].join(' · ');
  return `${head}\n${fitQuoted(c.text || '(no text)', 300).text}`;
}

/** Sections for a list of conversations, at most `max` blocks, saying how many were left out. */
function conversationList(list: ConversationSummary[], max: number, now: Date, empty: string): KnownBlock[] {
  if (list.length === 0) return [{ type: 'context', elements: [{ type: 'mrkdwn', text: empty }] }];
  const shown = list.slice(0, max - 1);
  const blocks: KnownBlock[] = shown.map((c) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(summaryLine(c, now), LIMITS.text) },
  }));
  if (list.length > shown.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${list.length - shown.length} more.` }],
    });
  }
  return blocks;
}

function teamFields(team: TeamMember[], now: Date): KnownBlock[] {
  const lines = team.map(
    (m) =>
      `<@${m.id}> ${m.open}/${m.capacity} open${m.awayUntil && m.awayUntil > now ? ' · away' : ''}${m.role === 'owner' ? ' · owner' : ''}`,
  );
  const blocks: KnownBlock[] = [];
  // Fields hold ten entries each; a long roster spills into further sections.
  for (let i = 0; i < lines.length && blocks.length < 5; i += LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: lines
        .slice(i, i + LIMITS.fields)
        .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.field) })),
    });
  }
  return blocks;
}

const header = (text: string): KnownBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, 150) },
});

export interface HomeData {
  me: TeamMember;
  now: Date;
  mine: ConversationSummary[];
  waiting: ConversationSummary[];
  team: TeamMember[];
  /** Only for the owner. */
  escalations: ConversationSummary[] | undefined;
  /** What the spam filter dropped lately; left out when undefined. */
  filtered?: FilteredOverview;
  /** A line above the rest: why a click made in App Home changed nothing. */
  notice?: string;
  /** Only for the owner, and only when items were quarantined lately. */
  quarantined?: QuarantineOverview;
  /** How fast the team answered over the last week; left out when undefined. */
  figures?: ResponseFigures;
}

/** Items kept out of storage lately (they broke the contract, or the database refused them). */
export interface QuarantineOverview {
  days: number;
  count: number;
  latest: { source: string; reason: string; at: Date }[];
}

function quarantineSection(q: QuarantineOverview): KnownBlock[] {
  const lines = q.latest.map(
    (item) =>
      `${slackDate(item.at)} \`${escapeMrkdwn(item.source)}\`: ${escapeMrkdwn(truncate(item.reason, 300))}`,
  );
  const summary = `${q.count} item${q.count === 1 ? '' : 's'} could not be stored in the last ${q.days} days and ${q.count === 1 ? 'is' : 'are'} kept in quarantine (table \`quarantined_items\`); the rest of each batch was stored.`;
  return [
    header('Quarantined items'),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate([summary, ...lines].join('\n'), LIMITS.text) },
    },
  ];
}

export function homeView(data: HomeData): View {
  const { now } = data;
  const blocks: KnownBlock[] = [
    ...(data.notice
      ? [
          {
            type: 'context',
            elements: [
              { type: 'mrkdwn', text: truncate(`:information_source: ${data.notice}`, LIMITS.text) },
            ],
          } satisfies KnownBlock,
        ]
      : []),
    header('Your conversations'),
    ...conversationList(data.mine, 35, now, 'Nothing assigned to you right now.'),
    { type: 'divider' },
    header('Your availability'),
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${availability(data.me.awayUntil, now)}\nChange it with \`/firsthand away [until]\` or \`/firsthand back\`.`,
      },
    },
  ];
  if (data.escalations) {
    blocks.push(
      { type: 'divider' },
      header('Escalations waiting for you'),
      ...conversationList(data.escalations, 20, now, 'No escalations waiting.'),
    );
  }
  blocks.push({ type: 'divider' }, header("The team's load"), ...teamFields(data.team, now), {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text:
          data.waiting.length === 0
            ? 'Nobody is waiting in the queue.'
            : `${data.waiting.length} conversation${data.waiting.length === 1 ? '' : 's'} waiting for someone to claim.`,
      },
    ],
  });
  if (data.figures) {
    blocks.push(
      { type: 'divider' },
      header('Response times'),
      ...homeFiguresSection(data.figures, data.me.id),
    );
  }
  if (data.filtered) blocks.push({ type: 'divider' }, ...filteredSection(data.filtered));
  if (data.quarantined) blocks.push({ type: 'divider' }, ...quarantineSection(data.quarantined));
  return { type: 'home', blocks: blocks.slice(0, LIMITS.viewBlocks) };
}

/** Answers to /firsthand, shown only to the person who asked. */
export interface CommandAnswer {
  text: string;
  blocks: KnownBlock[];
}

const answer = (text: string, blocks?: KnownBlock[]): CommandAnswer => ({
  text: truncate(text, LIMITS.text),
  blocks: blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.text) } }],
});

export const HELP =
  '`/firsthand me` your conversations · `/firsthand queue` conversations nobody has · `/firsthand away [2h|3d|tomorrow|friday|2025-08-01]` · `/firsthand back` · `/firsthand stats [week|month]` the last 7 or 30 days';

export function meAnswer(me: TeamMember, mine: ConversationSummary[], now: Date): CommandAnswer {
  const head = `${availability(me.awayUntil, now)} · ${mine.length} open conversation${mine.length === 1 ? '' : 's'}`;
  return answer(head, [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...conversationList(mine, 20, now, 'Nothing assigned to you right now.'),
  ]);
}

export function queueAnswer(
  waiting: ConversationSummary[],
  escalated: ConversationSummary[],
  now: Date,
): CommandAnswer {
  const head = `${waiting.length} waiting for someone to claim · ${escalated.length} escalated to the owner`;
  return answer(head, [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...conversationList(waiting, 20, now, 'Nobody is waiting.'),
    ...(escalated.length ? [header('Escalated'), ...conversationList(escalated, 20, now, '')] : []),
  ]);
}

/** The team's figures over the period, as the stats command shows them: counts, response times, load. */
export function statsAnswer(
  stats: PeriodStats,
  figures: ResponseFigures,
  team: TeamMember[],
  now: Date,
): CommandAnswer {
  const head = `Last ${PERIOD_DAYS[figures.period]} days: ${stats.opened} new, ${stats.replied} replied, ${stats.resolved} resolved, ${stats.spam} spam. Open now: ${stats.openNow}.`;
  return answer(`${head} ${figuresLine(figures.team)}`, [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...figuresBlocks(figures),
    header("The team's load"),
    ...teamFields(team, now),
  ]);
}

export const plainAnswer = (text: string): CommandAnswer => answer(text);
