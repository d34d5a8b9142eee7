import type { Mention } from '../../contract/mention.js';
import type { Policy } from '../compiled-policy.js';
import { type InfluenceReading, readInfluence } from './influence.js';
import { type IntentReading, readIntent } from './intent.js';
import { detectLanguage, type LanguageGuess } from './language.js';
import { firstMatch } from './matcher.js';
import { builtInModel, type ModelReading, readWithModel } from './model.js';
import { type OwnerSignal, readOwnerLane } from './owner-lane.js';
import type { ReadingContext } from './reading-context.js';
import { readSentiment, type SentimentReading } from './sentiment.js';
import { readSpam, type SpamReading } from './spam.js';
import { fold, hashtags, words } from './text.js';

export interface TopicMatch {
  name: string;
  /** The word, phrase, hashtag or regex match that placed the mention in the topic. */
  matched: string;
}

/** Everything the router reads from a mention's text and author, before looking at the team. */
export interface Understanding {
  language: LanguageGuess;
  sentiment: SentimentReading;
  intent: IntentReading;
  spam: SpamReading;
  influence: InfluenceReading;
  topics: TopicMatch[];
  /** What only the owner should answer, each with its evidence; empty for routine work. */
  owner: OwnerSignal[];
  /** The statistical model's reading, shown beside the evidence. */
  model: ModelReading;
  /** The searchable text, for rules that match keywords. */
  text: { original: string; folded: string; words: string[]; hashtags: string[] };
}

/** Pure: reads the mention with the policy's topics; `context` carries the few facts only the database knows. */
export function understand(
  mention: Mention,
  policy: Policy,
  context: ReadingContext = { sameTextElsewhere: 0 },
): Understanding {
  const folded = fold(mention.text);
  const text = { original: mention.text, folded, words: words(folded), hashtags: hashtags(mention.text) };
  const model = readWithModel(builtInModel(), mention.text);
  const sentiment = readSentiment(mention.text, folded, model.tone);
  const spam = readSpam(mention, folded, context, model);
  const topics: TopicMatch[] = [];
  for (const topic of policy.topics) {
    const matched = firstMatch(topic.matcher, text);
    if (matched !== undefined) topics.push({ name: topic.name, matched });
  }
  return {
    language: detectLanguage(mention.text, policy.file.languages),
    sentiment,
    intent: readIntent(folded, sentiment, model.tone),
    spam,
    influence: readInfluence(mention, spam.likelihood, policy.file.influence),
    topics,
    owner: readOwnerLane(text, model, policy.ownerLane, context.triage),
    model,
    text,
  };
}

/** Whether a past text was a complaint, read as the mention in hand is: for counting repeated complaints. */
export function isComplaint(text: string): boolean {
  const folded = fold(text);
  const model = readWithModel(builtInModel(), text);
  return readIntent(folded, readSentiment(text, folded, model.tone), model.tone).all.includes('complaint');
}
