import { describe, expect, it } from 'vitest';
import { MentionSchema } from '../../../src/contract/mention.js';
import {
  ActivityEnvelope,
  normalizeActivity,
  normalizeV2Mentions,
} from '../../../src/network/x/normalize.js';

// The polling fixture of platform-facts B1, plus a reply to show threading.
const page = {
  data: [
    {
      id: '1301573587187331074',
      text: 'Hey @XDevelopers, love the new API!',
      author_id: '1234567890',
      created_at: '2024-01-15T10:30:00.000Z',
    },
    {
      id: '1301573587187331080',
      text: '@XDevelopers still broken',
      author_id: '1234567890',
      created_at: '2024-01-15T11:00:00.000Z',
      referenced_tweets: [{ type: 'replied_to', id: '1301573587187331074' }],
    },
    { id: '1301573587187331090', text: 'orphan', author_id: '999', created_at: '2024-01-15T11:00:00.000Z' },
  ],
  includes: { users: [{ id: '1234567890', username: 'developer', name: 'Dev Person', verified: false }] },
  meta: { newest_id: '1301573587187331074', result_count: 1 },
};

describe('X mentions timeline normalization', () => {
  it('turns a v2 mention into the contract with author, link and kind', () => {
    const [first] = normalizeV2Mentions(page, 'XDevelopers');
    expect(first).toEqual({
      network: 'x',
      externalId: '1301573587187331074',
      account: 'XDevelopers',
      author: {
        id: '1234567890',
        handle: 'developer',
        name: 'Dev Person',
        followers: undefined,
        verified: false,
      },
      text: 'Hey @XDevelopers, love the new API!',
      url: 'https://x.com/developer/status/1301573587187331074',
      inReplyTo: undefined,
      kind: 'mention',
      createdAt: '2024-01-15T10:30:00.000Z',
    });
    expect(MentionSchema.safeParse(first).success).toBe(true);
  });

  it('threads a reply to the post it answers and drops a post whose author is unknown', () => {
    const mentions = normalizeV2Mentions(page, 'XDevelopers');
    expect(mentions.map((m) => m.externalId)).toEqual(['1301573587187331074', '1301573587187331080']);
    expect(mentions[1]).toMatchObject({ inReplyTo: '1301573587187331074', kind: 'reply' });
  });

  it('reads an empty page as no mentions', () => {
    expect(normalizeV2Mentions({ meta: { result_count: 0 } }, 'me')).toEqual([]);
    expect(normalizeV2Mentions('nonsense', 'me')).toEqual([]);
  });
});

describe('X Account Activity normalization', () => {
  const tweet = {
    created_at: 'Mon May 19 14:01:46 +0000 2025',
    id_str: '1924449191234567890',
    text: '@XDevelopers short text',
    extended_tweet: { full_text: '@XDevelopers the long full text beyond 140 characters' },
    in_reply_to_status_id_str: '1924449190000000000',
    user: { id_str: '6253282', screen_name: 'customer', name: 'A Customer', followers_count: 40 },
    entities: { user_mentions: [{ screen_name: 'XDevelopers', id_str: '2244994945', indices: [0, 12] }] },
  };

  it('uses the full text, our screen name and the parent post', () => {
    const envelope = ActivityEnvelope.parse({ for_user_id: '2244994945', tweet_create_events: [tweet] });
    expect(normalizeActivity(envelope)).toEqual([
      {
        network: 'x',
        externalId: '1924449191234567890',
        account: 'XDevelopers',
        author: { id: '6253282', handle: 'customer', name: 'A Customer', followers: 40, verified: undefined },
        text: '@XDevelopers the long full text beyond 140 characters',
        url: 'https://x.com/customer/status/1924449191234567890',
        inReplyTo: '1924449190000000000',
        kind: 'reply',
        createdAt: '2025-05-19T14:01:46.000Z',
      },
    ]);
  });

  it('ignores our own posts and plain retweets, which are not customer mentions', () => {
    const ours = { ...tweet, id_str: '1', user: { id_str: '2244994945', screen_name: 'XDevelopers' } };
    const retweet = { ...tweet, id_str: '2', retweeted_status: { id_str: '3' } };
    const envelope = ActivityEnvelope.parse({
      for_user_id: '2244994945',
      tweet_create_events: [ours, retweet],
    });
    expect(normalizeActivity(envelope)).toEqual([]);
  });

  it('names the bad field of a malformed event', () => {
    const result = ActivityEnvelope.safeParse({
      for_user_id: '2244994945',
      tweet_create_events: [{ ...tweet, id_str: 'x' }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['tweet_create_events', 0, 'id_str']);
  });
});
