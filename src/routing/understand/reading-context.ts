import type { OwnerCategory, SpamKind } from './categories.js';

/** What an optional language-model triage said about a text, already checked against its schema. */
export interface TriageVerdict {
  /** The owner-lane category it saw, with the words that show it, or null. */
  owner: { category: OwnerCategory; evidence: string } | null;
  /** The kind of spam it saw, with the words that show it, or null. */
  spam: { kind: SpamKind; evidence: string } | null;
  /** Where the verdict came from, for the reasons: the model's name. */
  source: string;
}

/** The few facts understand() cannot read from the mention itself. */
export interface ReadingContext {
  /** How many other authors posted the same text recently: copy-paste campaigns. */
  sameTextElsewhere: number;
  /** Staff said "Not spam" for this author: the spam filter leaves them alone. */
  vouched?: boolean;
  /** The optional model triage's verdict, when it is switched on and answered in time. */
  triage?: TriageVerdict;
}
