import { readFileSync } from 'node:fs';

interface Detector {
  detect(text: string): { getScores(): Record<string, number> };
}

/**
 * Nito-ELD's detector, fed its smallest database as JSON (models/language-ngrams.json,
 * written by scripts/language-data.ts from eld itself): the same answers as
 * `eld/extrasmall` in half the memory. `createEld` is the factory eld's own
 * entry points use; its package exports no loader for a file of ours.
 */
const { createEld } = (await import(new URL('../languageDetector.js', import.meta.resolve('eld')).href)) as {
  createEld(): { instance: Detector; loadData(data: unknown): string };
};
const eld = (() => {
  const { instance, loadData } = createEld();
  loadData(
    JSON.parse(readFileSync(new URL('../../../models/language-ngrams.json', import.meta.url), 'utf8')),
  );
  return instance;
})();

export interface LanguageGuess {
  /** A two-letter code such as "es", or undefined when the text is too short or unclear to tell. */
  code: string | undefined;
  confidence: number;
}

/**
 * Detects the language among `candidates` (two-letter codes) with Nito-ELD,
 * which is right on short posts where trigram detectors guess: a Dutch
 * question is not read as German. Its scores cover every language it knows;
 * only the business's candidates are compared, so a short English post is
 * not read as Scots or Tagalog.
 */
export function detectLanguage(text: string, candidates: readonly string[]): LanguageGuess {
  const cleaned = text
    .replace(/\bhttps?:\/\/\S+/giu, ' ')
    .replace(/[@#][\p{L}\p{N}_.]+/gu, ' ')
    .replace(/\p{Extended_Pictographic}/gu, ' ')
    .trim();
  const words = cleaned.match(/\p{L}{2,}/gu) ?? [];
  // One word ("Brilliant!!", "ok") says nothing about the language.
  if (words.length < 2 || words.join('').length < 6) return { code: undefined, confidence: 0 };
  const scores = eld.detect(cleaned).getScores();
  const ranked = candidates
    .map((code) => [code, scores[code] ?? 0] as const)
    .filter(([, score]) => score > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [best, second] = ranked;
  if (!best) return { code: undefined, confidence: 0 };
  const confidence = second ? (best[1] - second[1]) / best[1] : 1;
  return { code: best[0], confidence: Math.round(confidence * 100) / 100 };
}

const names = new Intl.DisplayNames(['en'], { type: 'language' });
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
