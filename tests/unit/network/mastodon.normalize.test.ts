import { describe, expect, it } from 'vitest';
import { MentionSchema } from '../../../src/contract/mention.js';
import { normalizeNotification, statusText } from '../../../src/network/mastodon/normalize.js';
import { checkReply, composeReply, mastodonLimit } from '../../../src/network/text-limits.js';

// The documented notification fixture (platform-facts B5), with the fields a real server sends.
const fixture = {
  id: '34975861',
  type: 'mention',
  created_at: '2019-11-23T07:49:02.064Z',
  account: { id: '971724', username: 'zsc', acct: 'zsc' },
  status: {
    id: '103186126728896492',
    created_at: '2019-11-23T07:49:01.940Z',
    in_reply_to_id: '103186038209478945',
    in_reply_to_account_id: '14715',
    content: '<p>@trwnh sup! &amp; <a href="https://x.test">link</a><br />second line</p><p>new para</p>',
    visibility: 'public',
    url: 'https://mastodon.social/@zsc/103186126728896492',
    account: { id: '971724', username: 'zsc', acct: 'zsc', display_name: 'Zed', followers_count: 12 },
    mentions: [{ id: '14715', username: 'trwnh', url: 'https://mastodon.social/@trwnh', acct: 'trwnh' }],
  },
};

describe('Mastodon notifications become normalized mentions', () => {
  it('maps a mention notification, as a reply in its thread', () => {
    const mention = normalizeNotification(fixture, 'trwnh');
    expect(MentionSchema.parse(mention)).toEqual({
      network: 'mastodon',
      externalId: '103186126728896492',
      account: 'trwnh',
      author: { id: '971724', handle: 'zsc', name: 'Zed', followers: 12 },
      text: '@trwnh sup! & link\nsecond line\n\nnew para',
      url: 'https://mastodon.social/@zsc/103186126728896492',
      inReplyTo: '103186038209478945',
      kind: 'reply',
      createdAt: '2019-11-23T07:49:01.940Z',
    });
  });

  it('ignores favourites, follows and malformed notifications', () => {
    expect(normalizeNotification({ ...fixture, type: 'favourite' }, 'trwnh')).toBeUndefined();
    expect(normalizeNotification({ id: '1', type: 'mention' }, 'trwnh')).toBeUndefined();
    expect(normalizeNotification('garbage', 'trwnh')).toBeUndefined();
  });

  it('treats a direct-visibility status as a direct message', () => {
    const direct = { ...fixture, status: { ...fixture.status, visibility: 'direct', in_reply_to_id: null } };
    expect(normalizeNotification(direct, 'trwnh')?.kind).toBe('direct_message');
  });

  it('decodes entities without letting markup through', () => {
    expect(statusText('<p>5 &lt; 6 &quot;ok&quot;</p>')).toBe('5 < 6 "ok"');
  });
});

describe('a reply on Mastodon', () => {
  it('names the customer so they are notified, once', () => {
    expect(composeReply('mastodon', 'jane', 'Thanks!')).toBe('@jane Thanks!');
    expect(composeReply('mastodon', 'jane', 'Thanks @Jane!')).toBe('Thanks @Jane!');
  });

  it('counts a link as 23 characters and a remote mention by its local part', () => {
    expect(mastodonLimit.count(`see https://example.com/${'a'.repeat(200)}`)).toBe(4 + 23);
    expect(mastodonLimit.count('@jane@mastodon.social hi')).toBe('@jane hi'.length);
  });

  it('refuses an empty reply and one over 500 characters, including the @mention', () => {
    expect(checkReply('mastodon', 'jane', '   ')).toEqual({ ok: false, message: 'Write a reply first.' });
    expect(checkReply('mastodon', 'jane', 'x'.repeat(494))).toEqual({
      ok: true,
      text: `@jane ${'x'.repeat(494)}`,
    });
    const tooLong = checkReply('mastodon', 'jane', 'x'.repeat(495));
    expect(tooLong).toEqual({ ok: false, message: expect.stringContaining('501 of 500') });
  });
});
