import type { Tone } from './categories.js';
import type { HeadReading } from './model.js';
import type { SentimentReading } from './sentiment.js';
import { containsPhrase, words } from './text.js';

export const INTENTS = ['question', 'complaint', 'praise', 'sales_lead', 'bug_report', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

// Cues in English first, with the Spanish, Portuguese, French and German a shop in Europe hears most.
const QUESTION_OPENERS = new Set([
  'how',
  'what',
  'when',
  'where',
  'which',
  'who',
  'why',
  'can',
  'could',
  'do',
  'does',
  'did',
  'is',
  'are',
  'will',
  'would',
  'should',
  'any',
  'anyone',
  'como',
  'cuando',
  'donde',
  'que',
  'quando',
  'onde',
  'comment',
  'quand',
  'ou',
  'est',
  'wie',
  'wann',
  'wo',
  'was',
  'gibt',
  'habt',
  'haben',
  'kann',
]);
const COMPLAINT_CUES = [
  'complaint',
  'complain',
  'still waiting',
  'never arrived',
  'not happy',
  'unhappy',
  'disappointed',
  'terrible',
  'awful',
  'worst',
  'unacceptable',
  'rude',
  'broken',
  'broke',
  'faulty',
  'refund',
  'charged twice',
  'overcharged',
  'no reply',
  'no response',
  'ignored',
  'waste of money',
  'ripped off',
  'scam',
  'snapped',
  'queja',
  'reclamacion',
  'reclamação',
  'plainte',
  'beschwerde',
  'enttauscht',
  'decepcionado',
  'terrible',
  // Again and again: a repeat is a complaint however calmly it is put.
  'second time',
  'third time',
  'once again',
  'yet again',
  'segunda vez',
  'tercera vez',
  'deuxieme fois',
  'troisieme fois',
  'encore une fois',
  'zweite mal',
  'dritte mal',
  'schon wieder',
  'seconda volta',
  'terza volta',
  'ancora una volta',
  'tweede keer',
  'derde keer',
  'terceira vez',
  // Disappointment in the other corpus languages.
  'verguenza',
  'inaceptable',
  'lamentable',
  'pesimo',
  'decu',
  'decue',
  'honte',
  'inadmissible',
  'inacceptable',
  'unverschamt',
  'frechheit',
  'katastrophe',
  'enttauschend',
  'peccato',
  'deluso',
  'delusa',
  'delusione',
  'vergogna',
  'pessimo',
  'inaccettabile',
  'teleurgesteld',
  'teleurstellend',
  'schandalig',
  'belachelijk',
  'waardeloos',
  'decepcionada',
  'vergonha',
  'inaceitavel',
  'pessima',
];
const PRAISE_CUES = [
  'thank',
  'thanks',
  'thank you',
  'love',
  'loved',
  'great service',
  'amazing',
  'brilliant',
  'excellent',
  'recommend',
  'best shop',
  'fantastic',
  'awesome',
  'gracias',
  'obrigado',
  'obrigada',
  'merci',
  'danke',
];
const SALES_CUES = [
  'price',
  'prices',
  'quote',
  'how much',
  'cost',
  'in stock',
  'do you sell',
  'do you have',
  'buy',
  'order one',
  'book',
  'booking',
  'rent',
  'rental',
  'hire',
  'discount',
  'bulk',
  'fleet',
  'corporate',
  'available',
  'precio',
  'cuanto',
  'alquiler',
  'alquilar',
  'preço',
  'aluguer',
  'prix',
  'louer',
  'preis',
  'mieten',
];
const BUG_CUES = [
  'website',
  'site',
  'app',
  'checkout',
  'error',
  'bug',
  '404',
  '500',
  'page',
  'login',
  'log in',
  'crash',
  'crashes',
  'payment page',
  'link is broken',
  "doesn't load",
  'does not load',
  'wont load',
  "won't load",
];
const BUG_FAILURE = [
  'error',
  'bug',
  'broken',
  'crash',
  'crashes',
  'down',
  "doesn't",
  'does not',
  'not working',
  "won't",
  'wont',
  'fails',
  'failed',
  '404',
  '500',
];

export interface IntentReading {
  /** The one intent that decides handling, by the order in INTENT_PRECEDENCE. */
  primary: Intent;
  /** Every intent the text shows: a complaint can also be a question. */
  all: Intent[];
}

/** A bug report or complaint outranks a question: it is what the answer must address. */
const INTENT_PRECEDENCE: Intent[] = ['bug_report', 'complaint', 'sales_lead', 'question', 'praise'];

export function readIntent(
  folded: string,
  sentiment: SentimentReading,
  tone?: HeadReading<Tone>,
): IntentReading {
  const tokens = words(folded);
  const has = (cues: readonly string[]) => cues.some((cue) => containsPhrase(folded, cue));
  const found = new Set<Intent>();

  const first = tokens.find((t) => t.length > 0);
  if (folded.includes('?') || folded.includes('¿') || (first !== undefined && QUESTION_OPENERS.has(first))) {
    found.add('question');
  }
  if (has(BUG_CUES) && has(BUG_FAILURE)) found.add('bug_report');
  // The model's tone reads complaints in ordinary wording and in every corpus language.
  const unhappy = tone ? tone.probabilities.complaint + tone.probabilities.angry : 0;
  if (has(COMPLAINT_CUES) && sentiment.label !== 'positive') found.add('complaint');
  else if (sentiment.score <= -4) found.add('complaint');
  else if (unhappy >= 0.6 && sentiment.label !== 'positive') found.add('complaint');
  if (has(PRAISE_CUES) && sentiment.label !== 'negative') found.add('praise');
  if (has(SALES_CUES) && !found.has('complaint')) found.add('sales_lead');

  const all = INTENT_PRECEDENCE.filter((intent) => found.has(intent));
  return { primary: all[0] ?? 'other', all: all.length > 0 ? all : ['other'] };
}
