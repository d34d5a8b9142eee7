import Sentiment from 'sentiment';

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
  recommend: 2,
  brilliant: 4,
  spotless: 2,
};

export interface SentimentReading {
  /** Sum of word scores: below 0 is unhappy, above 0 pleased. */
  score: number;
  /** Score per word, so a long calm post and a short angry one compare fairly. */
  comparative: number;
  label: 'negative' | 'neutral' | 'positive';
}

export function readSentiment(foldedText: string): SentimentReading {
  const result = analyzer.analyze(foldedText, { extras: EXTRA });
  const label = result.score <= -2 ? 'negative' : result.score >= 2 ? 'positive' : 'neutral';
  return { score: result.score, comparative: result.comparative, label };
}
