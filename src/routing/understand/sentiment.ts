import Sentiment from 'sentiment';
import type { Tone } from './categories.js';
import type { HeadReading } from './model.js';

const analyzer = new Sentiment();

/**
 * Words the AFINN lexicon misses but customers of a shop use when they are
 * unhappy or pleased. Scores follow AFINN's -5..5 scale.
 */
const EXTRA: Record<string, number> = {
  refund: -1,
  broken: -2,
  unacceptable: -3,
  rude: -3,
  scam: -4,
  overcharged: -3,
  faulty: -2,
  snapped: -2,
  patchy: -2,
  appalling: -4,
  shambles: -3,
  cowboys: -3,
  recommend: 2,
  brilliant: 4,
  spotless: 2,
};

const INTENSIFIERS = new Set([
  'so',
  'very',
  'really',
  'extremely',
  'absolutely',
  'utterly',
  'totally',
  'truly',
  'seriously',
]);
// Praise in the past tense is a complaint: "used to recommend you", "we were loyal customers".
const LAPSED =
  /\b(?:used to (?:love|recommend|like|come|be)|no longer (?:recommend|come)|never again|not coming back|won'?t be (?:back|returning)|were (?:loyal|regular) customers)\b/u;

export interface SentimentReading {
  /** Sum of word scores, adjusted for how it is said: below 0 is unhappy, above 0 pleased. */
  score: number;
  /** Score per word, so a long calm post and a short angry one compare fairly. */
  comparative: number;
  label: 'negative' | 'neutral' | 'positive';
}

/**
 * AFINN with negation and emoji (the `sentiment` package), read the way
 * social media is written: intensifiers and capitals make a word count more,
 * lapsed praise counts against, and the model's tone (which reads every
 * language the corpus has) settles what the English word list cannot.
 */
export function readSentiment(original: string, folded: string, tone?: HeadReading<Tone>): SentimentReading {
  const result = analyzer.analyze(folded, { extras: EXTRA });
  const shouted = new Set(
    (original.match(/\p{L}{3,}/gu) ?? [])
      .filter((w) => w === w.toUpperCase() && w !== w.toLowerCase())
      .map((w) => w.toLowerCase()),
  );
  let score = 0;
  const tokens = result.tokens;
  for (const entry of result.calculation) {
    const [word, value] = Object.entries(entry)[0] as [string, number];
    let weight = 1;
    const at = tokens.lastIndexOf(word);
    if (at > 0 && INTENSIFIERS.has(tokens[at - 1]!)) weight += 0.5;
    if (shouted.has(word)) weight += 0.5;
    score += value * weight;
  }
  const lapsed = LAPSED.test(folded);
  if (lapsed) score -= 4;
  if (/!{2,}/.test(original) && score < 0) score -= 1;
  if (tone && tone.confidence >= 0.55) {
    if (tone.label === 'angry') score = Math.min(score, -4);
    else if (tone.label === 'complaint') score = Math.min(score, -2);
    else if (tone.label === 'praise' && score >= 0 && !lapsed) score = Math.max(score, 2);
  }
  score = Math.round(score * 10) / 10;
  const label = score <= -2 ? 'negative' : score >= 2 ? 'positive' : 'neutral';
  return { score, comparative: result.tokens.length ? score / result.tokens.length : 0, label };
}
