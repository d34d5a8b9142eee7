import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLY_VISIBILITY } from '../../../src/bot/action-ids.js';
import {
  type ConversationCard,
  conversationDm,
  conversationMessage,
  followupMessage,
  logLine,
  logMessage,
  replyModal,
} from '../../../src/bot/blocks.js';
import type { FilteredMention } from '../../../src/bot/filtered-view.js';
import {
  type ConversationSummary,
  homeView,
  meAnswer,
  queueAnswer,
  statsAnswer,
  type TeamMember,
} from '../../../src/bot/home-view.js';
import { computeResponseFigures } from '../../../src/bot/response-figures.js';
import { blockKitProblems, viewProblems } from '../../standins/slack.standin.js';

const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const NOW = new Date('2025-06-02T10:00:00Z');

// Text a customer might send: long, emoji (ZWJ sequences and flags), right-to-left, mrkdwn
// metacharacters that expand when escaped, and newlines that each cost a quote marker.
const nasty = fc.oneof(
  fc.string({ maxLength: 200 }),
  // Long grapheme soup, built by repetition: generating 10,000 random graphemes one by one is slow.
  fc
    .tuple(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 1, max: 400 }))
    .map(([chunk, times]) => chunk.repeat(times)),
  fc.constantFrom(
    '👩‍👩‍👧‍👦'.repeat(2500),
    '🇵🇹🏳️‍🌈'.repeat(2000),
    'مرحبا، طلبي لم يصل بعد! '.repeat(500),
    'שלום עולם '.repeat(1000),
    '<&>'.repeat(4000),
    '\n'.repeat(10_000),
    `<!channel> <@U123> <https://evil.example|click> ${'x'.repeat(10_000)}`,
  ),
);

const card = (over: Partial<ConversationCard>): ConversationCard => ({
  conversationId: ID,
  network: 'x',
  status: 'open',
  escalated: false,
  assigneeId: 'U0SAM0001',
  author: { handle: 'jane', name: 'Jane', followers: 10, verified: true },
  text: 'hello',
  url: 'https://x.com/jane/status/1',
  reasons: ['speaks English'],
  openedAt: NOW,
  lastReply: undefined,
  firstRepliedAt: null,
  closedBy: undefined,
  ...over,
});

const cardArb = fc.record({
  text: nasty,
  handle: nasty,
  name: fc.option(nasty, { nil: null }),
  url: fc.option(fc.oneof(fc.webUrl(), fc.constant(`https://x.com/${'a'.repeat(5000)}`)), { nil: null }),
  reasons: fc.array(nasty, { maxLength: 30 }),
  status: fc.constantFrom('open', 'replied', 'resolved', 'spam') as fc.Arbitrary<ConversationCard['status']>,
  escalated: fc.boolean(),
  language: fc.option(nasty, { nil: undefined }),
  priority: fc.option(fc.oneof(fc.constantFrom('urgent', 'low', 'constructor', '__proto__'), nasty), {
    nil: undefined,
  }),
  followups: fc.nat(10_000),
});

type CardInput = typeof cardArb extends fc.Arbitrary<infer T> ? T : never;
const toCard = (a: CardInput): ConversationCard =>
  card({
    text: a.text,
    author: { handle: a.handle, name: a.name, followers: 1_000_000, verified: true },
    url: a.url,
    reasons: a.reasons,
    status: a.status,
    escalated: a.escalated,
    understanding: {
      ...(a.language ? { language: a.language } : {}),
      sentiment: 'negative',
      intent: 'complaint',
    },
    ...(a.priority ? { priority: a.priority } : {}),
    dueAt: new Date(NOW.getTime() + 3600_000),
    snoozedUntil: new Date(NOW.getTime() + 7200_000),
    followups: a.followups,
  });

const message = (m: { text: string; blocks: unknown[] }) => {
  expect(blockKitProblems(m.blocks, 50)).toEqual([]);
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(3000);
};

describe('every message and view stays within Block Kit limits', () => {
  it('the conversation card, for any text, name, link and reasons', () => {
    fc.assert(
      fc.property(cardArb, (a) => message(conversationMessage(toCard(a)))),
      { numRuns: 80 },
    );
  });

  it('follow-ups, thread log lines and direct messages', () => {
    fc.assert(
      fc.property(cardArb, nasty, (a, other) => {
        message(followupMessage({ handle: a.handle, text: a.text, url: a.url, network: 'bluesky' }));
        const line = logLine({
          type: 'reply.posted',
          actor: 'U0SAM0001',
          details: { text: a.text, url: a.url },
        });
        message(logMessage(line!));
        message(logMessage(logLine({ type: 'reply.failed', actor: 'bot', details: { message: other } })!));
        for (const kind of ['assigned', 'reassigned', 'escalated', 'snooze_ended'] as const) {
          message(
            conversationDm({
              kind,
              card: toCard(a),
              link: a.url ?? undefined,
              by: 'U0TOM0001',
              reasons: a.reasons,
              ...(kind === 'escalated' ? { note: other } : {}),
            }),
          );
        }
      }),
      { numRuns: 50 },
    );
  });

  it('the reply modal, for any conversation length', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: nasty, text: nasty }), { maxLength: 150 }),
        nasty,
        (turns, handle) => {
          const view = replyModal({
            network: 'instagram',
            authorHandle: handle,
            turns,
            metadata: { conversationId: ID, mentionId: ID },
            limit: { max: 2200, unit: 'characters' },
          });
          expect(viewProblems(view as never)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('App Home and the /firsthand answers, for a large team and a long queue', () => {
    const summary = fc.record({
      conversationId: fc.constant(ID),
      network: fc.constantFrom('x', 'mastodon', 'somewhere-new', 'toString'),
      handle: nasty,
      text: nasty,
      assigneeId: fc.constant(null),
      openedAt: fc.constant(NOW),
      dueAt: fc.constant(new Date(NOW.getTime() - 60_000)),
      link: fc.constant(`https://acme.slack.com/archives/C1/p1`),
    }) as fc.Arbitrary<ConversationSummary>;
    const member = fc.record({
      id: fc.constant('U0SAM0001'),
      name: nasty,
      role: fc.constantFrom('owner', 'staff'),
      awayUntil: fc.option(fc.constant(new Date(NOW.getTime() + 3600_000)), { nil: null }),
      open: fc.nat(100),
      capacity: fc.nat(100),
    }) as fc.Arbitrary<TeamMember>;
    const filtered = fc.record({
      conversationId: fc.constant(ID),
      network: fc.constantFrom('x', 'mastodon', 'somewhere-new'),
      handle: nasty,
      text: nasty,
      reasons: fc.array(nasty, { maxLength: 4 }),
      at: fc.constant(NOW),
    }) as fc.Arbitrary<FilteredMention>;
    fc.assert(
      fc.property(
        member,
        fc.array(summary, { maxLength: 120 }),
        fc.array(member, { maxLength: 80 }),
        fc.array(filtered, { maxLength: 12 }),
        // Conversations on networks with any name, answered by up to 80 different people.
        fc.array(fc.tuple(nasty, fc.nat(80), fc.nat(600)), { maxLength: 120 }),
        (me, list, team, latest, answered) => {
          const figures = computeResponseFigures({
            period: 'month',
            now: NOW,
            conversations: answered.map(([network, person, minutes], i) => ({
              id: String(i),
              network,
              openedAt: new Date(NOW.getTime() - 86_400_000),
              targetMinutes: 60,
              firstResponseAt: new Date(NOW.getTime() - 86_400_000 + minutes * 60_000),
              firstResponderId: `U0SAM${person}`,
              assigneeId: null,
              open: false,
              snoozedUntil: null,
            })),
            timeouts: [],
            staffNames: new Map(),
          });
          expect(
            viewProblems(
              homeView({
                me,
                now: NOW,
                mine: list,
                waiting: list,
                team,
                escalations: list,
                filtered: { latest, lastDay: latest.length, lastWeek: latest.length + 40 },
                notice: 'You already brought this mention back from the spam filter.',
                figures,
              }) as never,
            ),
          ).toEqual([]);
          message(meAnswer(me, list, NOW));
          message(queueAnswer(list, list, NOW));
          message(
            statsAnswer({ opened: 1, replied: 1, resolved: 0, spam: 0, openNow: 2 }, figures, team, NOW),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the conversation card', () => {
  it('cuts a 10,000-character post and links to the rest of it', () => {
    const { blocks } = conversationMessage(card({ text: 'a'.repeat(10_000) }));
    const body = JSON.stringify(blocks);
    expect(body).toContain('…');
    expect(body).toContain('<https://x.com/jane/status/1|Read the whole post on X>');
  });

  it('says where the cut is when there is no link to the original', () => {
    const { blocks } = conversationMessage(card({ text: 'a'.repeat(10_000), url: null }));
    expect(JSON.stringify(blocks)).toMatch(/cut after \d+ characters/);
  });

  it('never splits an emoji or an escaped character at the cut', () => {
    const { blocks } = conversationMessage(card({ text: `${'<'.repeat(2000)}👩‍👩‍👧‍👦`.repeat(3) }));
    const text = (blocks[1] as { text: { text: string } }).text.text;
    expect(text).not.toMatch(/&(l|lt)?…/);
    expect(text.split('…')[0]).toMatch(/(&lt;|👩‍👩‍👧‍👦)$/);
  });

  it('shows the router’s reading, the deadline and the reasons when it has them, and nothing when not', () => {
    const rich = JSON.stringify(
      conversationMessage(
        card({
          priority: 'urgent',
          dueAt: new Date('2025-06-02T11:00:00Z'),
          understanding: { language: 'Portuguese', sentiment: 'negative', intent: 'complaint' },
          reasons: ['speaks Portuguese', 'least loaded'],
        }),
      ).blocks,
    );
    expect(rich).toContain('Urgent');
    expect(rich).toContain('*Respond by*\\n<!date^1748862000^');
    expect(rich).toContain('Portuguese');
    expect(rich).toContain('complaint');
    expect(rich).toContain('Why: speaks Portuguese · least loaded');
    const bare = JSON.stringify(conversationMessage(card({ reasons: [] })).blocks);
    expect(bare).not.toContain('Priority');
    expect(bare).not.toContain('Why:');
  });

  it('says when the customer wrote privately, in the card and in its notification text', () => {
    const dm = conversationMessage(card({ privateMessage: true }));
    expect(JSON.stringify(dm.blocks)).toContain(':incoming_envelope: *X* private message · ');
    expect(dm.text).toMatch(/^New private message on X from @/);
    const post = conversationMessage(card({}));
    expect(JSON.stringify(post.blocks)).not.toContain('private message');
    expect(post.text).toMatch(/^New mention on X from @/);
  });

  it("shows until when Messenger takes an answer, in the reader's own time zone", () => {
    const until = new Date('2026-03-03T10:00:00Z');
    const { blocks } = conversationMessage(card({ answerBy: { at: until, inbox: 'Messenger' } }));
    expect(JSON.stringify(blocks)).toContain(
      `*Messenger takes an answer until*\\n<!date^${until.getTime() / 1000}^{date_short_pretty} at {time}|2026-03-03 10:00 UTC>`,
    );
    expect(JSON.stringify(conversationMessage(card({})).blocks)).not.toContain('takes an answer until');
  });

  it('keeps the claim button honest about who has it, and drops the escalate button once escalated', () => {
    const open = conversationMessage(card({ assigneeId: null }));
    expect(JSON.stringify(open.blocks)).toContain(`"value":"${ID}:-"`);
    expect(JSON.stringify(open.blocks)).toContain('nobody yet');
    const escalated = JSON.stringify(conversationMessage(card({ escalated: true })).blocks);
    expect(escalated).not.toContain('fh.escalate');
    expect(escalated).toContain('Escalated to the owner');
  });
});

describe('the thread log', () => {
  it('says a reply may not have gone out when the network could not confirm it, and was not otherwise', () => {
    const failed = (code: string) =>
      logLine({ type: 'reply.failed', actor: 'bot', details: { code, message: 'the reason' } });
    expect(failed('instagram.reply_unconfirmed')).toBe(
      ':warning: A reply by a colleague may not have been posted: the reason',
    );
    expect(failed('x.rejected')).toBe(':warning: A reply by a colleague was not posted: the reason');
  });
});

describe('the reply modal hint', () => {
  const hintOf = (input: Partial<Parameters<typeof replyModal>[0]>) => {
    const view = replyModal({
      network: 'x',
      authorHandle: 'hungry_sam',
      turns: [{ from: '@hungry_sam', text: 'my order never came' }],
      metadata: { conversationId: ID, mentionId: ID },
      limit: { max: 280, unit: 'weighted characters' },
      ...input,
    });
    const field = view.blocks.find((b) => b.type === 'input') as { hint?: { text: string } };
    return field.hint?.text;
  };

  it('names both limits when a private message holds a different amount', () => {
    expect(hintOf({ privateAllowed: true, privateLimit: { max: 10_000, unit: 'characters' } })).toBe(
      'Sent under the brand account. A public reply holds up to 280 weighted characters, including the @mention; a private message up to 10000 characters.',
    );
  });

  it('names one limit when both hold the same, or when the reply can only be public', () => {
    const mastodon = { max: 500, unit: 'characters' };
    expect(hintOf({ limit: mastodon, privateAllowed: true, privateLimit: mastodon })).toBe(
      'Sent under the brand account. Up to 500 characters, including the @mention.',
    );
    expect(hintOf({ privateLimit: { max: 10_000, unit: 'characters' } })).toBe(
      'Posted publicly under the brand account. Up to 280 weighted characters, including the @mention.',
    );
  });

  it('offers no public reply to a direct message, and names the private limit alone', () => {
    const input = {
      privateAllowed: true,
      privateOnly: true,
      privateLimit: { max: 10_000, unit: 'characters' },
    };
    expect(hintOf(input)).toBe(
      '@hungry_sam wrote privately, so this goes back as a private message under the brand account. Up to 10000 characters.',
    );
    const base = {
      network: 'x',
      authorHandle: 'hungry_sam',
      turns: [{ from: '@hungry_sam', text: 'my card number is in this DM' }],
      metadata: { conversationId: ID, mentionId: ID },
      limit: { max: 280, unit: 'weighted characters' },
    };
    const hasChoice = (view: ReturnType<typeof replyModal>) =>
      view.blocks.some((b) => b.block_id === REPLY_VISIBILITY.block);
    expect(hasChoice(replyModal({ ...base, ...input }))).toBe(false);
    expect(hasChoice(replyModal({ ...base, ...input, privateOnly: false }))).toBe(true);
  });
});
