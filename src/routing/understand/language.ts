import { francAll } from 'franc-min';

/**
 * franc speaks ISO 639-3; rosters speak the two-letter codes people know.
 * Only the languages franc-min can tell apart are listed.
 */
const TO_ISO1: Record<string, string> = {
  eng: 'en',
  spa: 'es',
  por: 'pt',
  fra: 'fr',
  deu: 'de',
  ita: 'it',
  nld: 'nl',
  pol: 'pl',
  ron: 'ro',
  tur: 'tr',
  swe: 'sv',
  hun: 'hu',
  ces: 'cs',
  ind: 'id',
  vie: 'vi',
  tgl: 'tl',
  hrv: 'hr',
  bos: 'bs',
  srp: 'sr',
  rus: 'ru',
  ukr: 'uk',
  bel: 'be',
  bul: 'bg',
  kaz: 'kk',
  arb: 'ar',
  urd: 'ur',
  pes: 'fa',
  hin: 'hi',
  mar: 'mr',
  npi: 'ne',
  swh: 'sw',
  zul: 'zu',
  yor: 'yo',
  ibo: 'ig',
  hau: 'ha',
  som: 'so',
  jav: 'jv',
  sun: 'su',
  uzn: 'uz',
  azj: 'az',
  kin: 'rw',
  lin: 'ln',
  nya: 'ny',
  run: 'rn',
  plt: 'mg',
  ceb: 'ceb',
  ilo: 'ilo',
};
const TO_ISO3 = Object.fromEntries(Object.entries(TO_ISO1).map(([three, one]) => [one, three]));

export interface LanguageGuess {
  /** A two-letter code such as "es", or undefined when the text is too short or unclear to tell. */
  code: string | undefined;
  confidence: number;
}

/**
 * Detects the language among `candidates` (two-letter codes). Limiting the
 * candidates to languages the business cares about keeps a short English
 * post from being read as Scots or Tagalog.
 */
export function detectLanguage(text: string, candidates: readonly string[]): LanguageGuess {
  const cleaned = text
    .replace(/\bhttps?:\/\/\S+/gi, ' ')
    .replace(/[@#][\p{L}\p{N}_.]+/gu, ' ')
    .trim();
  const only = candidates.map((code) => TO_ISO3[code]).filter((code): code is string => Boolean(code));
  const ranked = francAll(cleaned, { minLength: 8, ...(only.length > 0 ? { only } : {}) });
  const [best, second] = ranked;
  if (!best || best[0] === 'und') return { code: undefined, confidence: 0 };
  // franc scores the best guess 1 and the rest relative to it: a close second means a guess.
  const confidence = second ? 1 - second[1] : 1;
  return { code: TO_ISO1[best[0]] ?? best[0], confidence };
}

const names = new Intl.DisplayNames(['en'], { type: 'language' });
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
