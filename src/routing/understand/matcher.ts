import { containsPhrase, fold } from './text.js';

/** Keywords, phrases, hashtags and regexes compiled once, when the policy loads. */
export interface Matcher {
  words: string[];
  prefixes: string[];
  hashtags: Set<string>;
  regexes: RegExp[];
}

export function compileMatcher(fields: {
  keywords?: string[];
  phrases?: string[];
  hashtags?: string[];
  regexes?: string[];
}): Matcher {
  const keywords = (fields.keywords ?? []).map(fold);
  return {
    words: [...keywords.filter((k) => !k.endsWith('*')), ...(fields.phrases ?? []).map(fold)],
    prefixes: keywords.filter((k) => k.endsWith('*')).map((k) => k.slice(0, -1)),
    hashtags: new Set((fields.hashtags ?? []).map((tag) => fold(tag).replace(/^#/, ''))),
    regexes: (fields.regexes ?? []).map((source) => new RegExp(source, 'iu')),
  };
}

export const isEmptyMatcher = (m: Matcher) =>
  m.words.length === 0 && m.prefixes.length === 0 && m.hashtags.size === 0 && m.regexes.length === 0;

/** What matched, for the reasons shown to people ("charged twice"), or undefined. */
export function firstMatch(
  matcher: Matcher,
  text: { original: string; folded: string; words: readonly string[]; hashtags: readonly string[] },
): string | undefined {
  for (const word of matcher.words) if (containsPhrase(text.folded, word)) return word;
  for (const prefix of matcher.prefixes) {
    const word = text.words.find((w) => w.startsWith(prefix));
    if (word) return word;
  }
  for (const tag of text.hashtags) if (matcher.hashtags.has(tag)) return `#${tag}`;
  for (const regex of matcher.regexes) {
    const found = regex.exec(text.original);
    if (found) return found[0];
  }
  return undefined;
}
