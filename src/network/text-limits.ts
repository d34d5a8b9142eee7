import twitter from 'twitter-text';
import type { Network } from '../contract/mention.js';

/**
 * How long a reply may be on each network, counted the way the network
 * counts. Pure, so the reply modal can refuse a long text before anything
 * is queued, and the connector can check again before posting.
 */
export interface TextLimit {
  max: number;
  unit: string;
  count(text: string): number;
}

const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;
// Mastodon counts a remote mention (@user@domain) by its local part only.
const REMOTE_MENTION = /(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const codePoints = (text: string) => [...text].length;

export const mastodonLimit: TextLimit = {
  max: 500,
  unit: 'characters',
  count: (text) => codePoints(text.replace(URL_PATTERN, 'x'.repeat(23)).replace(REMOTE_MENTION, '$1')),
};

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
export const blueskyLimit: TextLimit = {
  max: 300,
  unit: 'graphemes',
  count: (text) => [...graphemes.segment(text)].length,
};

const plainLimit = (max: number): TextLimit => ({ max, unit: 'characters', count: codePoints });

/** X counts as twitter-text does: URLs 23, emoji and CJK 2, the rest 1, after NFC normalisation. */
export const xLimit: TextLimit = {
  max: 280,
  unit: 'weighted characters',
  count: (text) => twitter.parseTweet(text).weightedLength,
};

// Meta documents no number; these are the commonly cited limits (Pages comments 8,000, Instagram 2,200).
export const facebookLimit = plainLimit(8000);
export const instagramLimit = plainLimit(2200);

const LIMITS: Record<Network, TextLimit> = {
  mastodon: mastodonLimit,
  bluesky: blueskyLimit,
  x: xLimit,
  facebook: facebookLimit,
  instagram: instagramLimit,
  generic: plainLimit(10_000),
};

export const textLimitFor = (network: Network): TextLimit => LIMITS[network];

/** Networks only notify the customer when the reply names them; add the handle when the writer did not. */
export function composeReply(network: Network, authorHandle: string, text: string): string {
  const trimmed = text.trim();
  if (network !== 'mastodon' && network !== 'x' && network !== 'bluesky') return trimmed;
  const handle = `@${authorHandle.replace(/^@/, '')}`;
  return trimmed.toLowerCase().includes(handle.toLowerCase()) ? trimmed : `${handle} ${trimmed}`;
}

/**
 * Whether the connector can answer this mention privately: a Mastodon direct status, an X direct
 * message, or Meta's private reply. Meta's exists only for a comment on our own post or media, so an
 * Instagram @mention elsewhere (or anything not known to be a comment) can only be answered publicly.
 */
export function allowsPrivateReply(mention: { network: string; kind?: string | null }): boolean {
  switch (mention.network) {
    case 'mastodon':
    case 'x':
      return true;
    case 'facebook':
    case 'instagram':
      return mention.kind === 'comment' || mention.kind === 'reply';
    default:
      return false;
  }
}

export type ReplyCheck = { ok: true; text: string } | { ok: false; message: string };

export function checkReply(network: Network, authorHandle: string, text: string): ReplyCheck {
  if (text.trim().length === 0) return { ok: false, message: 'Write a reply first.' };
  const composed = composeReply(network, authorHandle, text);
  const limit = textLimitFor(network);
  const length = limit.count(composed);
  if (length > limit.max) {
    return {
      ok: false,
      message: `Too long for ${network}: ${length} of ${limit.max} ${limit.unit} (including the @mention). Cut ${length - limit.max}.`,
    };
  }
  return { ok: true, text: composed };
}
