import { describe, expect, it } from 'vitest';
import {
  allowsPrivateReply,
  blueskyLimit,
  checkReply,
  composeReply,
  directAnswerDeadline,
  facebookLimit,
  facebookPrivateLimit,
  instagramLimit,
  instagramPrivateLimit,
  mastodonLimit,
  requiresPrivateReply,
  textLimitFor,
  xDirectMessageLimit,
  xLimit,
} from '../../../src/network/text-limits.js';

describe('X weighted length', () => {
  it('counts a URL as 23, emoji and CJK as 2, Latin as 1', () => {
    expect(xLimit.count('abc')).toBe(3);
    expect(xLimit.count('see https://example.com/a/very/long/path/that/is/long')).toBe(4 + 23);
    expect(xLimit.count('👩‍👩‍👧')).toBe(2);
    expect(xLimit.count('日本')).toBe(4);
  });

  it('allows 280 Latin characters but only 140 CJK ones', () => {
    expect(checkReply('x', 'c', `@c ${'a'.repeat(277)}`).ok).toBe(true);
    expect(checkReply('x', 'c', `@c ${'a'.repeat(278)}`).ok).toBe(false);
    expect(xLimit.count('日'.repeat(140))).toBe(280);
    expect(xLimit.count('日'.repeat(141))).toBeGreaterThan(xLimit.max);
  });
});

describe('Bluesky graphemes', () => {
  it('counts a family emoji as one grapheme', () => {
    expect(blueskyLimit.count('👩‍👩‍👧')).toBe(1);
    expect(blueskyLimit.count('é')).toBe(1);
  });

  it('refuses 301 graphemes including the added handle', () => {
    const handle = 'alice.bsky.social';
    const room = 300 - handle.length - 2;
    expect(checkReply('bluesky', handle, 'x'.repeat(room)).ok).toBe(true);
    const refused = checkReply('bluesky', handle, 'x'.repeat(room + 1));
    expect(refused).toEqual({ ok: false, message: expect.stringContaining('301 of 300 graphemes') });
  });
});

describe('Meta limits', () => {
  it('holds Facebook comments to 8000 and Instagram to 2200 code points without adding a handle', () => {
    expect(textLimitFor('facebook')).toBe(facebookLimit);
    expect(checkReply('facebook', 'Test User', 'a'.repeat(8000))).toEqual({
      ok: true,
      text: 'a'.repeat(8000),
    });
    expect(checkReply('facebook', 'Test User', 'a'.repeat(8001)).ok).toBe(false);
    expect(instagramLimit.count('😀'.repeat(2200))).toBe(2200);
    expect(checkReply('instagram', 'test', '😀'.repeat(2201)).ok).toBe(false);
  });
});

describe('private replies', () => {
  it('exists for any Mastodon or X mention', () => {
    expect(allowsPrivateReply({ network: 'mastodon', kind: 'mention' })).toBe(true);
    expect(allowsPrivateReply({ network: 'x', kind: 'reply' })).toBe(true);
    expect(allowsPrivateReply({ network: 'x', kind: null })).toBe(true);
  });

  it('exists on Facebook and Instagram only for a comment or a direct message, not an @mention or an unknown kind', () => {
    for (const network of ['facebook', 'instagram']) {
      expect(allowsPrivateReply({ network, kind: 'comment' })).toBe(true);
      expect(allowsPrivateReply({ network, kind: 'reply' })).toBe(true);
      expect(allowsPrivateReply({ network, kind: 'direct_message' })).toBe(true);
      expect(allowsPrivateReply({ network, kind: 'mention' })).toBe(false);
      expect(allowsPrivateReply({ network, kind: null })).toBe(false);
      expect(allowsPrivateReply({ network })).toBe(false);
    }
  });

  it('does not exist on Bluesky or the web', () => {
    expect(allowsPrivateReply({ network: 'bluesky', kind: 'mention' })).toBe(false);
    expect(allowsPrivateReply({ network: 'generic', kind: 'comment' })).toBe(false);
  });

  it('is the only answer to a direct message, wherever the network can send one', () => {
    for (const network of ['mastodon', 'x', 'facebook', 'instagram']) {
      expect(requiresPrivateReply({ network, kind: 'direct_message' })).toBe(true);
      expect(requiresPrivateReply({ network, kind: 'reply' })).toBe(false);
    }
    // The web's own system answers in its own way; there is no private channel to force.
    expect(requiresPrivateReply({ network: 'generic', kind: 'direct_message' })).toBe(false);
  });
});

describe('a private message', () => {
  it('is held to its own limit: X 10,000, Messenger 2,000, Instagram 1,000, Mastodon the same 500', () => {
    expect(textLimitFor('x', 'private')).toBe(xDirectMessageLimit);
    expect(textLimitFor('facebook', 'private')).toBe(facebookPrivateLimit);
    expect(textLimitFor('instagram', 'private')).toBe(instagramPrivateLimit);
    expect(textLimitFor('mastodon', 'private')).toBe(mastodonLimit);
    expect(textLimitFor('x', 'public')).toBe(xLimit);
    // No private message there, so nothing but the public limit to hold it to.
    expect(textLimitFor('bluesky', 'private')).toBe(blueskyLimit);
  });

  it('lets an X direct message run past 280 up to 10,000 characters, and names that limit when over', () => {
    expect(checkReply('x', 'c', 'a'.repeat(10_000), 'private')).toEqual({
      ok: true,
      text: 'a'.repeat(10_000),
    });
    expect(checkReply('x', 'c', 'a'.repeat(10_001), 'private')).toEqual({
      ok: false,
      message: 'Too long for an X direct message: 10001 of 10000 characters. Cut 1.',
    });
    expect(checkReply('x', 'c', 'a'.repeat(300), 'public')).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        'Too long for x: 303 of 280 weighted characters (including the @mention)',
      ),
    });
  });

  it('holds Meta private replies to less than their public comments', () => {
    expect(checkReply('facebook', 'Test User', 'a'.repeat(2000), 'private').ok).toBe(true);
    expect(checkReply('facebook', 'Test User', 'a'.repeat(2001), 'private')).toEqual({
      ok: false,
      message: 'Too long for a Messenger private reply: 2001 of 2000 characters. Cut 1.',
    });
    expect(checkReply('instagram', 'test', '😀'.repeat(1000), 'private').ok).toBe(true);
    expect(checkReply('instagram', 'test', '😀'.repeat(1001), 'private')).toEqual({
      ok: false,
      message: 'Too long for an Instagram private reply: 1001 of 1000 characters. Cut 1.',
    });
    expect(checkReply('instagram', 'test', 'a'.repeat(2200), 'public').ok).toBe(true);
  });

  it('counts the @mention a Mastodon direct status needs against the same 500', () => {
    expect(checkReply('mastodon', 'jane', 'x'.repeat(494), 'private')).toEqual({
      ok: true,
      text: `@jane ${'x'.repeat(494)}`,
    });
    expect(checkReply('mastodon', 'jane', 'x'.repeat(495), 'private')).toEqual({
      ok: false,
      message:
        'Too long for a Mastodon direct status: 501 of 500 characters (including the @mention). Cut 1.',
    });
  });

  it('carries no @handle on X, where the message is already addressed; a Mastodon direct status keeps it', () => {
    expect(composeReply('x', 'hungry_sam', ' Sorry! ', 'private')).toBe('Sorry!');
    expect(composeReply('x', 'hungry_sam', 'Sorry!', 'public')).toBe('@hungry_sam Sorry!');
    expect(composeReply('mastodon', 'jane@mastodon.social', 'Sorry!', 'private')).toBe(
      '@jane@mastodon.social Sorry!',
    );
    expect(composeReply('facebook', 'Test User', 'Sorry!', 'private')).toBe('Sorry!');
  });
});

describe('the window Meta leaves for answering a direct message', () => {
  const at = (hour: number) => new Date(Date.UTC(2026, 2, 2, hour));

  it("ends 24 hours after the customer's last direct message, in Messenger and Instagram Direct", () => {
    const mentions = [
      { kind: 'direct_message', postedAt: at(1) },
      { kind: 'comment', postedAt: at(5) },
      { kind: 'direct_message', postedAt: at(3) },
    ];
    expect(directAnswerDeadline('facebook', mentions)).toEqual({ at: at(27), inbox: 'Messenger' });
    expect(directAnswerDeadline('instagram', mentions)).toEqual({ at: at(27), inbox: 'Instagram Direct' });
  });

  it('does not exist without a direct message, or where the network keeps no window', () => {
    expect(directAnswerDeadline('facebook', [{ kind: 'comment', postedAt: at(1) }])).toBeUndefined();
    expect(directAnswerDeadline('x', [{ kind: 'direct_message', postedAt: at(1) }])).toBeUndefined();
    expect(directAnswerDeadline('mastodon', [{ kind: 'direct_message', postedAt: at(1) }])).toBeUndefined();
  });
});
