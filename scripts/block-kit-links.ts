/**
 * `npm run docs:block-kit`: links to Slack's Block Kit Builder loaded with
 * what the team sees (a conversation's card, the reply modal, App Home), built
 * by the app's own pure builders from sample data, so a reader sees the real
 * rendering without installing anything.
 *
 *   npm run docs:block-kit              # prints the links as Markdown
 *   npm run docs:block-kit -- --write   # and puts them in README.md, between its block-kit-links markers
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { KnownBlock, View } from '@slack/types';
import { type ConversationCard, conversationMessage, replyModal } from '../src/bot/blocks.js';
import { type HomeData, homeView } from '../src/bot/home-view.js';
import { blockKitBuilderUrl } from './lib/block-kit-builder.js';

const NOW = new Date('2026-11-23T09:30:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const CONVERSATION = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const MENTION = '5d2c9b1a-7e4f-4a3b-8c6d-2e1f0a9b8c7d';

const CUSTOMER_TEXT =
  '@harbourbikes picked my bike up from a service on Saturday and the rear brake is already rubbing again. Can someone look at it before my commute tomorrow?';

/** A conversation as the channel shows it: given to Sam, who fixes brakes, with the router's reasons. */
export const SAMPLE_CARD: ConversationCard = {
  conversationId: CONVERSATION,
  network: 'x',
  status: 'open',
  escalated: false,
  assigneeId: 'U0SAM0001',
  author: { handle: 'maria_rides', name: 'María Castro', followers: 412, verified: false },
  text: CUSTOMER_TEXT,
  url: 'https://x.com/maria_rides/status/1861000000000000001',
  reasons: [
    'in the workshop team',
    '2 open conversations, fewest in the team',
    'repairs ("brake")',
    'rule "Unhappy customers are answered within the hour"',
  ],
  openedAt: minutesAgo(4),
  lastReply: undefined,
  firstRepliedAt: null,
  closedBy: undefined,
  understanding: { language: 'English', sentiment: 'negative', intent: 'complaint' },
  priority: 'high',
  dueAt: new Date(minutesAgo(4).getTime() + 60 * 60_000),
};

export const SAMPLE_HOME: HomeData = {
  now: NOW,
  me: { id: 'U0SAM0001', name: 'Sam Okafor', role: 'staff', awayUntil: null, open: 2, capacity: 5 },
  mine: [
    {
      conversationId: CONVERSATION,
      network: 'x',
      handle: 'maria_rides',
      text: CUSTOMER_TEXT,
      assigneeId: 'U0SAM0001',
      openedAt: minutesAgo(4),
      dueAt: new Date(minutesAgo(4).getTime() + 60 * 60_000),
      priority: 'high',
      link: 'https://slack.com/archives/C0CUSTOMERS/p1795426000000100',
    },
    {
      conversationId: '1c7e8b2f-4d6a-4b9c-8e3f-5a6b7c8d9e0f',
      network: 'mastodon',
      handle: 'pedalpusher@mastodon.social',
      text: 'Do you stock tubeless valves for 700c rims? Happy to pick them up this week.',
      assigneeId: 'U0SAM0001',
      openedAt: minutesAgo(95),
      dueAt: new Date(minutesAgo(95).getTime() + 240 * 60_000),
      link: 'https://slack.com/archives/C0CUSTOMERS/p1795420000000200',
    },
  ],
  waiting: [],
  team: [
    { id: 'U0OWNER01', name: 'Rosa Almeida', role: 'owner', awayUntil: null, open: 1, capacity: 5 },
    { id: 'U0SAM0001', name: 'Sam Okafor', role: 'staff', awayUntil: null, open: 2, capacity: 5 },
    { id: 'U0JANE001', name: 'Jane Whitfield', role: 'staff', awayUntil: null, open: 3, capacity: 5 },
    {
      id: 'U0LUCIA01',
      name: 'Lucía Romero',
      role: 'staff',
      awayUntil: new Date('2026-11-24T08:00:00Z'),
      open: 0,
      capacity: 5,
    },
    { id: 'U0TOM0001', name: 'Tom Becker', role: 'staff', awayUntil: null, open: 4, capacity: 6 },
  ],
  escalations: undefined,
  filtered: {
    latest: [
      {
        conversationId: '2d8f9c3a-5e7b-4c0d-9f4a-6b7c8d9e0f1a',
        network: 'instagram',
        handle: 'growth_boost_2024',
        text: 'Boost your shop fast! Buy 10k real followers and likes for only $9. Order at bit.ly/3grow10k',
        reasons: ['likely spam (100%: shortened links, followers phrases ("real followers"), no followers)'],
        at: minutesAgo(30),
      },
    ],
    lastDay: 1,
    lastWeek: 3,
  },
};

export interface Surface {
  name: string;
  /** What the reader sees there, for the link's line. */
  shows: string;
  payload: { blocks: KnownBlock[] } | View;
}

/** The three surfaces, each straight from its builder. */
export function sampleSurfaces(): Surface[] {
  return [
    {
      name: 'The card',
      shows: 'a conversation in the team channel, with its assignee, the reasons and the buttons',
      payload: { blocks: conversationMessage(SAMPLE_CARD).blocks },
    },
    {
      name: 'The reply modal',
      shows:
        'what *Reply* opens: the conversation so far and the answer, checked against the network’s limits',
      payload: replyModal({
        network: 'x',
        authorHandle: 'maria_rides',
        turns: [{ from: 'María Castro (@maria_rides)', text: CUSTOMER_TEXT }],
        metadata: { conversationId: CONVERSATION, mentionId: MENTION },
        limit: { max: 280, unit: 'characters' },
        privateAllowed: true,
        privateLimit: { max: 10_000, unit: 'characters' },
      }),
    },
    {
      name: 'App Home',
      shows: 'your conversations, your availability, the team’s load and what the spam filter dropped',
      payload: homeView(SAMPLE_HOME),
    },
  ];
}

/** One Markdown line a surface: its name linked to the Builder, and what it shows. */
export function blockKitLinks(): string {
  return sampleSurfaces()
    .map((s) => `- [${s.name}](${blockKitBuilderUrl(s.payload)}): ${s.shows}.`)
    .join('\n');
}

export const README_MARKERS = {
  start: '<!-- block-kit-links:start (npm run docs:block-kit -- --write) -->',
  end: '<!-- block-kit-links:end -->',
} as const;

/** The README with the links between its markers replaced by `links`. */
export function withLinks(readme: string, links: string): string {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error('README.md has no block-kit-links markers');
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n${links}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { write: { type: 'boolean', default: false } } });
  const links = blockKitLinks();
  console.log(links);
  if (values.write) {
    const path = fileURLToPath(new URL('../README.md', import.meta.url));
    writeFileSync(path, withLinks(readFileSync(path, 'utf8'), links));
    console.error('README.md updated');
  }
}
