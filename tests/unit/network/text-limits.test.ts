import { describe, expect, it } from 'vitest';
import {
  allowsPrivateReply,
  blueskyLimit,
  checkReply,
  facebookLimit,
  instagramLimit,
  textLimitFor,
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

  it('exists on Facebook and Instagram only for a comment, not an @mention or an unknown kind', () => {
    for (const network of ['facebook', 'instagram']) {
      expect(allowsPrivateReply({ network, kind: 'comment' })).toBe(true);
      expect(allowsPrivateReply({ network, kind: 'reply' })).toBe(true);
      expect(allowsPrivateReply({ network, kind: 'mention' })).toBe(false);
      expect(allowsPrivateReply({ network, kind: null })).toBe(false);
      expect(allowsPrivateReply({ network })).toBe(false);
    }
  });

  it('does not exist on Bluesky or the web', () => {
    expect(allowsPrivateReply({ network: 'bluesky', kind: 'mention' })).toBe(false);
    expect(allowsPrivateReply({ network: 'generic', kind: 'comment' })).toBe(false);
  });
});
