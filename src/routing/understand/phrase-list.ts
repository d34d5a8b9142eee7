/**
 * A list of folded words and phrases matched on word boundaries in one pass;
 * a trailing * matches the start of the last word ("abogad*": abogado, abogada).
 */
export interface PhraseList {
  regex: RegExp | undefined;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compilePhrases(phrases: readonly string[]): PhraseList {
  const parts = [...new Set(phrases)]
    .filter((p) => p.trim() !== '')
    .sort((a, b) => b.length - a.length)
    .map((phrase) => {
      const prefix = phrase.endsWith('*');
      const body = (prefix ? phrase.slice(0, -1) : phrase).trim().split(/\s+/).map(escapeRegex).join('\\s+');
      return prefix ? `${body}[\\p{L}\\p{N}]*` : body;
    });
  if (parts.length === 0) return { regex: undefined };
  return { regex: new RegExp(`(?<![\\p{L}\\p{N}])(?:${parts.join('|')})(?![\\p{L}\\p{N}])`, 'gu') };
}

export interface Span {
  text: string;
  start: number;
  end: number;
}

// The features, the owner lane and the spam reading all ask about the same lists for the text in hand;
// each list is matched once per text.
let cachedText: string | undefined;
const cached = new Map<PhraseList, Span[]>();

export function findAll(list: PhraseList, folded: string): Span[] {
  if (!list.regex) return [];
  if (folded !== cachedText) {
    cachedText = folded;
    cached.clear();
  }
  const known = cached.get(list);
  if (known) return known;
  const spans: Span[] = [];
  for (const match of folded.matchAll(list.regex)) {
    spans.push({ text: match[0], start: match.index, end: match.index + match[0].length });
  }
  cached.set(list, spans);
  return spans;
}

/** Matches of `list` that do not sit inside (or across) one of the `excluded` spans. */
export function findOutside(list: PhraseList, folded: string, excluded: readonly Span[]): Span[] {
  return findAll(list, folded).filter((s) => !excluded.some((x) => s.start < x.end && x.start < s.end));
}
