import { findAll, type PhraseList } from './phrase-list.js';
import { fold } from './text.js';
import { CUSTOMER_LIST, OWNER_LISTS, SPAM_LISTS } from './word-lists.js';

/**
 * The text as the model sees it: folded words with links, handles and numbers
 * replaced by placeholders, so "bit.ly/x9" and "https://t.co/ab" count as one
 * thing and no customer's handle is learnt.
 */
export interface Token {
  /** What the model hashes. */
  key: string;
  /** The word as written, quoted as evidence. */
  shown: string;
}

/** Links with or without a scheme: "https://x.example/a", "www.shop.example", "bit.ly/3xYz", "meta-help.example". */
export const LINK =
  /\b(?:https?:\/\/[^\s<>"']+|www\.[^\s<>"']+|(?:[a-z0-9-]+\.)+(?:[a-z]{2,24})\/[^\s<>"']*|(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|ly|gl|gd|me|info|biz|xyz|shop|store|online|site|app|link|club|top|click|example|page|live|pro|vip|win|bet|fun|love|icu|buzz|cam|date|dating|men|work|loan|bid|lol)\b)/giu;

const WORD = String.raw`\p{Extended_Pictographic}|[\p{L}\p{N}]+(?:['’][\p{L}]+)*`;
const PIECES = new RegExp(`(${LINK.source})|(@[\\p{L}\\p{N}_.]+)|(${WORD})`, 'giu');

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const [, link, handle, word] of text.matchAll(PIECES)) {
    if (link) tokens.push({ key: '<link>', shown: 'a link' });
    else if (handle) tokens.push({ key: '<handle>', shown: '@…' });
    else if (word) {
      const key = /^\p{N}+$/u.test(word) ? '<num>' : fold(word).replace(/’/g, "'");
      tokens.push({ key, shown: word });
    }
  }
  return tokens;
}

/**
 * The features of a text: `hashes[i]` is a bucket, `words[i]` the index of
 * the token it came from (for evidence), or -1 for the whole post. Two flat
 * arrays rather than an object a feature: a post has a few hundred.
 */
export interface Features {
  hashes: number[];
  words: number[];
}

/**
 * Words, word pairs and the letters inside words, four at a time: the
 * letters let "vergiftigd" and "vergiftiging", or a typo, share what was learnt.
 */
export function features(text: string, buckets: number): { tokens: Token[]; features: Features } {
  const tokens = tokenize(text);
  const out: Features = { hashes: [], words: [] };
  const push = (hash: number, word: number) => {
    out.hashes.push(hash % buckets);
    out.words.push(word);
  };
  tokens.forEach((token, i) => {
    push(fnv1a(token.key, 0, token.key.length, WORD_KEY), i);
    const next = tokens[i + 1];
    if (next)
      push(
        fnv1a(next.key, 0, next.key.length, fnv1a(' ', 0, 1, fnv1a(token.key, 0, token.key.length, PAIR))),
        i,
      );
    if (token.key.length >= 3 && !token.key.startsWith('<')) {
      const padded = ` ${token.key} `;
      for (let at = 0; at + 4 <= padded.length; at++) push(fnv1a(padded, at, at + 4, LETTERS), i);
    }
  });
  const add = (key: string, word: number) => push(fnv1a(key, 0, key.length, OFFSET), word);
  const folded = fold(text);
  for (const [name, list] of LEXICON_FEATURES) {
    const hit = findAll(list, folded)[0];
    if (hit)
      add(
        `x:${name}`,
        tokens.findIndex((t) => hit.text.startsWith(t.key)),
      );
  }
  const shouted = tokens.filter((t) => t.shown.length >= 3 && /^\p{Lu}+$/u.test(t.shown)).length;
  if (shouted >= 2) add('s:shouting', -1);
  if (/!{2,}/.test(text)) add('s:exclaims', -1);
  if (/\?/.test(text)) add('s:question', -1);
  if (tokens.length <= 6) add('s:short', -1);
  add('s:bias', -1);
  return { tokens, features: out };
}

/**
 * FNV-1a, 32 bits, over `text[from..to)` continuing from `hash`: the same
 * hash in training and at run time, on every machine, and a prefix's state
 * is reused instead of building "c:" + piece strings.
 */
function fnv1a(text: string, from: number, to: number, hash: number): number {
  let h = hash;
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
const OFFSET = 0x811c9dc5;
const WORD_KEY = fnv1a('w:', 0, 2, OFFSET);
const PAIR = fnv1a('b:', 0, 2, OFFSET);
const LETTERS = fnv1a('c:', 0, 2, OFFSET);

/**
 * The lexicons as features: a word list hit is one feature whatever the
 * language, so what the model learns about "a strong legal phrase in a
 * question" in English carries over to Dutch.
 */
const LEXICON_FEATURES: [string, PhraseList][] = [
  ...[...OWNER_LISTS].flatMap(([c, lists]): [string, PhraseList][] => [
    [`${c}:strong`, lists.strong],
    [`${c}:cue`, lists.cues],
    [`${c}:innocent`, lists.innocent],
  ]),
  ...SPAM_LISTS.map(([kind, list]): [string, PhraseList] => [`spam:${kind}`, list]),
  ['customer', CUSTOMER_LIST],
];
