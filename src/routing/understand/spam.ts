import type { Mention } from '../../contract/mention.js';
import type { SpamKind } from './categories.js';
import { LINK } from './features.js';
import type { ModelReading } from './model.js';
import { findAll } from './phrase-list.js';
import type { ReadingContext } from './reading-context.js';
import { SHORTENERS } from './spam-lexicon.js';
import { words } from './text.js';
import { CUSTOMER_LIST, SPAM_LISTS } from './word-lists.js';

export interface SpamReading {
  /** 0 (a person) to 1 (certainly spam). */
  likelihood: number;
  /** The kind it looks like, when a phrase or the triage names one. */
  kind: SpamKind | undefined;
  /** What shows it, in words a person checks: "phrases of phishing ("will be suspended")", "2 links". */
  signals: string[];
}

/** Every link in a text, with or without a scheme ("bit.ly/3xYz", "www.shop.example"). */
export function links(text: string): string[] {
  return (text.match(LINK) ?? []).map((link) => link.replace(/[.,;:!?)\]]+$/u, ''));
}

/**
 * Evidence adds up: one link is normal, a post that is mostly links from an
 * account nobody follows, saying what ten other accounts said, is not. The
 * model's reading and the signs combine as independent evidence (noisy-or);
 * a person writing about their own order is never dropped on the model alone.
 */
export function readSpam(
  mention: Mention,
  folded: string,
  context: ReadingContext,
  model: ModelReading,
): SpamReading {
  if (context.vouched)
    return { likelihood: 0, kind: undefined, signals: ['a person on the team said this author is not spam'] };
  const signals: string[] = [];
  let signs = 0;
  let kind: SpamKind | undefined;
  const found = links(mention.text);
  const tokens = words(folded);
  if (found.length >= 3) {
    signs += 0.3;
    signals.push(`${found.length} links`);
  } else if (found.length > 0 && tokens.length <= found.length * 6) {
    signs += 0.15;
    signals.push('mostly links');
  }
  if (found.length > 0 && (mention.author.followers ?? 100) < 20) {
    signs += 0.15;
    signals.push('a link from an account almost nobody follows');
  }
  const lowered = found.map((url) => url.toLowerCase().replace(/^https?:\/\//, ''));
  if (lowered.some((url) => SHORTENERS.some((host) => url.startsWith(`${host}/`)))) {
    signs += 0.15;
    signals.push('shortened links');
  }
  for (const [name, list] of SPAM_LISTS) {
    const hits = findAll(list, folded);
    if (hits.length === 0) continue;
    // The first kind named is strong evidence; a second kind, or more phrases of it, add less.
    const distinct = new Set(hits.map((h) => h.text)).size;
    signs += (kind === undefined ? 0.45 : 0.2) + 0.1 * Math.min(2, distinct - 1);
    kind ??= name;
    signals.push(`${name} phrases (${[...new Set(hits.map((h) => `"${h.text}"`))].slice(0, 3).join(', ')})`);
  }
  if (tokens.length >= 6 && new Set(tokens).size / tokens.length < 0.35) {
    signs += 0.3;
    signals.push('the same words over and over');
  }
  if (context.sameTextElsewhere >= 2) {
    signs += context.sameTextElsewhere >= 5 ? 0.6 : 0.4;
    kind ??= 'copy_paste';
    signals.push(`same text from ${context.sameTextElsewhere} other accounts`);
  }
  if (mention.author.followers === 0) {
    signs += 0.1;
    signals.push('no followers');
  }
  // Handles like "bikes84736251" are what sign-up bots generate.
  if (/\d{6,}$/.test(mention.author.handle.split('@')[0] ?? '')) {
    signs += 0.1;
    signals.push('generated-looking handle');
  }
  const p = model.lane.probabilities.spam;
  if (p >= 0.5) {
    const evidence = model.evidenceFor('spam');
    signals.push(
      `model ${p.toFixed(2)}${evidence.length ? ` (${evidence.map((e) => `"${e}"`).join(', ')})` : ''}`,
    );
  }
  if (context.triage?.spam) {
    kind = context.triage.spam.kind;
    signs += 0.5;
    signals.push(`model triage by ${context.triage.source}: ${kind} ("${context.triage.spam.evidence}")`);
  }
  // The model alone reads spam in a short complaint too readily: without a sign it can name, its
  // reading is stretched so that only above 0.85 does it reach the usual drop threshold.
  const byModel = signs > 0 ? p : Math.max(0, (p - 0.5) * 2);
  let likelihood = 1 - (1 - byModel) * (1 - Math.min(1, signs));
  const ownDealings = findAll(CUSTOMER_LIST, folded)[0];
  if (ownDealings && context.sameTextElsewhere < 2) {
    likelihood *= 0.5;
    signals.push(`writes about their own dealings ("${ownDealings.text}")`);
  }
  return { likelihood: Math.round(likelihood * 100) / 100, kind, signals };
}
