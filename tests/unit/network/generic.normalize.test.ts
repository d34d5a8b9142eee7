import { describe, expect, it } from 'vitest';
import { MentionSchema } from '../../../src/contract/mention.js';
import { parseGenericBody } from '../../../src/network/generic/normalize.js';

const event = {
  id: 'rev-42',
  author: { id: 'u-7', handle: 'maria_k', name: 'Maria K.' },
  text: 'Three stars: the croissant was stale.',
  url: 'https://reviews.example/r/42',
  createdAt: '2026-11-20T09:15:00Z',
};

describe('generic webhook normalization', () => {
  it('namespaces ids by source and defaults the kind', () => {
    const result = parseGenericBody('reviews', event);
    expect(result).toEqual({
      ok: true,
      mentions: [
        {
          network: 'generic',
          externalId: 'reviews:rev-42',
          account: 'reviews',
          author: { id: 'u-7', handle: 'maria_k', name: 'Maria K.' },
          text: 'Three stars: the croissant was stale.',
          url: 'https://reviews.example/r/42',
          inReplyTo: undefined,
          kind: 'mention',
          createdAt: '2026-11-20T09:15:00Z',
        },
      ],
    });
    expect(result.ok && MentionSchema.safeParse(result.mentions[0]).success).toBe(true);
  });

  it('threads a follow-up under the same source', () => {
    const result = parseGenericBody('forms', [event, { ...event, id: 'rev-43', inReplyTo: 'rev-42' }]);
    expect(result.ok && result.mentions[1]).toMatchObject({
      externalId: 'forms:rev-43',
      inReplyTo: 'forms:rev-42',
      kind: 'reply',
    });
  });

  it('refuses the whole array when one event is bad, naming the field', () => {
    const result = parseGenericBody('forms', [event, { ...event, createdAt: 'yesterday' }]);
    expect(result).toEqual({ ok: false, error: expect.stringContaining('1.createdAt') });
    expect(parseGenericBody('forms', [])).toMatchObject({ ok: false });
  });
});
