/**
 * `npm run demo`: the whole pipeline on embedded defaults (PGlite, a private
 * redis-server, Slack and X stand-ins), fed with real customer conversations,
 * printing what the team would see in Slack.
 *
 *   npm run demo                 # 20 conversations, a few seconds
 *   npm run demo -- --full       # all 500 conversations (585 mentions)
 *   npm run demo -- --conversations 50
 *   npm run demo -- --clock      # one conversation's response clock, on a clock the demo moves
 *   npm run demo -- --storm      # a storm: 300 mentions in a few seconds, told as a few stories
 *
 * Three conversations written for the demo: a customer who writes twice
 * (the second mention joins the first's conversation and stays with its
 * person) opens the replay; a reporter asking the owner for an interview
 * (escalated, with its evidence, and the owner's DM) and a post selling
 * followers (dropped by the spam filter, with its reason, as App Home lists
 * it) follow the real ones. The first card is also printed as a Block Kit
 * Builder link, to see it as Slack renders it.
 *
 * `--clock` runs the response clock instead (docs/response-clock.md): one
 * unhappy customer on a Friday morning, the clock moved forward by the demo
 * (hours in a fraction of a second), the assignee's reminder, the offer to a
 * colleague who presses Claim, the owner told, then Monday's weekly digest
 * with its chart, written to --out (digest-preview/ by default) as uploaded.
 *
 * `--storm` posts a burst (four stories told in many words, and a few
 * customers with questions of their own) and prints what the team sees once
 * it settles: the storm's root, each story's message with its count, the cards
 * of their own, and the owner's DM (docs: issue #21).
 *
 * With SLACK_BOT_TOKEN, SLACK_CHANNEL_ID and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)
 * in the environment, it posts to that real workspace instead of the stand-in
 * (TEAM_FILE must then name real Slack user ids).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ACTION, REPLY_INPUT, REPLY_MODAL } from '../src/bot/action-ids.js';
import { type Config, ConfigError, loadConfig } from '../src/config.js';
import { AppError } from '../src/contract/errors.js';
import type { Mention } from '../src/contract/mention.js';
import { type Running, startFirsthand } from '../src/main.js';
import { loadTeamFile } from '../src/routing/team-file.js';
import {
  type SlackCall,
  type SlackStandin,
  type StandinMessage,
  startSlackStandin,
} from '../tests/standins/slack.standin.js';
import { startXStandin, type XStandin } from '../tests/standins/x.standin.js';
import { asMention, type ConvertedMention, readConvertedMentions } from './convert-twitter.js';
import { blockKitBuilderUrl } from './lib/block-kit-builder.js';

const STANDIN_TOKEN = 'xoxb-demo-standin';
const SIGNING_SECRET = 'demo-signing-secret-0123456789';
const INGEST_TOKEN = randomBytes(16).toString('hex');
const CHANNEL = 'C0DEMO0001';
const X_ACCOUNT = { id: '1000000001', username: 'harbourbikes', name: 'Harbour Street Bikes' };

interface DemoMention {
  /** What the mention is there to show, for the summary. */
  shows: string;
  /** Where routing should put it: the owner, the spam filter, or a colleague. */
  lane: 'owner' | 'filtered' | 'staff';
  mention: Mention;
  /** The same customer writing again while the conversation is open: it joins it, and its person. */
  followUp?: Mention;
  /** Sent first, so someone has room for it even in a run where the real ones fill everyone's capacity. */
  first?: boolean;
}

const demoMention = (id: string, author: Mention['author'], text: string): Mention => ({
  network: 'x',
  externalId: id,
  account: X_ACCOUNT.username,
  author,
  text,
  url: `https://x.com/${author.handle}/status/${id}`,
  kind: 'mention',
  createdAt: new Date().toISOString(),
});

/**
 * Written for the demo (the Twitter set has few of either), sent after the
 * real conversations: what only the owner should answer, and what nobody
 * should. Both are worded plainly, so the reading's verdict is not in doubt.
 */
const MARIA = { id: '2900000003', handle: 'maria_rides', name: 'María Castro', followers: 412 };

const DEMO_MENTIONS: DemoMention[] = [
  {
    shows: 'a customer who writes twice',
    lane: 'staff',
    first: true,
    mention: demoMention(
      '1900000000000000003',
      MARIA,
      '@harbourbikes Hi! My rear brake has started rubbing again a week after the service. Could someone look at it before Saturday?',
    ),
    followUp: demoMention(
      '1900000000000000004',
      MARIA,
      '@harbourbikes Also, the chain skips in the smallest gear, in case that helps. I can bring the bike in on Friday morning.',
    ),
  },
  {
    shows: 'a reporter asking for an interview',
    lane: 'owner',
    mention: demoMention(
      '1900000000000000001',
      { id: '2900000001', handle: 'tomwrites', name: 'Tom Hale', followers: 5200 },
      "@harbourbikes Hello, I'm a journalist at the Harbour Gazette writing about cycle safety on the seafront. Would the owner be free for a short interview this week?",
    ),
  },
  {
    shows: 'a post selling followers',
    lane: 'filtered',
    mention: demoMention(
      '1900000000000000002',
      { id: '2900000002', handle: 'growth_boost_2024', followers: 0 },
      'Boost your shop fast! Buy 10k real followers and likes for only $9, instant delivery, 100% safe. DM us or order at bit.ly/3grow10k',
    ),
  },
];

const { values: flags } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    conversations: { type: 'string', default: '20' },
    replies: { type: 'string', default: '3' },
    gap: { type: 'string', default: '120' },
    clock: { type: 'boolean', default: false },
    storm: { type: 'boolean', default: false },
    out: { type: 'string', default: 'digest-preview' },
  },
});

const color = (code: number) => (text: string) =>
  process.stdout.isTTY ? `\x1b[${code}m${text}\x1b[0m` : text;
const dim = color(2);
const bold = color(1);
const cyan = color(36);
const yellow = color(33);
const green = color(32);
const red = color(31);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Picks whole conversations, threads included, in dataset order. */
function pickConversations(all: ConvertedMention[], count: number): ConvertedMention[][] {
  const byConversation = new Map<string, ConvertedMention[]>();
  for (const mention of all) {
    const list = byConversation.get(mention.conversation) ?? [];
    list.push(mention);
    byConversation.set(mention.conversation, list);
  }
  return [...byConversation.values()].slice(0, count);
}

interface Setup {
  config: Config;
  slack: SlackStandin | undefined;
  x: XStandin;
  dataDir: string;
}

async function setUp(): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'firsthand-demo-'));
  const x = await startXStandin({ token: 'x-demo-token', account: X_ACCOUNT });
  // The one place the demo looks at the environment: real Slack credentials switch the stand-in off.
  const base = process.env;
  const realSlack = Boolean(base.SLACK_BOT_TOKEN);
  const slack = realSlack ? undefined : await startSlackStandin({ token: STANDIN_TOKEN });
  const env: NodeJS.ProcessEnv = {
    ...base,
    NODE_ENV: 'production',
    LOG_LEVEL: base.LOG_LEVEL ?? 'error',
    PORT: '0',
    OPS_PORT: '0',
    // The demo never writes into a real database: always a throwaway PGlite.
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `demo-${randomBytes(4).toString('hex')}`,
    INGEST_TOKEN,
    X_API_URL: x.apiUrl,
    X_BEARER_TOKEN: 'x-demo-token',
    X_USER_ID: X_ACCOUNT.id,
    X_POLL_SECONDS: '0',
    ...(slack
      ? {
          SLACK_BOT_TOKEN: STANDIN_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_APP_TOKEN: '',
          SLACK_API_URL: slack.apiUrl,
          SLACK_CHANNEL_ID: CHANNEL,
          // The stand-in does not rate-limit; a real workspace keeps the default pace.
          SLACK_CHANNEL_MESSAGES_PER_SECOND: '50',
        }
      : {}),
  };
  return { config: loadConfig(env), slack, x, dataDir };
}

/** Renders Block Kit as the plain lines a person would read in the channel. */
function readable(call: SlackCall, names: Map<string, string>): string[] {
  const lines: string[] = [];
  const add = (text: unknown) => {
    if (typeof text === 'string' && text.trim()) lines.push(...text.split('\n'));
  };
  const blocks = Array.isArray(call.params.blocks) ? (call.params.blocks as Record<string, unknown>[]) : [];
  for (const block of blocks) {
    const text = block.text as { text?: string } | undefined;
    if (block.type === 'header' || block.type === 'section') add(text?.text);
    for (const field of (block.fields as { text?: string }[] | undefined) ?? []) add(field.text);
    if (block.type === 'context') {
      add(((block.elements as { text?: string }[] | undefined) ?? []).map((e) => e.text ?? '').join('  '));
    }
  }
  if (lines.length === 0) add(call.params.text);
  return lines.map((line) =>
    line
      .replace(/<@(U[A-Z0-9]+)>/g, (_, id: string) => `@${names.get(id) ?? id}`)
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2')
      .replace(/<!date\^\d+\^[^|]*\|([^>]+)>/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

/** An interaction (button, modal) as Slack sends it: a signed form with a JSON payload. */
function signedPost(baseUrl: string, payload: unknown): Promise<Response> {
  return signedRequest(
    baseUrl,
    `payload=${encodeURIComponent(JSON.stringify(payload))}`,
    'application/x-www-form-urlencoded',
  );
}

/** An Events API callback (app_home_opened) as Slack sends it: signed JSON. */
function signedEvent(baseUrl: string, event: Record<string, unknown>): Promise<Response> {
  const now = Date.now();
  const body = JSON.stringify({
    token: 'unused',
    team_id: 'T0STANDIN',
    api_app_id: 'A0FIRSTHAND',
    event: { event_ts: `${now / 1000}`, ...event },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(now / 1000),
    authed_users: [],
  });
  return signedRequest(baseUrl, body, 'application/json');
}

function signedRequest(baseUrl: string, body: string, contentType: string): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
    },
    body,
  });
}

/** A staff member clicks Reply on a card and submits the modal, exactly as Slack would send it. */
async function simulateReply(
  baseUrl: string,
  slack: SlackStandin,
  card: SlackCall,
  ts: string,
  userId: string,
  text: string,
): Promise<boolean> {
  const blocks = card.params.blocks as { elements?: { action_id?: string; value?: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === ACTION.reply);
  if (!button?.value) return false;
  const before = slack.callsTo('views.open').length;
  const user = { id: userId, username: userId.toLowerCase(), team_id: 'T0STANDIN' };
  await signedPost(baseUrl, {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user,
    api_app_id: 'A0FIRSTHAND',
    token: 'unused',
    trigger_id: `${Date.now()}.1.demo`,
    container: { type: 'message', message_ts: ts, channel_id: CHANNEL, is_ephemeral: false },
    channel: { id: CHANNEL, name: 'customers' },
    message: { type: 'message', ts, text: '' },
    response_url: 'https://hooks.slack.invalid/actions/T0/1/x',
    actions: [
      {
        type: 'button',
        action_id: ACTION.reply,
        block_id: 'conversation_actions',
        value: button.value,
        text: { type: 'plain_text', text: 'Reply' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
  const deadline = Date.now() + 5000;
  while (slack.callsTo('views.open').length === before && Date.now() < deadline) await sleep(50);
  const open = slack.callsTo('views.open')[before];
  if (!open) return false;
  const view = open.params.view as { private_metadata: string };
  const response = await signedPost(baseUrl, {
    type: 'view_submission',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user,
    api_app_id: 'A0FIRSTHAND',
    token: 'unused',
    trigger_id: `${Date.now()}.2.demo`,
    view: {
      id: `V${randomBytes(4).toString('hex').toUpperCase()}`,
      team_id: 'T0STANDIN',
      type: 'modal',
      callback_id: REPLY_MODAL,
      private_metadata: view.private_metadata,
      hash: '1.demo',
      state: {
        values: { [REPLY_INPUT.block]: { [REPLY_INPUT.action]: { type: 'plain_text_input', value: text } } },
      },
      blocks: [],
      title: { type: 'plain_text', text: 'Reply' },
    },
    response_urls: [],
  });
  return response.ok;
}

/**
 * The owner opens App Home, as Slack tells the app, until its "Filtered as
 * spam" list shows `handle`: the item's lines (who, the post, and Why), or
 * undefined when the list never shows it.
 */
async function filteredInAppHome(
  baseUrl: string,
  slack: SlackStandin,
  userId: string,
  handle: string,
  names: Map<string, string>,
): Promise<string[] | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const since = Date.now();
    await signedEvent(baseUrl, { type: 'app_home_opened', user: userId, channel: 'D0DEMOHOME', tab: 'home' });
    const until = Math.min(deadline, Date.now() + 2000);
    while (Date.now() < until) {
      const home = slack
        .callsTo('views.publish')
        .filter((call) => call.params.user_id === userId && call.at >= since)
        .at(-1);
      const blocks = (home?.params.view as { blocks?: unknown } | undefined)?.blocks;
      if (home && Array.isArray(blocks)) {
        const lines = readable({ ...home, params: { blocks } }, names);
        const from = lines.findIndex((line) => line.includes(`@${handle} `));
        const to = lines.findIndex((line, i) => i > from && line.startsWith('Why:'));
        if (from >= 0 && to > from) return lines.slice(from, to + 1);
      }
      await sleep(100);
    }
  }
  return undefined;
}

const REPLIES = [
  "Sorry about this! We're on it and will DM you the next steps within the hour.",
  'Thanks for flagging this. Could you send us a DM with your order number so we can check?',
  "That's not the experience we want for you. A colleague is looking into it right now.",
];

/**
 * The demo's clock: it stands still until the demo moves it, so every step
 * happens at a time the demo chose and the run reads the same each time.
 * It remembers when (in real time) it was moved, to date what Slack received.
 */
function demoClock(start: Date) {
  const marks = [{ real: Date.now(), at: start.getTime() }];
  return {
    now: () => new Date(marks.at(-1)!.at),
    set(at: Date) {
      marks.push({ real: Date.now(), at: at.getTime() });
    },
    /** The demo's time when something happened at the real moment `real`. */
    at(real: number): Date {
      return new Date(marks.findLast((mark) => mark.real <= real)?.at ?? marks[0]!.at);
    },
  };
}

async function until<T>(what: string, find: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`the demo waited ${ms / 1000} s for ${what} in vain`);
    await sleep(25);
  }
}

// A Friday morning; the owner's digest for that week goes out on the Monday at 08:00 (Lisbon is on UTC in winter).
const CLOCK_START = new Date('2026-12-04T09:00:00Z');
const MINUTE = 60_000;
const UNHAPPY = demoMention(
  '1900000000000000010',
  { id: '2900000010', handle: 'ines_commutes', name: 'Inês Duarte', followers: 230 },
  '@harbourbikes Really disappointed. I collected my bike from your workshop yesterday and the rear brake is already rubbing again. I need it to get to work, can someone sort this out?',
);

/**
 * `--clock`: one conversation's response clock, step by step, then the
 * week's digest. The app runs whole (HTTP, queues, router, Slack sender)
 * on a clock the demo moves; the sweep looks every 100 ms instead of 15 s.
 */
async function clockDemo(): Promise<void> {
  const setup = await setUp();
  const { config, slack, x } = setup;
  if (!slack) {
    console.error('--clock runs against the Slack stand-in only: unset SLACK_BOT_TOKEN.');
    process.exit(1);
  }
  const team = loadTeamFile(config.teamFile);
  const names = new Map<string, string>([
    [team.owner.id, team.owner.name],
    ...team.staff.map((s): [string, string] => [s.id, s.name]),
  ]);
  const nameOf = (id: string) => names.get(id) ?? id;
  const dmTo = (id: string) => `D${id.slice(1)}`;
  const clock = demoClock(CLOCK_START);
  const app = await startFirsthand(config, clock.now, { clockSweepMs: 100 });
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const at = (minutes: number) => new Date(CLOCK_START.getTime() + minutes * MINUTE);
  const hhmm = (d: Date) =>
    new Intl.DateTimeFormat('en-GB', {
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: team.owner.timezone,
    }).format(d);
  console.log(
    bold(`Firsthand demo — the response clock, ${team.business ?? 'the team'}`),
    dim(
      `
One unhappy customer (priority high, answer within 60 min: remind at 30, offer at 60, owner at 180),` +
        ` on a clock the demo moves forward; times in ${team.owner.timezone}.
`,
    ),
  );
  const posted = (method = 'chat.postMessage') => slack.callsTo(method);
  const dmsTo = (user: string) => posted().filter((c) => c.params.channel === dmTo(user));

  // Fri 09:00: the customer writes, and routing gives the conversation to someone.
  x.posts.push({
    id: UNHAPPY.externalId,
    text: UNHAPPY.text,
    authorId: UNHAPPY.author.id,
    createdAt: CLOCK_START.toISOString(),
  });
  const sent = await fetch(`${baseUrl}/ingest/mentions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: JSON.stringify({ ...UNHAPPY, createdAt: CLOCK_START.toISOString() }),
  });
  if (sent.status !== 202) throw new Error(`ingest answered ${sent.status}`);
  const card = await until('the card', () =>
    [...slack.messages.values()].find(
      (m) => m.channel === CHANNEL && !m.thread_ts && JSON.stringify(m.blocks).includes('"fh.c.buttons.'),
    ),
  );
  const assignee = /Assigned to <@(U[A-Z0-9]+)>/.exec(JSON.stringify(card.blocks))?.[1];
  if (!assignee) throw new Error('the conversation went to nobody');
  await sleep(300);

  // Fri 09:30: half the target gone, the assignee is reminded.
  clock.set(at(30));
  await until('the reminder', () =>
    dmsTo(assignee).find((c) => String(c.params.text).startsWith('A reminder')),
  );

  // Fri 10:00: the target, and it is offered to whoever routing would choose now among the others.
  clock.set(at(60));
  const offer = await until('the offer', () =>
    posted().find(
      (c) =>
        String(c.params.channel).startsWith('D') && JSON.stringify(c.params.blocks).includes(ACTION.claim),
    ),
  );
  const colleague = `U${String(offer.params.channel).slice(1)}`;
  const offerDm = await until('the offer in Slack', () =>
    [...slack.messages.values()].find(
      (m) => m.channel === offer.params.channel && JSON.stringify(m.blocks).includes(ACTION.claim),
    ),
  );
  await sleep(300);

  // Fri 10:02: the colleague presses Claim in the DM, as Slack sends it to Bolt's HTTP endpoint.
  clock.set(at(62));
  const claimButton = (offerDm.blocks as { elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === ACTION.claim)!;
  const pressed = await signedPost(baseUrl, {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: colleague, username: colleague.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0FIRSTHAND',
    token: 'unused',
    trigger_id: `${Date.now()}.3.demo`,
    container: { type: 'message', message_ts: offerDm.ts, channel_id: offerDm.channel, is_ephemeral: false },
    channel: { id: offerDm.channel, name: 'directmessage' },
    message: { type: 'message', ts: offerDm.ts, text: '' },
    response_url: 'https://hooks.slack.invalid/actions/T0/2/x',
    actions: [
      {
        type: 'button',
        action_id: ACTION.claim,
        block_id: 'offer',
        value: claimButton.value,
        text: { type: 'plain_text', text: 'Claim' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
  if (!pressed.ok) throw new Error(`Bolt answered the Claim with ${pressed.status}`);
  await until('the claim in the thread', () =>
    posted().find((c) => c.params.thread_ts === card.ts && String(c.params.text).includes('claimed')),
  );
  await sleep(300);

  // Fri 12:00: three times the target, still unanswered: the owner is told.
  clock.set(at(180));
  await until('the owner told', () =>
    dmsTo(team.owner.id).find((c) => String(c.params.text).includes('waited well past')),
  );
  await sleep(300);

  // Mon 08:00: the owner's weekly digest, its chart uploaded into the same DM.
  clock.set(new Date('2026-12-07T08:00:00Z'));
  const digest = await until('the digest', () =>
    dmsTo(team.owner.id).find((c) => String(c.params.text).startsWith('Weekly digest')),
  );
  const chart = await until(
    'the digest chart',
    () => [...slack.files.values()].find((f) => f.completed && f.channel === dmTo(team.owner.id)),
    20_000,
  );
  const uploadCalls = ['files.getUploadURLExternal', 'files.completeUploadExternal'].map(
    (method) => `${method} ×${slack.callsTo(method).length}`,
  );

  // The conversation's chain as Slack showed it, each message dated by the demo's clock. Messages of
  // the same minute are told card first, then its thread, then DMs: they travel in parallel lanes.
  const rank = (call: SlackCall) =>
    call.method === 'chat.update' || !call.params.thread_ts
      ? String(call.params.channel).startsWith('D')
        ? 2
        : 0
      : 1;
  const chain = slack.calls
    .map((call, index) => ({ call, index, when: clock.at(call.at) }))
    .filter(({ call }) => {
      if (call.method === 'chat.update') return call.params.ts === card.ts;
      if (call.method !== 'chat.postMessage' || call === digest) return false;
      const channel = String(call.params.channel);
      return (
        channel.startsWith('D') ||
        call.params.thread_ts === card.ts ||
        (channel === CHANNEL &&
          JSON.stringify(call.params.blocks).includes(`status/${UNHAPPY.externalId}`) &&
          !call.params.thread_ts)
      );
    })
    .sort((a, b) => a.when.getTime() - b.when.getTime() || rank(a.call) - rank(b.call) || a.index - b.index);
  // Plain lines: no emoji codes, no mrkdwn stars.
  const people = (line: string) => line.replace(/^:[a-z_]+:\s*/, '').replace(/\*/g, '');
  console.log(bold(`The conversation with @${UNHAPPY.author.handle}, as Slack showed it:`));
  for (const { call, when } of chain) {
    const lines = readable(call, names).map(people);
    const channel = String(call.params.channel);
    const time = dim(hhmm(when));
    if (call.method === 'chat.update') {
      const status = lines.filter((l) =>
        /^(Assigned to|Escalated)|reminder sent|offered to|claimed by|owner was told/.test(l),
      );
      console.log(`  ${time}  ${yellow('↻ card')}     ${status.join(' · ')}`);
    } else if (channel.startsWith('D')) {
      const who = nameOf(`U${channel.slice(1)}`);
      const buttons = JSON.stringify(call.params.blocks).includes(ACTION.claim) ? dim(' [Claim] [Pass]') : '';
      console.log(`  ${time}  ${cyan(`✉ DM to ${who}`)}  ${lines[0] ?? ''}${buttons}`);
    } else if (call.params.thread_ts) {
      console.log(`  ${time}  ${dim('↳ thread')}   ${lines[0] ?? ''}`);
    } else {
      const assigned = lines.find((l) => /^Assigned to/.test(l)) ?? 'Not assigned yet';
      const why = lines.find((l) => l.startsWith('Why:'));
      const quote = lines.find((l) => l.startsWith('>')) ?? lines[0] ?? '';
      const indent = ' '.repeat(hhmm(when).length + 15);
      console.log(
        `  ${time}  ${green('● card')}     ${quote.length > 110 ? `${quote.slice(0, 109)}…` : quote}`,
      );
      console.log(`${indent}${bold(assigned)}${why ? dim(` — ${why}`) : ''}`);
    }
  }

  const out = resolve(flags.out ?? 'digest-preview');
  mkdirSync(out, { recursive: true });
  const png = join(out, chart.filename);
  writeFileSync(png, chart.bytes!);
  console.log(
    bold(`\nThe owner's weekly digest, ${hhmm(clock.at(digest.at))}, in a DM to ${nameOf(team.owner.id)}:`),
  );
  // Its headline and summary. (Its "Missed" list gives no reason worth quoting here: who held a
  // conversation when is dated by the database's clock, which the demo's clock does not move.)
  for (const line of readable(digest, names).map(people).slice(0, 2)) console.log(`  ${line}`);
  console.log(
    `  chart: "${chart.title}", ${chart.bytes!.length} bytes, uploaded into ${nameOf(team.owner.id)}'s DM (${uploadCalls.join(', ')})`,
  );
  console.log(`  written to ${png}`);

  await app.stop();
  await Promise.all([slack.close(), x.close()]);
  rmSync(setup.dataDir, { recursive: true, force: true });
}

/** Four stories, each told in its customers' own words; `i` picks the telling. */
const STORM_STORIES: ((i: number) => string)[] = [
  (i) =>
    [
      "@harbourbikes your booking site is down, can't book a service",
      'booking site down again?? trying to book my bike service all morning',
      "@harbourbikes the booking site won't load, is it down?",
      'cannot book a service, your booking site is down 😤',
      "is your booking site down for everyone? can't book a service since this morning",
      'your booking site is down, just a spinning wheel when I book a service',
    ][i % 6]!,
  (i) =>
    [
      '@harbourbikes you charged my card twice for the same order, I want a refund',
      'you charged my card twice for my order!! please refund',
      'just saw you charged my card twice for one order, refund please',
      '@harbourbikes charged twice for one order?? refund my card please',
      'my card was charged twice for a single order from you, refund it',
    ][i % 5]!,
  (i) =>
    [
      'is the Sunday group ride from the shop cancelled? https://harbourbikes.example/rides',
      'Sunday group ride cancelled?? nobody at the shop to lead it https://harbourbikes.example/rides',
      'waited an hour for the Sunday group ride, was it cancelled? https://harbourbikes.example/rides',
      'so the Sunday group ride is cancelled and nobody told us https://harbourbikes.example/rides',
    ][i % 4]!,
  (i) =>
    [
      'Is the e-bike battery recall real? my battery came from @harbourbikes #batteryrecall',
      '@harbourbikes is my e-bike battery on the recall list? bought the e-bike from you last spring #batteryrecall',
      'battery recall on e-bikes sold by Harbour Street Bikes?? what do I do #batteryrecall',
      'my e-bike battery is on the recall list, can I swap the battery at the shop? #batteryrecall',
    ][i % 4]!,
];
// How a post ends: the same words typed by different people.
const TAILS = ['', '!!', ' 😡', ' ??', ' 🙄', '.'];
const OWN_QUESTIONS = [
  'Do you have a 54cm gravel frame in stock for a test ride on Saturday?',
  'What time do you open on bank holidays?',
  'Can I bring my daughter’s balance bike in for new tyres next week?',
  'Does the cargo bike rental include a rain cover for the kids seat?',
  'I left my helmet in the shop yesterday, a blue one, did anyone find it?',
  'Do you fit dynamo lights on touring bikes, and roughly how much?',
];
const BURST = 300;

/**
 * `--storm`: 300 mentions in about three seconds. The router opens a storm
 * on the rate (a fresh database has no usual rate yet, so from 30 a minute),
 * gathers each story in one message of the storm's thread, updated with its
 * count, and gives the questions of their own a card each.
 */
async function stormDemo(): Promise<void> {
  const setup = await setUp();
  const { config, slack, x } = setup;
  if (!slack) {
    console.error('--storm runs against the Slack stand-in only: unset SLACK_BOT_TOKEN.');
    process.exit(1);
  }
  const team = loadTeamFile(config.teamFile);
  const names = new Map<string, string>([
    [team.owner.id, `${team.owner.name} (owner)`],
    ...team.staff.map((s): [string, string] => [s.id, s.name]),
  ]);
  const app = await startFirsthand(config);
  const baseUrl = `http://127.0.0.1:${app.port}`;

  // Every 50th a question of its own; the rest tell the four stories in turn.
  const burst = Array.from({ length: BURST }, (_, i): { mention: Mention; own: boolean } => {
    const own = i % 50 === 25 ? OWN_QUESTIONS[Math.floor(i / 50)] : undefined;
    const story = i % STORM_STORIES.length;
    const text = own ?? `${STORM_STORIES[story]!(Math.floor(i / 4) + story)}${TAILS[(i * 7) % TAILS.length]}`;
    const author = {
      id: `295${String(i).padStart(7, '0')}`,
      handle: `rider_${i}`,
      followers: 40 + ((i * 37) % 900),
    };
    return {
      mention: demoMention(String(1950000000000000000n + BigInt(i)), author, text),
      own: own !== undefined,
    };
  });
  console.log(
    bold(`Firsthand demo — a storm, ${team.business ?? 'the team'}`),
    dim(
      `\n${BURST} mentions in about three seconds: ${STORM_STORIES.length} stories told in many words,` +
        ` and ${OWN_QUESTIONS.length} customers with questions of their own → ${baseUrl}/ingest/mentions` +
        `\nThe Slack stand-in, paced at ${config.slack.channelMessagesPerSecond} messages a second a channel\n`,
    ),
  );

  const started = Date.now();
  for (let i = 0; i < BURST; i += 20) {
    const batch = burst.slice(i, i + 20).map((b) => ({ ...b.mention, createdAt: new Date().toISOString() }));
    const response = await fetch(`${baseUrl}/ingest/mentions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(batch),
    });
    if (response.status !== 202) console.error(red(`ingest answered ${response.status}`));
    await sleep(100);
  }
  const sentIn = (Date.now() - started) / 1000;

  // What the channel shows, as it reads now: the storm's root, its thread, the cards.
  const inChannel = () =>
    [...slack.messages.values()]
      .filter((m) => m.channel === CHANNEL)
      .sort((a, b) => Number(a.ts) - Number(b.ts));
  const shown = (m: StandinMessage) =>
    readable({ method: 'chat.postMessage', params: { text: m.text, blocks: m.blocks }, at: 0 }, names);
  const countOf = (m: StandinMessage) =>
    Number(/\*(\d+) mentions?\* tell this story/.exec(shown(m)[0] ?? '')?.[1] ?? 0);
  const isCard = (m: StandinMessage) => JSON.stringify(m.blocks ?? '').includes('"fh.c.buttons.');
  const view = () => {
    const messages = inChannel();
    const root = messages.find((m) => !m.thread_ts && String(m.text).includes('A storm'));
    const stories = messages.filter((m) => root && m.thread_ts === root.ts && !isCard(m));
    const cards = messages.filter(isCard);
    return { root, stories, cards, accounted: stories.reduce((n, m) => n + countOf(m), 0) + cards.length };
  };
  // Settled once every mention is counted in a story or has its card: each story's last update is in.
  const deadline = Date.now() + 25_000;
  while (view().accounted < BURST && Date.now() < deadline) await sleep(200);
  const { root, stories, cards, accounted } = view();
  const settledIn = (Date.now() - started) / 1000;

  const shorten = (line: string, n = 130) => (line.length > n ? `${line.slice(0, n - 1)}…` : line);
  const plain = (line: string) => line.replace(/^:[a-z_]+:\s*/, '').replace(/\*/g, '');
  if (!root) console.log(red('No storm root in the channel: the storm did not open.'));
  else {
    console.log(`${green('● #customers')}  ${bold('the storm’s root')}`);
    for (const line of shown(root)) console.log(`    ${shorten(plain(line), 160)}`);
  }
  console.log(
    bold(`\nIn its thread, one message per story (${stories.length}), as each reads after its updates:`),
  );
  const merged = stories.filter((m) => countOf(m) === 0);
  for (const story of stories.filter((m) => countOf(m) > 0)) {
    const lines = shown(story).map(plain);
    const updates = slack.callsTo('chat.update').filter((c) => c.params.ts === story.ts).length;
    const quote = lines.find((line) => line.startsWith('>')) ?? '';
    const mix = lines.find((line) => / · \d+% /.test(line) || /^X \d+/.test(line));
    console.log(`  ${dim('↳')} ${bold(lines[0] ?? '')} ${dim(`(posted, then updated ${updates}×)`)}`);
    if (quote) console.log(`      ${shorten(quote)}`);
    if (mix) console.log(`      ${dim(mix)}`);
  }
  if (merged.length > 0)
    console.log(
      dim(
        `  ↳ and ${merged.length} × “${plain(shown(merged[0]!)[0] ?? '')}” (one story found in two routers' clusters, folded into one)`,
      ),
    );
  const ownTexts = new Set(burst.filter((b) => b.own).map((b) => b.mention.text));
  console.log(bold(`\nCards of their own in #customers (${cards.length}):`));
  const others = new Map<string, number>();
  for (const card of cards) {
    const lines = shown(card).map(plain);
    const quote = lines.find((line) => line.startsWith('>')) ?? lines[0] ?? '';
    const assigned =
      lines.find((line) => /^Assigned to|^Escalated to the owner|^Not assigned/.test(line)) ?? '';
    const why = lines.find((line) => line.startsWith('Why:'));
    if (![...ownTexts].some((text) => quote.includes(text.slice(0, 40)))) {
      const kind = assigned.startsWith('Escalated')
        ? `escalated to the owner (${why?.slice(5).split(':')[0] ?? 'a reason of its own'})`
        : 'a story told before its cluster formed, or in words of its own';
      others.set(kind, (others.get(kind) ?? 0) + 1);
      continue;
    }
    console.log(`  ${green('●')} ${shorten(quote, 110)}`);
    console.log(`      ${assigned}${why ? dim(` — ${shorten(why, 100)}`) : ''}`);
  }
  for (const [kind, count] of others) console.log(`  ${green('●')} ${count} × ${kind}`);
  const ownerDm = [...slack.messages.values()].find(
    (m) => m.channel === `D${team.owner.id.slice(1)}` && String(m.text).includes('A storm'),
  );
  console.log(bold(`\n${names.get(team.owner.id)} reads one DM about the storm:`));
  if (ownerDm) for (const line of shown(ownerDm)) console.log(`    ${shorten(plain(line), 160)}`);
  else console.log(red('    no DM about the storm'));

  const clustered = stories.reduce((n, m) => n + countOf(m), 0);
  console.log(bold('\nSummary'));
  console.log(
    `  ${BURST} mentions sent in ${sentIn.toFixed(1)} s; in Slack ${settledIn.toFixed(1)} s after the first:` +
      ` ${clustered} counted in ${stories.length} story messages, ${cards.length} cards of their own` +
      `${accounted < BURST ? red(` (${BURST - accounted} not shown yet)`) : ''}`,
  );
  const posts = slack.callsTo('chat.postMessage').filter((c) => c.params.channel === CHANNEL).length;
  console.log(
    `  messages posted to #customers: ${posts} (a card each would have been ${BURST});` +
      ` story messages are updated in place as they grow`,
  );

  await app.stop();
  await Promise.all([slack.close(), x.close()]);
  rmSync(setup.dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (flags.clock) return clockDemo();
  if (flags.storm) return stormDemo();
  const all = readConvertedMentions();
  const conversations = pickConversations(
    all,
    flags.full ? Number.MAX_SAFE_INTEGER : Number(flags.conversations),
  );
  const real = conversations.reduce((n, c) => n + c.length, 0);
  // The demo's own mentions come last (the customer who writes twice first), each a conversation of its own.
  const turnsOf = (demo: DemoMention) => (demo.followUp ? [demo.mention, demo.followUp] : [demo.mention]);
  const replayed: Mention[][] = [
    ...DEMO_MENTIONS.filter((demo) => demo.first).map(turnsOf),
    ...conversations.map((turns) => turns.map(asMention)),
    ...DEMO_MENTIONS.filter((demo) => !demo.first).map(turnsOf),
  ];
  const total = replayed.reduce((n, c) => n + c.length, 0);
  const gapMs = Number(flags.gap);

  let setup: Setup;
  try {
    setup = await setUp();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const { config, slack, x } = setup;
  // The customer posts exist on the X stand-in, so replies can be threaded to them.
  for (const mention of replayed.flat()) {
    x.posts.push({
      id: mention.externalId,
      text: mention.text,
      authorId: mention.author.id,
      createdAt: mention.createdAt,
    });
  }
  const team = loadTeamFile(config.teamFile);
  const names = new Map<string, string>([
    [team.owner.id, `${team.owner.name} (owner)`],
    ...team.staff.map((s): [string, string] => [s.id, s.name]),
  ]);

  let app: Running;
  try {
    app = await startFirsthand(config);
  } catch (error) {
    if (error instanceof AppError && error.code === 'redis.missing') {
      console.error(red(error.message));
      process.exit(1);
    }
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${app.port}`;
  console.log(
    bold(`Firsthand demo — ${team.business ?? 'the team'}`),
    dim(
      `\n${real} real customer mentions from ${conversations.length} Twitter conversations` +
        ` and ${DEMO_MENTIONS.length} conversations written for the demo (${DEMO_MENTIONS.map((d) => d.shows).join(', ')})` +
        ` → ${baseUrl}/ingest/mentions → routing → ${slack ? 'the Slack stand-in' : 'your Slack workspace'}` +
        `\nPGlite in ${setup.dataDir}, ${config.redis.url ? 'Redis at REDIS_URL' : 'a private redis-server'}\n`,
    ),
  );

  // Mention → Slack timing: the card or thread message that quotes a mention carries its post URL.
  const postedAt = new Map<string, number>();
  const notifiedAt = new Map<string, number>();
  const cards: { call: SlackCall; ts: string; assignee: string | undefined }[] = [];
  let printed = 0;
  const escalations = new Map<string, number>();
  const load = new Map<string, number>();
  let queued = 0;
  // The card each of the demo's own mentions got, as the channel shows it.
  const demoCards = new Map<string, { assigned: string; why: string | undefined }>();

  const watch = () => {
    if (!slack) return;
    const calls = slack.calls;
    for (; printed < calls.length; printed++) {
      const call = calls[printed]!;
      if (!['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(call.method)) continue;
      const raw = JSON.stringify(call.params);
      for (const id of raw.match(/status\/(\d+)/g) ?? []) {
        const externalId = id.slice(7);
        if (postedAt.has(externalId) && !notifiedAt.has(externalId)) notifiedAt.set(externalId, call.at);
      }
      const lines = readable(call, names).filter(
        (line) => !/^(View on|\*Priority\*|\*Respond by\*|\d{4}-\d\d-\d\d )/.test(line),
      );
      const assignedLine = lines.find((line) => /^Assigned to|Escalated to the owner/.test(line));
      const channel = String(call.params.channel ?? '');
      const isDm = channel.startsWith('D');
      const inThread = Boolean(call.params.thread_ts);
      // A conversation's card carries its buttons; in a surge it is posted in the surge thread.
      const isCard = call.method === 'chat.postMessage' && !isDm && raw.includes('"fh.c.buttons.');
      const shorten = (line: string) => (line.length > 160 ? `${line.slice(0, 157)}…` : line);
      if (call.method === 'chat.update') {
        const state = lines.find((line) => /Replied by|Resolved|Escalated|Claimed|Snoozed/.test(line));
        console.log(`${yellow('  ↻ card updated')}  ${shorten(lines[0] ?? '')}${state ? ` → ${state}` : ''}`);
      } else if (isCard || (!isDm && !inThread)) {
        const quote = lines.find((line) => line.startsWith('>'));
        const assigned = assignedLine ?? 'Not assigned yet';
        const why = lines.find((line) => line.startsWith('Why:'));
        const where = inThread ? dim(' (in the surge thread)') : '';
        console.log(`${green('● #customers')}${where}  ${lines[0] ?? ''}`);
        if (quote) console.log(`    ${shorten(quote)}`);
        if (isCard) console.log(`    ${bold(assigned)}${why ? dim(` — ${why.slice(5)}`) : ''}`);
      } else {
        const label = isDm
          ? cyan(`  ✉ DM to ${names.get(`U${channel.slice(1)}`) ?? channel}`)
          : dim('  ↳ in thread');
        console.log(`${label}  ${lines.slice(0, 2).map(shorten).join(dim(' ┊ '))}`);
      }
      if (isCard) {
        // An escalation's card says "Escalated to the owner, @…" where others say "Assigned to @…".
        const assignee = /(?:Assigned to|Escalated to the owner,) <@(U[A-Z0-9]+)>/.exec(raw)?.[1];
        if (assignee) load.set(assignee, (load.get(assignee) ?? 0) + 1);
        else queued++;
        if (assignee === team.owner.id) {
          const why = lines.find((line) => line.startsWith('Why:'))?.slice(5) ?? 'unknown';
          // Group by the kind of reason, not its particulars (the evidence quoted, the matched word, the handle).
          const reason = (why.split(' · ')[0] ?? why).replace(/ \(.*$|: [@"].*$/, '');
          escalations.set(reason, (escalations.get(reason) ?? 0) + 1);
        }
        cards.push({ call, ts: '', assignee });
        const own = DEMO_MENTIONS.find((demo) => raw.includes(`status/${demo.mention.externalId}`));
        if (own && !demoCards.has(own.mention.externalId)) {
          const why = lines.find((line) => line.startsWith('Why:'));
          demoCards.set(own.mention.externalId, { assigned: assignedLine ?? 'Not assigned yet', why });
        }
      }
    }
  };
  const ticker = setInterval(watch, 100);

  // Conversations start one after another; a customer's follow-ups come a little later in the same thread.
  const started = Date.now();
  const sends: Promise<void>[] = [];
  replayed.forEach((turns, index) => {
    turns.forEach((mention, turn) => {
      sends.push(
        (async () => {
          await sleep(index * gapMs + turn * (gapMs * 8));
          postedAt.set(mention.externalId, Date.now());
          const response = await fetch(`${baseUrl}/ingest/mentions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
            // Replayed as if posted now, so response targets and waiting times read as they would today.
            body: JSON.stringify({ ...mention, createdAt: new Date().toISOString() }),
          });
          if (response.status !== 202) console.error(red(`ingest answered ${response.status}`));
        })(),
      );
    });
  });
  await Promise.all(sends);

  // Wait until every mention is in Slack (or stop waiting after a while); the filter's never is.
  const filtered = DEMO_MENTIONS.filter((demo) => demo.lane === 'filtered').length;
  const deadline = Date.now() + Math.max(20_000, total * 200);
  while (slack && notifiedAt.size < postedAt.size - filtered && Date.now() < deadline) await sleep(100);

  let replied = 0;
  if (slack) {
    const wanted = Number(flags.replies);
    const messages = [...slack.messages.values()];
    for (const card of cards.slice(0, wanted)) {
      // The card as first posted, or redrawn since (a follow-up's count): its buttons' block id stays.
      const buttons = JSON.stringify(card.call.params.blocks).match(
        /"block_id":"(fh\.c\.buttons\.[^"]+)"/,
      )?.[1];
      const ts = messages.find(
        (m) =>
          m.blocks === card.call.params.blocks || (buttons && JSON.stringify(m.blocks).includes(buttons)),
      )?.ts;
      if (!ts || !card.assignee) continue;
      console.log(cyan(`\n  ${names.get(card.assignee) ?? card.assignee} clicks Reply and answers:`));
      const text = REPLIES[replied % REPLIES.length]!;
      console.log(dim(`    “${text}”`));
      if (await simulateReply(baseUrl, slack, card.call, ts, card.assignee, text)) replied++;
    }
    const until = Date.now() + 8000;
    while (x.created.length < replied && Date.now() < until) await sleep(100);
    await sleep(1200);
    watch();
    for (const reply of x.created) {
      const body = reply.body as { text?: string; reply?: { in_reply_to_tweet_id?: string } };
      console.log(
        green('  ↩ posted on X'),
        dim(`in reply to ${body.reply?.in_reply_to_tweet_id}:`),
        body.text,
      );
    }
  }
  // The customer who wrote twice: the second mention is in the first one's thread, and the card still names its person.
  const followUps = new Map<string, string[]>();
  const assigneeLine = (lines: string[]) =>
    lines.find((line) => /^Assigned to|Escalated to the owner/.test(line)) ?? 'Not assigned yet';
  for (const demo of slack ? DEMO_MENTIONS.filter((d) => d.followUp) : []) {
    const messages = [...slack!.messages.values()];
    const quotes = (m: StandinMessage, id: string) => JSON.stringify(m.blocks ?? '').includes(`status/${id}`);
    const root = messages.find((m) => !m.thread_ts && quotes(m, demo.mention.externalId));
    const reply = messages.find((m) => m.thread_ts === root?.ts && quotes(m, demo.followUp!.externalId));
    if (!root || !reply) continue;
    const shown = (m: StandinMessage) =>
      readable({ method: 'chat.postMessage', params: { blocks: m.blocks }, at: 0 }, names);
    const card = shown(root);
    const now = assigneeLine(card);
    const before = demoCards.get(demo.mention.externalId)?.assigned;
    const count = card.join('\n').match(/\d+ follow-ups? in the thread/)?.[0];
    const lines = [
      `in the card's thread: ${shown(reply).slice(0, 2).join(' ')}`,
      `the card now: ${now}${now === before ? ' (the same person)' : ` (was: ${before ?? 'nobody'})`}${count ? ` · ${count}` : ''}`,
    ];
    followUps.set(demo.mention.externalId, lines);
    console.log(cyan(`\n  @${demo.mention.author.handle} writes again while the conversation is open:`));
    for (const line of lines) console.log(`    ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`);
  }
  // The owner's DM for the router's escalation, as the owner reads it.
  const ownerDms = new Map<string, string[]>();
  for (const demo of slack ? DEMO_MENTIONS.filter((d) => d.lane === 'owner') : []) {
    const dm = slack!.callsTo('chat.postMessage').find(
      (call) =>
        // The stand-in's DM channel for a user is the user's id with a D.
        call.params.channel === `D${team.owner.id.slice(1)}` &&
        JSON.stringify(call.params.blocks ?? '').includes(`@${demo.mention.author.handle}`),
    );
    if (!dm) continue;
    const lines = readable(dm, names);
    ownerDms.set(demo.mention.externalId, lines);
    console.log(cyan(`\n  ${names.get(team.owner.id)} reads the escalation's DM:`));
    for (const line of lines) console.log(`    ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`);
  }
  // What the spam filter dropped never reaches the channel; App Home lists it, with the reason.
  const filteredItems = new Map<string, string[]>();
  for (const demo of slack ? DEMO_MENTIONS.filter((d) => d.lane === 'filtered') : []) {
    const item = await filteredInAppHome(baseUrl, slack!, team.owner.id, demo.mention.author.handle, names);
    if (!item) continue;
    filteredItems.set(demo.mention.externalId, item);
    console.log(cyan(`\n  ${names.get(team.owner.id)} opens App Home → Filtered as spam:`));
    for (const line of item) console.log(`    ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`);
  }
  clearInterval(ticker);
  const elapsed = (Date.now() - started) / 1000;

  const latencies = [...notifiedAt].map(([id, at]) => at - postedAt.get(id)!).sort((a, b) => a - b);
  console.log(bold('\nSummary'));
  console.log(
    `  mentions sent ${postedAt.size}, shown in Slack ${notifiedAt.size}, conversations ${cards.length}, in ${elapsed.toFixed(1)} s`,
  );
  console.log('  load per person (new conversations):');
  for (const [id, count] of [...load].sort((a, b) => b[1] - a[1])) {
    console.log(`    ${(names.get(id) ?? id).padEnd(28)} ${'▇'.repeat(Math.min(count, 40))} ${count}`);
  }
  console.log(`  waiting in the queue (everyone at capacity): ${queued}`);
  console.log('  escalations to the owner by reason:');
  if (escalations.size === 0) console.log('    none');
  for (const [reason, count] of escalations) console.log(`    ${count} × ${reason}`);
  // In a surge the owner gets one DM for the router's escalations, not one each (docs/surge-pacing.md).
  const surged = slack
    ?.callsTo('chat.postMessage')
    .some((call) => String(call.params.text).includes('A surge:'));
  const noOwnerDm = surged
    ? 'none of its own: a surge was on, and its first DM to the owner covers it'
    : 'not seen';
  console.log('  written for the demo:');
  for (const demo of DEMO_MENTIONS) {
    const id = demo.mention.externalId;
    const card = demoCards.get(id);
    const item = filteredItems.get(id);
    const who = `@${demo.mention.author.handle}, ${demo.shows}`;
    if (card) {
      const expected = demo.lane === 'filtered' ? dim(' (expected: filtered as spam)') : '';
      console.log(`    ${who} → ${card.assigned.replace(/^:[a-z_]+:\s*/, '')}${expected}`);
      if (card.why) console.log(`      ${card.why}`);
      const followUp = followUps.get(id);
      if (demo.followUp)
        console.log(
          `      then writes again → ${followUp ? followUp[1]!.replace(/^the card now: /, 'the card: ') : 'not seen in the thread'}`,
        );
      const dm = ownerDms.get(id);
      if (demo.lane === 'owner') console.log(`      owner's DM: ${dm?.[0] ?? noOwnerDm}`);
    } else if (item) {
      const expected = demo.lane === 'filtered' ? '' : dim(' (expected: escalated to the owner)');
      console.log(`    ${who} → filtered as spam, listed in App Home${expected}`);
      const why = item.find((line) => line.startsWith('Why:'));
      if (why) console.log(`      ${why}`);
    } else {
      console.log(
        `    ${who} → ${slack ? 'not seen in Slack' : 'see your workspace (App Home lists what the filter dropped)'}`,
      );
    }
  }
  if (slack) {
    console.log(`  replies posted on X: ${x.created.length}`);
    const first = cards[0]?.call.params.blocks;
    if (Array.isArray(first)) {
      console.log(`  the first card in Slack's Block Kit Builder (open it to see it as Slack renders it):`);
      console.log(`    ${blockKitBuilderUrl({ blocks: first })}`);
    }
    console.log(
      `  mention → Slack notification: median ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms` +
        dim(
          ` (includes the Slack sender’s pace: ${config.slack.channelMessagesPerSecond} a second a channel, ${config.slack.callsPerSecond} in all)`,
        ),
    );
  }

  await app.stop();
  await Promise.all([slack?.close(), x.close()]);
  rmSync(setup.dataDir, { recursive: true, force: true });
}

await main();
