import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  asMention,
  convertConversations,
  DatasetSchema,
  readConvertedMentions,
} from '../../../scripts/convert-twitter.js';
import { MentionSchema } from '../../../src/contract/mention.js';

const thread = {
  dialogHeader: { company: 'AmazonHelp', sessionID: 'S1' },
  dialogContent: [
    {
      client: 'Suman1234',
      datetime: '2020-03-29T07:29:04.000Z',
      message: '@AmazonHelp Got a faulty phone &amp; it is not charging',
      tweet_ID: '100',
    },
    {
      agent: 'AmazonHelp',
      datetime: '2020-03-29T07:35:31.000Z',
      message: '@suman1234 Sorry',
      tweet_ID: '101',
    },
    {
      client: 'Suman1234',
      datetime: '2020-03-29T07:48:18.000Z',
      message: '@AmazonHelp I need a replacement &gt; a repair',
      tweet_ID: '102',
    },
    {
      client1: 'bystander',
      datetime: '2020-03-29T07:50:00.000Z',
      message: '@AmazonHelp @Suman1234 same here',
      tweet_ID: '103',
    },
  ],
};

describe('the Twitter customer-care converter', () => {
  it('turns each customer turn into a normalized X mention and skips the company turns', () => {
    const mentions = convertConversations([thread]);
    expect(mentions.map((m) => m.externalId)).toEqual(['100', '102', '103']);
    expect(mentions[0]).toEqual({
      network: 'x',
      externalId: '100',
      account: 'AmazonHelp',
      author: { id: 'suman1234', handle: 'Suman1234' },
      text: '@AmazonHelp Got a faulty phone & it is not charging',
      url: 'https://x.com/Suman1234/status/100',
      kind: 'mention',
      createdAt: '2020-03-29T07:29:04.000Z',
      conversation: 'S1',
      repliedAt: '2020-03-29T07:35:31.000Z',
    });
  });

  it("carries when the company answered: its next turn, or else its final reply's time from the tweet id", () => {
    // The id of a tweet posted at 08:00:00 UTC: its time in milliseconds since Twitter's epoch, shifted by 22 bits.
    const mentions = convertConversations([{ ...thread, agentURL: { tweet_ID: '1244172440171458617' } }]);
    expect(mentions.map((m) => m.repliedAt)).toEqual([
      '2020-03-29T07:35:31.000Z',
      '2020-03-29T08:00:00.000Z',
      '2020-03-29T08:00:00.000Z',
    ]);
    expect(asMention(mentions[0]!)).not.toHaveProperty('repliedAt');
  });

  it('keeps a follow-up with the same author, threaded to the turn before it, at its real time', () => {
    const [, followUp, other] = convertConversations([thread]);
    expect(followUp).toMatchObject({
      author: { id: 'suman1234' },
      inReplyTo: '101',
      kind: 'reply',
      text: '@AmazonHelp I need a replacement > a repair',
      createdAt: '2020-03-29T07:48:18.000Z',
    });
    expect(other).toMatchObject({ author: { id: 'bystander', handle: 'bystander' }, inReplyTo: '102' });
  });

  it('keeps the first of two turns that share a tweet id', () => {
    const again = { ...thread, dialogHeader: { company: 'AmazonHelp', sessionID: 'S2' } };
    const mentions = convertConversations([thread, again]);
    expect(mentions).toHaveLength(3);
    expect(new Set(mentions.map((m) => m.conversation))).toEqual(new Set(['S1']));
  });

  it('converts the whole committed dataset into valid mentions that match the committed JSONL', () => {
    const dataset = DatasetSchema.parse(
      JSON.parse(readFileSync('fixtures/twitter-customer-care/conversations.json', 'utf8')),
    );
    const converted = convertConversations(dataset);
    const customerTurns = dataset.flatMap((c) => c.dialogContent).filter((t) => t.client || t.client1);
    expect(converted.length).toBeGreaterThanOrEqual(571);
    expect(converted.length).toBeLessThanOrEqual(customerTurns.length);
    expect(new Set(converted.map((m) => m.externalId)).size).toBe(converted.length);
    for (const mention of converted) expect(() => MentionSchema.parse(asMention(mention))).not.toThrow();
    expect(readConvertedMentions()).toEqual(converted);
  });
});
