import type { Mention } from '../../contract/mention.js';
import type { ReadingContext } from './reading-context.js';
import { containsPhrase, links, words } from './text.js';

const SPAM_PHRASES = [
  'crypto',
  'bitcoin',
  'forex',
  'giveaway',
  'dm me',
  'dm for',
  'promo code',
  'earn $',
  'make money',
  'work from home',
  'free followers',
  'buy followers',
  'click here',
  'onlyfans',
  'investment opportunity',
  'cheap followers',
  'check my profile',
  'limited offer',
  'casino',
  'airdrop',
];
const SHORTENERS = [
  'bit.ly',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'cutt.ly',
  'rb.gy',
  'shorturl.at',
];

export interface SpamReading {
  /** 0 (a person) to 1 (certainly spam). */
  likelihood: number;
  signals: string[];
}

/**
 * Evidence adds up: one link is normal, a post that is mostly links from an
 * account nobody follows, saying what ten other accounts said, is not.
 */
export function readSpam(mention: Mention, folded: string, context: ReadingContext): SpamReading {
  const signals: string[] = [];
  let score = 0;
  const found = links(mention.text);
  const tokens = words(folded);
  if (found.length >= 3) {
    score += 0.4;
    signals.push(`${found.length} links`);
  } else if (found.length > 0 && tokens.length <= found.length * 4) {
    score += 0.2;
    signals.push('mostly links');
  }
  if (found.some((url) => SHORTENERS.some((host) => url.toLowerCase().includes(`//${host}/`)))) {
    score += 0.15;
    signals.push('shortened links');
  }
  const phrases = SPAM_PHRASES.filter((phrase) => containsPhrase(folded, phrase));
  if (phrases.length > 0) {
    score += Math.min(0.5, 0.25 * phrases.length);
    signals.push(`spam phrases (${phrases.join(', ')})`);
  }
  if (tokens.length >= 6) {
    const distinct = new Set(tokens).size;
    if (distinct / tokens.length < 0.35) {
      score += 0.3;
      signals.push('the same words over and over');
    }
  }
  if (context.sameTextElsewhere >= 2) {
    score += context.sameTextElsewhere >= 5 ? 0.5 : 0.3;
    signals.push(`same text from ${context.sameTextElsewhere} other accounts`);
  }
  if (mention.author.followers === 0) {
    score += 0.2;
    signals.push('no followers');
  }
  // Handles like "bikes84736251" are what sign-up bots generate.
  if (/\d{6,}$/.test(mention.author.handle.split('@')[0] ?? '')) {
    score += 0.15;
    signals.push('generated-looking handle');
  }
  return { likelihood: Math.min(1, Math.round(score * 100) / 100), signals };
}
