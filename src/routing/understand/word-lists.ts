import { OWNER_CATEGORIES, type OwnerCategory, type SpamKind } from './categories.js';
import { OWNER_LEXICON } from './owner-lexicon.js';
import { compilePhrases, type PhraseList } from './phrase-list.js';
import { CUSTOMER_MARKERS, SPAM_LEXICON } from './spam-lexicon.js';

/**
 * Every word list of the reading, compiled once. The model's features, the
 * owner lane and the spam reading all ask these same lists about the text in
 * hand, and phrase-list's cache is keyed by the list: one compiled list means
 * one match per text, however many readers ask.
 */
export const OWNER_LISTS = new Map<
  OwnerCategory,
  { strong: PhraseList; cues: PhraseList; innocent: PhraseList }
>(
  OWNER_CATEGORIES.map((c) => [
    c,
    {
      strong: compilePhrases(OWNER_LEXICON[c].strong),
      cues: compilePhrases(OWNER_LEXICON[c].cues),
      innocent: compilePhrases(OWNER_LEXICON[c].innocent),
    },
  ]),
);

/** Every category's innocent senses together, for the policy's own triggers. */
export const ALL_INNOCENT = compilePhrases(OWNER_CATEGORIES.flatMap((c) => OWNER_LEXICON[c].innocent));

export const SPAM_LISTS = Object.entries(SPAM_LEXICON).map(
  ([kind, phrases]) => [kind as SpamKind, compilePhrases(phrases)] as const,
);

/** Signs of a person writing about their own dealings with the business. */
export const CUSTOMER_LIST = compilePhrases(CUSTOMER_MARKERS);
