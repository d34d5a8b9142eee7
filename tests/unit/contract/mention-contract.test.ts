import { describe, expect, it } from 'vitest';
import { describeIssues, MentionSchema } from '../../../src/contract/mention.js';

const mention = {
  network: 'mastodon',
  externalId: '110001',
  account: '@brand@standin.social',
  author: { id: '42', handle: 'jane', name: 'Jane' },
  text: 'Where is my order?',
  url: 'https://standin.social/@jane/110001',
  createdAt: '2026-12-01T10:00:00Z',
};

describe('the mention contract', () => {
  it('strips NUL from the text and keeps the rest of it, line breaks and tabs included', () => {
    const parsed = MentionSchema.parse({ ...mention, text: 'Where\u0000 is\tmy\norder?\u0000' });
    expect(parsed.text).toBe('Where is\tmy\norder?');
  });

  it('strips NUL from the author name', () => {
    expect(
      MentionSchema.parse({ ...mention, author: { ...mention.author, name: 'Ja\u0000ne' } }).author.name,
    ).toBe('Jane');
  });

  it('turns half a surrogate pair in the text into a replacement character, not a different text in storage', () => {
    expect(MentionSchema.parse({ ...mention, text: 'ok \ud800 ok' }).text).toBe('ok \ufffd ok');
  });

  it.each([
    ['externalId', { externalId: '11\u00000' }, 'externalId'],
    ['account', { account: 'brand\u0007' }, 'account'],
    ['author.handle', { author: { id: '42', handle: 'ja\u001bne' } }, 'author.handle'],
    ['author.id', { author: { id: '4\u00002', handle: 'jane' } }, 'author.id'],
    ['inReplyTo', { inReplyTo: '1\u007f' }, 'inReplyTo'],
    ['url', { url: 'https://standin.social/@jane/1\u0000' }, 'url'],
  ])('refuses a control character in %s, naming the field', (_name, change, field) => {
    const parsed = MentionSchema.safeParse({ ...mention, ...change });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toContain(`${field}: `);
  });

  it('refuses half a surrogate pair in an identifier, which storage would turn into another id', () => {
    const parsed = MentionSchema.safeParse({ ...mention, externalId: 'a\udc00' });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toContain('externalId: ');
  });
});

describe('the mention contract on dates', () => {
  it.each(['0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00'])(
    'refuses %s, which the format admits and PostgreSQL refuses, naming createdAt',
    (createdAt) => {
      const parsed = MentionSchema.safeParse({ ...mention, createdAt });
      expect(parsed.success).toBe(false);
      expect(describeIssues(parsed.error!)).toContain('createdAt: ');
    },
  );
});
