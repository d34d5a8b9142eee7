import { describe, expect, it } from 'vitest';
import { conversationMessage, replyModal } from '../../../src/bot/blocks.js';
import { toCard, toTurns } from '../../../src/bot/conversation-card.js';
import type { LoadedConversation } from '../../../src/db/conversation-view.repository.js';
import type { ConversationRow } from '../../../src/db/conversations.repository.js';
import type { EventRow } from '../../../src/db/events.repository.js';
import type { MentionRow } from '../../../src/db/mentions.repository.js';

const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const FIRST_MENTION = '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const at = (minute: number) => new Date(Date.UTC(2025, 5, 2, 10, minute));

type Reply = LoadedConversation['replies'][number];

const mention = (over: Partial<MentionRow>): MentionRow => ({
  id: FIRST_MENTION,
  network: 'mastodon',
  externalId: 'm-1',
  account: 'shop',
  authorId: 'dana',
  authorHandle: 'dana',
  authorName: 'Dana Reyes',
  authorFollowers: 120,
  authorVerified: false,
  text: 'Where is my order?',
  url: 'https://social.example/@dana/1',
  inReplyTo: null,
  kind: null,
  postedAt: at(0),
  receivedAt: at(0),
  conversationId: ID,
  routedAt: at(0),
  notifiedAt: null,
  slackTs: null,
  ...over,
});

const reply = (over: Partial<Reply>): Reply => ({
  id: '5e1d0c2b-8a4f-4b3e-9c6d-7f8e9a0b1c2d',
  conversationId: ID,
  mentionId: FIRST_MENTION,
  staffId: 'U0SAM0001',
  staffName: 'Sam Okafor',
  submissionKey: 'V-1',
  text: 'On its way!',
  visibility: 'public',
  status: 'posted',
  networkReplyId: null,
  networkReplyUrl: null,
  error: null,
  attemptedAt: null,
  createdAt: at(0),
  postedAt: null,
  ...over,
});

let eventId = 0;
const event = (type: string, over: Partial<EventRow> = {}): EventRow => ({
  id: ++eventId,
  conversationId: ID,
  mentionId: null,
  actor: 'router',
  type,
  details: {},
  at: at(0),
  ...over,
});

/** A conversation as the repository reads it back, built in memory: no database behind it. */
const loaded = (
  over: Partial<Omit<LoadedConversation, 'conversation'>> = {},
  conversation: Partial<ConversationRow> = {},
): LoadedConversation => {
  const mentions = over.mentions ?? [
    mention({ text: 'Where is my order?', postedAt: at(0) }),
    mention({
      id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
      externalId: 'm-2',
      text: 'Still nothing.',
      postedAt: at(20),
    }),
  ];
  return {
    conversation: {
      id: ID,
      network: 'mastodon',
      account: 'shop',
      authorId: 'dana',
      authorHandle: 'dana',
      status: 'open',
      assigneeId: 'U0SAM0001',
      escalated: false,
      priority: 'normal',
      responseTargetMinutes: null,
      routingReasons: [],
      coveringFor: null,
      firstMentionId: mentions[0]?.id ?? null,
      channel: null,
      slackChannel: null,
      slackTs: null,
      openedAt: at(0),
      firstRepliedAt: null,
      closedAt: null,
      createdAt: at(0),
      ...conversation,
    },
    mentions,
    replies: over.replies ?? [],
    events: over.events ?? [],
  };
};

describe("the reply modal's conversation so far", () => {
  it('labels our earlier replies with the author’s roster name, in time order', () => {
    const turns = toTurns(
      loaded({
        replies: [
          reply({ text: 'On its way!', postedAt: at(10) }),
          reply({ text: 'Not sent yet', status: 'queued', postedAt: null }),
          reply({ text: 'Refunded.', staffId: 'U0JANE001', staffName: 'Jane Whitfield', postedAt: at(30) }),
        ],
      }),
    );
    expect(turns).toEqual([
      { from: '@dana', text: 'Where is my order?' },
      { from: 'Our reply (by Sam Okafor)', text: 'On its way!' },
      { from: '@dana', text: 'Still nothing.' },
      { from: 'Our reply (by Jane Whitfield)', text: 'Refunded.' },
    ]);
  });

  it('falls back to the Slack id when the author is not known by name', () => {
    const [, ours] = toTurns(loaded({ replies: [reply({ text: 'Hi', staffName: null, postedAt: at(5) })] }));
    expect(ours?.from).toBe('Our reply (by U0SAM0001)');
  });

  it('shows the name in bold in the modal, escaped like any text', () => {
    const view = replyModal({
      network: 'mastodon',
      authorHandle: 'dana',
      turns: toTurns(
        loaded({ replies: [reply({ text: 'Hi', staffName: 'Ana <Ops> & Co', postedAt: at(5) })] }),
      ),
      metadata: { conversationId: ID, mentionId: ID },
      limit: { max: 500, unit: 'characters' },
    });
    const texts = JSON.stringify(view.blocks);
    expect(texts).toContain('*Our reply (by Ana &lt;Ops&gt; &amp; Co)*');
    expect(texts).not.toContain('U0SAM0001');
  });
});

describe('the card of a conversation', () => {
  it('shows the first mention, counts the follow-ups and names the latest posted reply', () => {
    const card = toCard(
      loaded({
        replies: [
          reply({ staffId: 'U0BOB0001', postedAt: at(5) }),
          reply({ staffId: 'U0SAM0001', postedAt: at(10) }),
          reply({ staffId: 'U0JANE001', status: 'queued', postedAt: null }),
        ],
      }),
      at(30),
    );
    expect(card).toMatchObject({
      conversationId: ID,
      network: 'mastodon',
      status: 'open',
      assigneeId: 'U0SAM0001',
      author: { handle: 'dana', name: 'Dana Reyes', followers: 120, verified: false },
      text: 'Where is my order?',
      url: 'https://social.example/@dana/1',
      lastReply: { staffId: 'U0SAM0001', postedAt: at(10) },
      closedBy: undefined,
      followups: 1,
    });
    expect(card.privateMessage).toBeUndefined();
  });

  it('explains the routing from the conversation row and the assignment event', () => {
    const card = toCard(
      loaded(
        {
          events: [
            event('conversation.assigned', {
              details: {
                understanding: { language: 'de', sentiment: { label: 'negative' }, intent: 'complaint' },
              },
            }),
          ],
        },
        { priority: 'urgent', responseTargetMinutes: 30, routingReasons: ['journalist', 'complaint'] },
      ),
      at(5),
    );
    expect(card.priority).toBe('urgent');
    expect(card.dueAt).toEqual(at(30));
    expect(card.reasons).toEqual(['journalist', 'complaint']);
    expect(card.understanding).toEqual({ language: 'de', sentiment: 'negative', intent: 'complaint' });
  });

  it('takes "Respond by" from the running response clock, counted in the assignee’s working hours', () => {
    const nextMorning = new Date(Date.UTC(2025, 5, 3, 9, 30));
    const card = toCard(
      loaded(
        {
          events: [
            event('clock.started', {
              details: {
                reason: 'routed',
                steps: [
                  { step: 'remind', at: new Date(Date.UTC(2025, 5, 3, 9, 15)).toISOString() },
                  { step: 'offer', at: nextMorning.toISOString() },
                ],
              },
            }),
          ],
        },
        { priority: 'normal', responseTargetMinutes: 30 },
      ),
      at(5),
    );
    // Not 10:30 the same evening by the wall clock, but the next morning by the assignee's hours.
    expect(card.dueAt).toEqual(nextMorning);
  });

  it('shows the response clock’s latest step while the conversation waits for us', () => {
    const clock = event('clock.started', { id: 10, details: { reason: 'routed', steps: [] } });
    const offered = event('clock.step', {
      id: 11,
      at: at(40),
      details: { step: 'offer', outcome: 'offered', dueAt: at(40).toISOString(), to: 'U0JANE001' },
    });
    const passed = event('clock.step', {
      id: 12,
      details: { step: 'offer', outcome: 'passed', from: 'U0JANE001' },
    });
    const open = toCard(loaded({ events: [clock, offered, passed] }), at(41));
    expect(open.clockStep).toEqual({ outcome: 'offered', at: at(40), to: 'U0JANE001' });
    expect(JSON.stringify(conversationMessage(open).blocks)).toContain(
      'Past its target: offered to <@U0JANE001>',
    );
    // Taken up on the offer: the card names who claimed it.
    const claimed = event('conversation.claimed', {
      id: 13,
      actor: 'U0JANE001',
      at: at(42),
      details: { assigneeId: 'U0JANE001', previousAssigneeId: 'U0SAM0001', reason: 'response_timeout' },
    });
    const taken = toCard(loaded({ events: [clock, offered, claimed] }), at(43));
    expect(taken.clockStep).toEqual({ outcome: 'claimed', at: at(42), to: 'U0JANE001' });
    expect(JSON.stringify(conversationMessage(taken).blocks)).toContain(
      "Past its target: claimed by <@U0JANE001> on the clock's offer",
    );
    // Answered: the clock is no news any more.
    expect(
      toCard(loaded({ events: [clock, offered] }, { status: 'replied' }), at(41)).clockStep,
    ).toBeUndefined();
  });

  it('shows a snooze only while it lasts, and not on a closed conversation', () => {
    const snoozed = loaded({
      events: [
        event('conversation.snoozed', { actor: 'U0SAM0001', details: { until: at(45).toISOString() } }),
      ],
    });
    expect(toCard(snoozed, at(30)).snoozedUntil).toEqual(at(45));
    expect(toCard(snoozed, at(50)).snoozedUntil).toBeUndefined();
    const closed = loaded({ events: snoozed.events }, { status: 'resolved', closedAt: at(31) });
    expect(toCard(closed, at(30)).snoozedUntil).toBeUndefined();
  });

  it('names who closed it', () => {
    const card = toCard(
      loaded({ events: [event('conversation.resolved', { actor: 'U0JANE001' })] }, { status: 'resolved' }),
      at(30),
    );
    expect(card.closedBy).toBe('U0JANE001');
  });

  it('refuses a conversation without a mention', () => {
    expect(() => toCard(loaded({ mentions: [] }))).toThrow(
      expect.objectContaining({ code: 'conversation.empty' }),
    );
  });
});
