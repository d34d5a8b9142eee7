/** Lower case without accents, so "Reembolso", "reembolsó" and "REEMBOLSO" match one keyword. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Words in folded text; apostrophes stay inside words ("don't"). */
export function words(folded: string): string[] {
  return folded.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? [];
}

export function hashtags(text: string): string[] {
  return (fold(text).match(/#[\p{L}\p{N}_]+/gu) ?? []).map((tag) => tag.slice(1));
}

/**
 * True when `phrase` (already folded) occurs in `folded` on word boundaries,
 * so "sue" does not match "issue" and "charged twice" matches "charged twice!".
 */
export function containsPhrase(folded: string, phrase: string): boolean {
  if (phrase.length === 0) return false;
  let from = 0;
  for (;;) {
    const at = folded.indexOf(phrase, from);
    if (at < 0) return false;
    const before = at === 0 ? '' : folded[at - 1]!;
    const after = folded[at + phrase.length] ?? '';
    if (!isWordChar(before) && !isWordChar(after)) return true;
    from = at + 1;
  }
}

const isWordChar = (ch: string) => ch !== '' && /[\p{L}\p{N}]/u.test(ch);
