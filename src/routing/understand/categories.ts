/**
 * What only the owner can answer, built in and on by default. A policy can
 * turn one off, add words to it, or add categories of its own (triggers).
 */
export const OWNER_CATEGORIES = [
  'legal',
  'press',
  'harm',
  'food_safety',
  'privacy',
  'discrimination',
  'threat',
  'staff_dispute',
  'ask_owner',
] as const;
export type OwnerCategory = (typeof OWNER_CATEGORIES)[number];

/** How each category reads in a reason shown to the owner. */
export const OWNER_CATEGORY_LABELS: Record<OwnerCategory, string> = {
  legal: 'legal action or a formal complaint',
  press: 'the press',
  harm: 'harm or safety',
  food_safety: 'food safety or illness',
  privacy: 'privacy or exposed data',
  discrimination: 'discrimination or accessibility',
  threat: 'a threat',
  staff_dispute: 'a dispute with staff',
  ask_owner: 'asks for the owner',
};

/** The kinds of spam the filter names in its reasons. */
export const SPAM_KINDS = [
  'crypto',
  'followers',
  'prize',
  'phishing',
  'marketing',
  'collab',
  'dating',
  'pharma',
  'knockoff',
  'copy_paste',
  'other',
] as const;
export type SpamKind = (typeof SPAM_KINDS)[number];

/** Labels of the corpus and the model: the routine lane, spam, or one owner-lane category. */
export const LANES = ['routine', 'spam', ...OWNER_CATEGORIES] as const;
export type LaneLabel = (typeof LANES)[number];

/** The customer's tone, a second label of the corpus and the model. */
export const TONES = ['angry', 'complaint', 'neutral', 'praise'] as const;
export type Tone = (typeof TONES)[number];
