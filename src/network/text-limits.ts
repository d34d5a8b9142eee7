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

export type ReplyVisibility = 'public' | 'private';

// A private message is a different kind of message with its own limit: X direct messages 10,000
// characters, Messenger 2,000, Instagram Direct 1,000. A Mastodon direct status is a status like
// any other, held to the same 500.
export const xDirectMessageLimit = plainLimit(10_000);
export const facebookPrivateLimit = plainLimit(2000);
export const instagramPrivateLimit = plainLimit(1000);

const PRIVATE: Partial<Record<Network, { limit: TextLimit; name: string }>> = {
  mastodon: { limit: mastodonLimit, name: 'a Mastodon direct status' },
  x: { limit: xDirectMessageLimit, name: 'an X direct message' },
  facebook: { limit: facebookPrivateLimit, name: 'a Messenger private reply' },
  instagram: { limit: instagramPrivateLimit, name: 'an Instagram private reply' },
};

/** The limit of what the reply will be; a network without private messages keeps its public one. */
export const textLimitFor = (network: Network, visibility: ReplyVisibility = 'public'): TextLimit =>
  (visibility === 'private' ? PRIVATE[network]?.limit : undefined) ?? LIMITS[network];

/**
 * Whether the reply must name the customer to reach them: a public reply where the network notifies
 * by @mention, and a Mastodon direct status, which only the people it mentions receive. A direct
 * message or Meta private reply is already addressed, and a leading @handle there is noise.
 */
const namesCustomer = (network: Network, visibility: ReplyVisibility): boolean =>
  network === 'mastodon' || (visibility === 'public' && (network === 'x' || network === 'bluesky'));

/** Adds the customer's handle where the reply must name them and the writer did not. */
export function composeReply(
  network: Network,
  authorHandle: string,
  text: string,
  visibility: ReplyVisibility = 'public',
): string {
  const trimmed = text.trim();
  if (!namesCustomer(network, visibility)) return trimmed;
  const handle = `@${authorHandle.replace(/^@/, '')}`;
  return trimmed.toLowerCase().includes(handle.toLowerCase()) ? trimmed : `${handle} ${trimmed}`;
}

/**
 * Whether the connector can answer this mention privately: a Mastodon direct status, an X direct
 * message, a message in the customer's own Messenger or Instagram Direct conversation, or Meta's
 * private reply. Meta's private reply exists only for a comment on our own post or media, so an
 * Instagram @mention elsewhere (or anything not known to be a comment) can only be answered publicly.
 */
export function allowsPrivateReply(mention: { network: string; kind?: string | null }): boolean {
  switch (mention.network) {
    case 'mastodon':
    case 'x':
      return true;
    case 'facebook':
    case 'instagram':
      return mention.kind === 'comment' || mention.kind === 'reply' || mention.kind === 'direct_message';
    default:
      return false;
  }
}

/** A direct message is answered in kind: a public reply would put a private exchange in front of everyone. */
export const requiresPrivateReply = (mention: { network: string; kind?: string | null }): boolean =>
  mention.kind === 'direct_message' && allowsPrivateReply(mention);

// Meta delivers an answer in Messenger or Instagram Direct only within 24 hours of the customer's last message.
const DIRECT_ANSWER_WINDOW: Partial<Record<Network, { hours: number; inbox: string }>> = {
  facebook: { hours: 24, inbox: 'Messenger' },
  instagram: { hours: 24, inbox: 'Instagram Direct' },
};

/**
 * When the network stops taking an answer to a conversation's direct messages, counted from the
 * customer's last one; undefined where there is no such window or no direct message.
 */
export function directAnswerDeadline(
  network: string,
  mentions: readonly { kind?: string | null; postedAt: Date }[],
): { at: Date; inbox: string } | undefined {
  const window = DIRECT_ANSWER_WINDOW[network as Network];
  const last = window && mentions.findLast((m) => m.kind === 'direct_message');
  if (!window || !last) return undefined;
  return { at: new Date(last.postedAt.getTime() + window.hours * 3600_000), inbox: window.inbox };
}

export type ReplyCheck = { ok: true; text: string } | { ok: false; message: string };

export function checkReply(
  network: Network,
  authorHandle: string,
  text: string,
  visibility: ReplyVisibility = 'public',
): ReplyCheck {
  if (text.trim().length === 0) return { ok: false, message: 'Write a reply first.' };
  const composed = composeReply(network, authorHandle, text, visibility);
  const limit = textLimitFor(network, visibility);
  const length = limit.count(composed);
  if (length > limit.max) {
    const what = (visibility === 'private' ? PRIVATE[network]?.name : undefined) ?? network;
    const mention = namesCustomer(network, visibility) ? ' (including the @mention)' : '';
    return {
      ok: false,
      message: `Too long for ${what}: ${length} of ${limit.max} ${limit.unit}${mention}. Cut ${length - limit.max}.`,
    };
  }
  return { ok: true, text: composed };
}
