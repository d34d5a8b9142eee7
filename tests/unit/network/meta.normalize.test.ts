import { describe, expect, it } from 'vitest';
import { MentionSchema } from '../../../src/contract/mention.js';
import { graphErrorOf, graphFailure, graphRetryAt } from '../../../src/network/meta/graph.js';
import { MetaEnvelope, normalizeMetaWebhook } from '../../../src/network/meta/normalize.js';

const normalize = (body: unknown) => normalizeMetaWebhook(MetaEnvelope.parse(body));

// platform-facts B3 and B4 fixtures.
const pageFixture = {
  object: 'page',
  entry: [
    {
      id: '1234567890',
      time: 1742667604,
      changes: [
        {
          field: 'feed',
          value: {
            from: { id: '5555', name: 'Test User' },
            post_id: '1234567890_111',
            comment_id: '111_222',
            parent_id: '1234567890_111',
            created_time: 1742667604,
            item: 'comment',
            verb: 'add',
            message: 'Do you ship to Canada?',
          },
        },
      ],
    },
  ],
};
const igFixture = {
  object: 'instagram',
  entry: [
    {
      id: '17841405309211844',
      time: 1742667604,
      changes: [
        {
          field: 'comments',
          value: {
            from: { id: '232323', username: 'test' },
            media: { id: '123123', media_product_type: 'FEED' },
            id: '17865799348089039',
            text: 'This is an example.',
          },
        },
      ],
    },
  ],
};

describe('Facebook feed normalization', () => {
  it('turns a comment on our post into a comment threaded to the post', () => {
    const result = normalize(pageFixture);
    expect(result).toEqual({
      ok: true,
      pendingIgMentions: [],
      mentions: [
        {
          network: 'facebook',
          externalId: '111_222',
          account: '1234567890',
          author: { id: '5555', handle: 'Test User', name: 'Test User' },
          text: 'Do you ship to Canada?',
          inReplyTo: '1234567890_111',
          kind: 'comment',
          createdAt: '2025-03-22T18:20:04.000Z',
        },
      ],
    });
    expect(result.ok && MentionSchema.safeParse(result.mentions[0]).success).toBe(true);
  });

  it('threads a reply to a comment under that comment', () => {
    const value = { ...pageFixture.entry[0]!.changes[0]!.value, comment_id: '111_333', parent_id: '111_222' };
    const result = normalize({
      object: 'page',
      entry: [{ id: '1234567890', changes: [{ field: 'feed', value }] }],
    });
    expect(result.ok && result.mentions[0]).toMatchObject({ inReplyTo: '111_222', kind: 'reply' });
  });

  it('skips reactions, edits and the Page’s own comments', () => {
    const base = pageFixture.entry[0]!.changes[0]!.value;
    const changes = [
      { field: 'feed', value: { ...base, item: 'reaction', reaction_type: 'like' } },
      { field: 'feed', value: { ...base, verb: 'edited' } },
      { field: 'feed', value: { ...base, from: { id: '1234567890', name: 'Our Page' } } },
    ];
    expect(normalize({ object: 'page', entry: [{ id: '1234567890', changes }] })).toEqual({
      ok: true,
      mentions: [],
      pendingIgMentions: [],
    });
  });

  it('refuses a comment without its author, naming the field', () => {
    const { from: _from, ...rest } = pageFixture.entry[0]!.changes[0]!.value;
    const result = normalize({
      object: 'page',
      entry: [{ id: '1', changes: [{ field: 'feed', value: rest }] }],
    });
    expect(result).toEqual({ ok: false, error: expect.stringContaining('entry.0.changes.0.value.from') });
  });
});

describe('Instagram normalization', () => {
  it('turns a comment on our media into a comment threaded to the media', () => {
    expect(normalize(igFixture)).toMatchObject({
      ok: true,
      mentions: [
        {
          network: 'instagram',
          externalId: '17865799348089039',
          account: '17841405309211844',
          author: { id: '232323', handle: 'test' },
          inReplyTo: '123123',
          kind: 'comment',
          createdAt: '2025-03-22T18:20:04.000Z',
        },
      ],
    });
  });

  it('threads a reply to its parent comment and holds an @mention for lookup', () => {
    const reply = { ...igFixture.entry[0]!.changes[0]!.value, id: '2', parent_id: '17865799348089039' };
    const result = normalize({
      object: 'instagram',
      entry: [
        {
          id: '178',
          time: 1742667604,
          changes: [
            { field: 'comments', value: reply },
            { field: 'mentions', value: { media_id: '999', comment_id: '888' } },
          ],
        },
      ],
    });
    expect(result.ok && result.mentions[0]).toMatchObject({ inReplyTo: '17865799348089039', kind: 'reply' });
    expect(result.ok && result.pendingIgMentions).toEqual([
      { account: '178', mediaId: '999', commentId: '888', time: '2025-03-22T18:20:04.000Z' },
    ]);
  });
});

describe('Graph error classification', () => {
  const headers = new Headers({
    'x-business-use-case-usage': JSON.stringify({
      '1': [{ type: 'pages', estimated_time_to_regain_access: 7 }],
    }),
  });
  const now = new Date('2026-01-01T00:00:00Z');

  it.each([4, 17, 32, 613])('waits out rate-limit code %i', (code) => {
    const error = graphFailure(
      'facebook',
      400,
      JSON.stringify({ error: { message: 'limit', code } }),
      headers,
      now,
    );
    expect(error).toMatchObject({ code: 'facebook.rate_limited', retryable: true });
    expect((error as unknown as { retryAt: Date }).retryAt).toEqual(new Date('2026-01-01T00:07:00Z'));
  });

  it('gives up on a dead token (190) and on a bad parameter (100)', () => {
    const dead = graphFailure(
      'instagram',
      400,
      JSON.stringify({ error: { message: 'expired', code: 190 } }),
      headers,
      now,
    );
    expect(dead).toMatchObject({ code: 'instagram.token_invalid', retryable: false });
    const bad = graphFailure(
      'facebook',
      400,
      JSON.stringify({ error: { message: 'bad', code: 100 } }),
      headers,
      now,
    );
    expect(bad).toMatchObject({ code: 'facebook.rejected', retryable: false });
    expect(graphErrorOf(bad)).toEqual({ code: 100, message: 'bad' });
    expect(graphErrorOf(new Error('no graph body'))).toBeUndefined();
  });

  it('falls back to five minutes when Meta gives no time', () => {
    expect(graphRetryAt(new Headers(), now)).toEqual(new Date('2026-01-01T00:05:00Z'));
  });
});
