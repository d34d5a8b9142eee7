import { francAll } from 'franc-min';
import { fold, words } from './text.js';

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
  const votes = functionWordVotes(cleaned);
  const decided = decidedByVotes(votes, candidates);
  if (decided) return decided;
  const only = candidates.map((code) => TO_ISO3[code]).filter((code): code is string => Boolean(code));
  const ranked = francAll(cleaned, { minLength: 8, ...(only.length > 0 ? { only } : {}) });
  // A few letters without a single function word ("Brilliant!!") say nothing about the language.
  if (votes.size === 0 && (ranked[0]?.[0] === 'und' || cleaned.length < 25))
    return { code: undefined, confidence: 0 };
  // franc's trigrams are unreliable on a one-line post, so the little words people
  // cannot avoid ("you", "para", "vous") count for more than franc's relative score.
  const scores = new Map<string, number>();
  for (const [code3, score] of ranked) {
    const code = TO_ISO1[code3] ?? code3;
    if (code3 !== 'und') scores.set(code, score);
  }
  for (const [code, hits] of votes) {
    if (candidates.includes(code)) scores.set(code, (scores.get(code) ?? 0) + hits);
  }
  const sorted = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [best, second] = sorted;
  if (!best) return { code: undefined, confidence: 0 };
  const confidence = Math.min(1, second ? (best[1] - second[1]) / best[1] : 1);
  // Neither franc nor the word lists can tell: better no language than a wrong one.
  if (confidence < 0.1) return { code: undefined, confidence };
  return { code: best[0], confidence };
}

/**
 * franc adds at most 1 to a language's score (its scores run from 0 to 1),
 * so when one candidate's little words outnumber every other's by more than
 * one, franc cannot change the answer below and its trigram pass, most of
 * understand()'s time, is skipped. The confidence is the least franc could
 * have left it at.
 */
function decidedByVotes(
  votes: Map<string, number>,
  candidates: readonly string[],
): LanguageGuess | undefined {
  let best: string | undefined;
  let bestHits = 0;
  let secondHits = 0;
  for (const [code, hits] of votes) {
    if (!candidates.includes(code)) continue;
    if (hits > bestHits) {
      secondHits = bestHits;
      best = code;
      bestHits = hits;
    } else if (hits > secondHits) {
      secondHits = hits;
    }
  }
  if (!best || bestHits <= secondHits + 1) return undefined;
  const confidence = 1 - (secondHits + 1) / bestHits;
  return confidence >= 0.1 ? { code: best, confidence } : undefined;
}

const FUNCTION_WORDS: Record<string, string[]> = {
  en: [
    'the',
    'you',
    'your',
    'my',
    'is',
    'are',
    'do',
    'can',
    'i',
    'to',
    'on',
    'for',
    'of',
    'and',
    'it',
    'have',
    'what',
    'thanks',
    'thank',
    'with',
    'this',
    'we',
    'me',
  ],
  es: [
    'el',
    'los',
    'las',
    'que',
    'y',
    'en',
    'para',
    'por',
    'teneis',
    'tienen',
    'hola',
    'gracias',
    'mi',
    'es',
    'con',
    'una',
    'somos',
    'pero',
    'muy',
    'esta',
    'del',
    'puedo',
    'quiero',
  ],
  pt: [
    'o',
    'os',
    'que',
    'e',
    'em',
    'para',
    'voces',
    'ola',
    'obrigado',
    'obrigada',
    'meu',
    'minha',
    'nao',
    'com',
    'uma',
    'tem',
    'sao',
    'esta',
    'muito',
    'do',
    'da',
    'posso',
  ],
  fr: [
    'le',
    'les',
    'des',
    'et',
    'pour',
    'vous',
    'je',
    'bonjour',
    'merci',
    'mon',
    'ma',
    'est',
    'avec',
    'une',
    'a',
    'avez',
    'pas',
    'nous',
    'du',
    'au',
    'ce',
  ],
  de: [
    'der',
    'die',
    'das',
    'und',
    'ist',
    'ihr',
    'sie',
    'ich',
    'mein',
    'meine',
    'fur',
    'mit',
    'ein',
    'eine',
    'nicht',
    'zum',
    'habt',
    'danke',
    'hallo',
    'wir',
    'auf',
    'bitte',
  ],
};
const WORD_LANGUAGES = new Map<string, string[]>();
for (const [code, list] of Object.entries(FUNCTION_WORDS)) {
  for (const word of list) WORD_LANGUAGES.set(word, [...(WORD_LANGUAGES.get(word) ?? []), code]);
}

function functionWordVotes(text: string): Map<string, number> {
  const votes = new Map<string, number>();
  for (const word of words(fold(text))) {
    for (const code of WORD_LANGUAGES.get(word) ?? []) votes.set(code, (votes.get(code) ?? 0) + 1);
  }
  if (/[¿¡]/.test(text)) votes.set('es', (votes.get('es') ?? 0) + 1);
  return votes;
}

const names = new Intl.DisplayNames(['en'], { type: 'language' });
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
