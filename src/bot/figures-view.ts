import type { KnownBlock } from '@slack/types';
import { LIMITS, networkName } from './blocks.js';
import { formatDuration, truncate } from './mrkdwn.js';
import { type FigureSet, PERIOD_DAYS, type ResponseFigures } from './response-figures.js';

/** Pure builders for response-time figures: the stats answer's sections and App Home's compact one. */

const minutes = (value: number | null) => (value === null ? '–' : formatDuration(value * 60_000));

/** "median 12 min, p90 45 min · 80% within target (8 of 10) · …", leaving out the timeouts when none. */
export function figuresLine(f: FigureSet): string {
  const parts = [
    f.answered === 0
      ? 'no first responses'
      : `first response median ${minutes(f.medianFirstResponseMinutes)}, p90 ${minutes(f.p90FirstResponseMinutes)}`,
  ];
  const { met, of, share } = f.withinTarget;
  if (share !== null) parts.push(`${Math.round(share * 100)}% within target (${met} of ${of})`);
  if (f.reassignedByTimeout > 0) parts.push(`${f.reassignedByTimeout} reassigned on timeout`);
  if (f.escalatedByTimeout > 0) parts.push(`${f.escalatedByTimeout} escalated on timeout`);
  if (f.overdueNow > 0) parts.push(`:warning: ${f.overdueNow} overdue now`);
  return parts.join(' · ');
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, LIMITS.text) },
});

/** Up to `maxSections` sections of fields, ten lines each, saying how many were left out. */
function fieldSections(lines: string[], maxSections: number): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const room = maxSections * LIMITS.fields;
  const shown =
    lines.length > room ? [...lines.slice(0, room - 1), `…and ${lines.length - room + 1} more.`] : lines;
  for (let i = 0; i < shown.length; i += LIMITS.fields) {
    blocks.push({
      type: 'section',
      fields: shown
        .slice(i, i + LIMITS.fields)
        .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.field) })),
    });
  }
  return blocks;
}

const opened = (f: FigureSet) => `${f.opened} new, ${f.answered} answered`;

/** The stats answer's figures: the team, then each person and each network. */
export function figuresBlocks(figures: ResponseFigures): KnownBlock[] {
  // People are roster ids the app wrote itself; networks go through networkName's escaping.
  const people = figures.people.map((p) => `<@${p.staffId}>: ${opened(p)}\n${figuresLine(p)}`);
  const networks = figures.networks.map(
    (n) => `*${networkName(n.network)}*: ${opened(n)}\n${figuresLine(n)}`,
  );
  return [
    section(`*Team:* ${figuresLine(figures.team)}`),
    ...(people.length ? [section('*By person*'), ...fieldSections(people, 3)] : []),
    ...(networks.length ? [section('*By network*'), ...fieldSections(networks, 2)] : []),
  ];
}

/** App Home's section: the team's week and the person's own, pointing to the command for the rest. */
export function homeFiguresSection(figures: ResponseFigures, staffId: string): KnownBlock[] {
  const mine = figures.people.find((p) => p.staffId === staffId);
  const days = PERIOD_DAYS[figures.period];
  const lines = [
    `*Team:* ${opened(figures.team)} · ${figuresLine(figures.team)}`,
    `*You:* ${mine ? `${opened(mine)} · ${figuresLine(mine)}` : 'nothing in this period'}`,
  ];
  return [
    section(lines.join('\n')),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `The last ${days} days. Per person and per network: \`/firsthand stats week\` or \`/firsthand stats month\`.`,
        },
      ],
    },
  ];
}
