import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConversationCard,
  conversationDm,
  conversationMessage,
  followupMessage,
  logLine,
  logMessage,
  ownerAlert,
  replyFailedNotice,
  replyModal,
} from '../../../src/bot/blocks.js';
import { dailySpamCountMessage, filteredSection } from '../../../src/bot/filtered-view.js';
import { homeView, meAnswer, queueAnswer, type TeamMember } from '../../../src/bot/home-view.js';
import { propertySettings } from '../../support/properties.js';

/**
 * One rule for Slack text: whatever a customer (or a network speaking for
 * one) wrote reaches Slack escaped, so the only live mentions, links and
 * dates in a message are the ones the app itself put there.
 */

const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const MENTION_ID = '1c7f8b1f-4b6d-4d2f-8e8f-2a3b4c5d6e7f';
const NOW = new Date('2025-06-02T10:00:00Z');
const OWNER = 'U0OWNER01';
const SAM = 'U0SAM0001';
const TOM = 'U0TOM0001';

/** What customers and networks control: every name, handle, text, reason and link. */
interface Customer {
  network: string;
  handle: string;
  name: string | null;
  text: string;
  url: string | null;
  reasons: string[];
  language: string;
  priority: string;
  failure: string;
  alert: string;
}

/** Strings that try to become live Slack markup, or to disguise a name. */
const forged = fc.constantFrom(
  `<@${OWNER}>`,
  `<@${SAM}|sam>`,
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0123|@support>',
  '<#C0CUSTOMERS>',
  '<#C0CUSTOMERS|customers>',
  '<http://evil.example|Open the conversation in Slack>',
  '<https://evil.example>',
  '<mailto:a@evil.example|mail>',
  '<!date^1^{date}|x>',
  '&lt;@U0OWNER01&gt;',
  '&amp;lt;!channel&amp;gt;',
  '\u202Eevil\u202C',
  '\u2067moc.elgoog\u2069',
  'ac\u200Bme',
  '\uFEFF\u200D\u2060',
  '\n> forged quote',
  '<',
  '>',
  '&',
  '|',
);
const hostile = fc
  .array(fc.oneof(forged, fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

const customerArb: fc.Arbitrary<Customer> = fc.record({
  network: fc.oneof(fc.constantFrom('x', 'mastodon', 'bluesky'), hostile),
  handle: hostile,
  name: fc.option(hostile, { nil: null }),
  text: hostile,
  url: fc.option(
    fc.oneof(fc.webUrl(), fc.constantFrom('https://x.com/a|<!channel>', 'https://x.com/<@U0OWNER01> b')),
    { nil: null },
  ),
  reasons: fc.array(hostile, { maxLength: 3 }),
  language: hostile,
  priority: fc.oneof(fc.constantFrom('urgent', 'low'), hostile),
  failure: hostile,
  alert: hostile,
});

/** The same app-side facts with harmless customer data: what may be live in the output. */
const benign = (c: Customer): Customer => ({
  network: ['x', 'mastodon', 'bluesky'].includes(c.network) ? c.network : 'x',
  handle: 'customer',
  name: c.name === null ? null : 'Customer',
  text: 'customer text',
  url: c.url,
  reasons: c.reasons.map(() => 'reason'),
  language: 'en',
  priority: 'normal',
  failure: 'failure',
  alert: 'alert',
});

const PLAIN: Customer = {
  network: 'x',
  handle: 'customer',
  name: 'Customer',
  text: 'customer text',
  url: null,
  reasons: [],
  language: 'en',
  priority: 'normal',
  failure: 'failure',
  alert: 'alert',
};

const card = (c: Customer, over: Partial<ConversationCard> = {}): ConversationCard => ({
  conversationId: ID,
  network: c.network,
  status: 'open',
  escalated: false,
  assigneeId: SAM,
  author: { handle: c.handle, name: c.name, followers: 10, verified: true },
  text: c.text,
  url: c.url,
  reasons: c.reasons,
  openedAt: NOW,
  lastReply: { staffId: TOM, postedAt: NOW },
  firstRepliedAt: new Date(NOW.getTime() + 60_000),
  closedBy: undefined,
  understanding: { language: c.language, sentiment: 'negative', intent: 'complaint' },
  priority: c.priority,
  dueAt: new Date(NOW.getTime() + 3_600_000),
  snoozedUntil: new Date(NOW.getTime() + 7_200_000),
  followups: 2,
  ...over,
});

const member = (id: string, role: TeamMember['role']): TeamMember => ({
  id,
  name: id,
  role,
  awayUntil: null,
  open: 1,
  capacity: 5,
});

/** Every builder that puts customer data into Slack, fed the same customer. */
function everything(c: Customer): unknown[] {
  const summary = {
    conversationId: ID,
    network: c.network,
    handle: c.handle,
    text: c.text,
    assigneeId: SAM,
    openedAt: NOW,
    dueAt: NOW,
    priority: c.priority,
    ...(c.url ? { link: c.url } : {}),
  };
  const filtered = {
    latest: [
      { conversationId: ID, network: c.network, handle: c.handle, text: c.text, reasons: c.reasons, at: NOW },
    ],
    lastDay: 1,
    lastWeek: 3,
  };
  const team = [member(OWNER, 'owner'), member(SAM, 'staff')];
  return [
    conversationMessage(card(c)),
    conversationMessage(card(c, { status: 'resolved', closedBy: SAM, privateMessage: true })),
    conversationMessage(card(c, { escalated: true, assigneeId: OWNER })),
    followupMessage({ handle: c.handle, text: c.text, url: c.url, network: c.network }),
    logMessage(logLine({ type: 'reply.posted', actor: SAM, details: { text: c.text, url: c.url } }) ?? ''),
    logMessage(
      logLine({ type: 'reply.failed', actor: SAM, details: { code: 'x', message: c.failure } }) ?? '',
    ),
    ...(['assigned', 'reassigned', 'escalated', 'snooze_ended'] as const).map((kind) =>
      conversationDm({ kind, card: card(c), link: c.url ?? undefined, by: TOM, reasons: c.reasons }),
    ),
    replyModal({
      network: c.network,
      authorHandle: c.handle,
      turns: [
        { from: `@${c.handle}`, text: c.text },
        { from: `Our reply (by ${c.name ?? 'Sam'})`, text: c.text },
      ],
      metadata: { conversationId: ID, mentionId: MENTION_ID },
      limit: { max: 280, unit: 'characters' },
      privateAllowed: true,
      privateLimit: { max: 10_000, unit: 'characters' },
    }),
    homeView({
      me: member(OWNER, 'owner'),
      now: NOW,
      mine: [summary],
      waiting: [summary],
      team,
      escalations: [summary],
      filtered,
    }),
    meAnswer(member(SAM, 'staff'), [summary], NOW),
    queueAnswer([summary], [summary], NOW),
    filteredSection(filtered),
    dailySpamCountMessage({ count: 3, topReasons: c.reasons.map((reason) => ({ reason, count: 1 })) }),
    replyFailedNotice({ handle: c.handle, code: 'x.refused', message: c.failure }),
    ownerAlert(OWNER, `Facebook refused the Page token. Meta said: ${c.alert}`),
  ];
}

// Keys Slack never shows: ids, values and metadata handed back to the app.
const HIDDEN = new Set([
  'action_id',
  'block_id',
  'value',
  'private_metadata',
  'callback_id',
  'type',
  'style',
]);

function shown(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) shown(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) if (!HIDDEN.has(key)) shown(value, out);
  }
  return out;
}

/** Every `<…>` Slack would read as a mention, a channel, a special mention, a date or a link. */
const live = (text: string) => text.match(/<[^<>]*>/g) ?? [];

const APP_LABELS =
  /^(View on [^<>]*|Read the whole post on [^<>]*|View the reply|Open|Open the conversation in Slack)$/;

/** The shapes the app itself writes; anything else is forged. */
function isAppMarkup(token: string): boolean {
  if (/^<@[UW][A-Z0-9]+>$/.test(token)) return true;
  if (/^<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[\d-]+ [\d:]+ UTC>$/.test(token)) return true;
  const link = /^<(https?:\/\/[^|<> ]+)\|([^<>]*)>$/.exec(token);
  return Boolean(link && APP_LABELS.test(link[2] ?? ''));
}

const tally = (tokens: string[]) => {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
};

// Bidi controls, and invisible characters that can hide inside a name, except a joiner inside an emoji.
const DISGUISE =
  /[\p{Bidi_Control}\u00AD\u180E\u200B\u200C\u2060-\u2064\uFEFF]|(?<!\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F)\u200D|\u200D(?!\p{Extended_Pictographic})/u;

describe('customer text in Slack', () => {
  it('lets no mention, channel, special mention or link from customer input come alive in any field', () => {
    fc.assert(
      fc.property(customerArb, (c) => {
        const tokens = shown(everything(c)).flatMap(live);
        for (const token of tokens) expect(isAppMarkup(token), token).toBe(true);
        // The app's own mentions and dates are those it writes for harmless customers too; no more.
        // (Links are checked by shape alone: their labels name the network, which the customer may set.)
        const allowed = tally(shown(everything(benign(c))).flatMap(live));
        for (const [token, count] of tally(tokens.filter((t) => !t.startsWith('<http')))) {
          expect(count, token).toBeLessThanOrEqual(allowed.get(token) ?? 0);
        }
      }),
      propertySettings(200),
    );
  });

  it('shows names and handles without bidi controls or zero-width characters', () => {
    fc.assert(
      fc.property(customerArb, (hostileNames) => {
        // Only names, handles and the network carry the disguise; the customer's own words are left as written.
        const c = { ...benign(hostileNames), handle: hostileNames.handle, name: hostileNames.name };
        for (const text of shown(everything(c)))
          expect(DISGUISE.test(text), JSON.stringify(text)).toBe(false);
      }),
      propertySettings(200),
    );
  });

  it('keeps the fallback text of the card, the follow-up and the DM escaped', () => {
    const c: Customer = {
      ...PLAIN,
      handle: '<!channel>',
      text: 'hi <!here> <@U0OWNER01> <https://evil.example|pay here>',
    };
    const texts = [
      conversationMessage(card(c)).text,
      followupMessage({ handle: c.handle, text: c.text, url: null }).text,
      conversationDm({ kind: 'assigned', card: card(c), link: undefined }).text,
    ];
    for (const text of texts) {
      expect(live(text).filter((t) => !isAppMarkup(t))).toEqual([]);
      expect(text).toContain('&lt;!here&gt;');
    }
  });

  it("does not turn a handle of <@U0OWNER01> into a mention in the assignee's DM", () => {
    const c = { ...PLAIN, handle: `<@${OWNER}>` };
    const dm = conversationDm({ kind: 'escalated', card: card(c), link: undefined, by: TOM });
    const all = shown(dm).join('\n');
    expect(all).not.toContain(`<@${OWNER}>`);
    expect(all).toContain(`@&lt;@${OWNER}&gt;`);
    // The colleague who escalated is still mentioned: the app wrote that one.
    expect(all).toContain(`<@${TOM}>`);
  });

  it('strips right-to-left overrides and zero-width characters from the names on the card', () => {
    const c = {
      ...PLAIN,
      handle: 'acme\u202Etroppus\u202C',
      name: 'Ac\u200Bme\u2066 Support 👩‍💻',
    };
    const header = shown(conversationMessage(card(c)).blocks[0])[0] ?? '';
    expect(header).toContain('@acmetroppus');
    expect(header).toContain('*Acme Support 👩‍💻*');
    expect(DISGUISE.test(header)).toBe(false);
  });
});
