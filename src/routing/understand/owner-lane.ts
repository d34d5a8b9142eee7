import { OWNER_CATEGORIES, OWNER_CATEGORY_LABELS, type OwnerCategory } from './categories.js';
import type { Matcher } from './matcher.js';
import { firstMatch } from './matcher.js';
import type { ModelReading } from './model.js';
import { OWNER_LEXICON } from './owner-lexicon.js';
import { findAll, findOutside, type Span } from './phrase-list.js';
import type { TriageVerdict } from './reading-context.js';
import { fold } from './text.js';
import { ALL_INNOCENT, OWNER_LISTS } from './word-lists.js';

/** One reason the owner should answer, with what shows it. */
export interface OwnerSignal {
  category: OwnerCategory;
  /** The words of the post that show it, as written or folded. */
  evidence: string[];
  /** Where the verdict came from: the built-in words, the policy's words, the model, or the model triage. */
  source: 'words' | 'policy' | 'model' | 'triage';
  /** For a triage verdict: the model that gave it. */
  triageModel?: string;
  /** The model's probability for this category, shown beside the evidence. */
  confidence: number;
}

/** The policy's say over the built-in categories: which are on, and words it adds. */
export interface OwnerLaneSettings {
  enabled: ReadonlySet<OwnerCategory>;
  added: ReadonlyMap<OwnerCategory, Matcher>;
}

/**
 * How much the model must read a category before a word counts. A strong
 * phrase needs little: the model only has to not be sure it is routine. A cue
 * ("court", "fire") needs the model to see the category itself. With no word
 * at all, the model must be confident alone, and its evidence is the words
 * that moved it.
 */
export const THRESHOLDS = {
  strong: 0.05,
  cue: 0.2,
  cueCategory: 0.3,
  modelAlone: 0.5,
  modelAloneOnAQuestion: 0.75,
};

/** What the model says about a post that every owner-lane rule weighs. */
function readContext(model: ModelReading) {
  const p = model.lane.probabilities;
  const tone = model.tone.probabilities;
  return {
    p,
    // How much the model reads the owner lane at all, and which category most.
    any: OWNER_CATEGORIES.reduce((sum, c) => sum + p[c], 0),
    top: OWNER_CATEGORIES.reduce((best, c) => (p[c] > p[best] ? c : best)),
    praise: model.tone.label === 'praise' && model.tone.confidence >= 0.6,
    // "Is it gluten free? I'm coeliac" asks, it does not report: a word in a calm question does not count.
    calm: tone.complaint + tone.angry < 0.4,
  };
}

export function readOwnerLane(
  text: { original: string; folded: string; words: readonly string[]; hashtags: readonly string[] },
  model: ModelReading,
  settings: OwnerLaneSettings,
  triage?: TriageVerdict,
): OwnerSignal[] {
  const signals: OwnerSignal[] = [];
  const { p, any, top, praise, calm } = readContext(model);
  for (const category of OWNER_CATEGORIES) {
    if (!settings.enabled.has(category)) continue;
    const confidence = round(p[category]);
    const added = settings.added.get(category);
    const policyWord = added ? firstMatch(added, text) : undefined;
    if (policyWord !== undefined) {
      signals.push({ category, evidence: [policyWord], source: 'policy', confidence });
      continue;
    }
    const words = OWNER_LISTS.get(category)!;
    const innocent = findAll(words.innocent, text.folded);
    const stated = (span: Span) =>
      !calm ||
      ASKED_OF_THE_OWNER.has(category) ||
      (CONDITIONS.has(category) ? !/[?¿]/u.test(text.folded) : !inQuestion(text.folded, span.start));
    const strong = [
      ...findOutside(words.strong, text.folded, innocent),
      ...findPatterns(category, text.folded),
    ].filter(stated);
    // Praise that happens to use a category's word ("my solicitor loved it") is not the category.
    // Naming the owner in thanks is not asking for them.
    const praised = praise && (p.routine > 0.5 || category === 'ask_owner');
    if (strong.length > 0 && any >= THRESHOLDS.strong && !praised) {
      signals.push({ category, evidence: quoted(strong), source: 'words', confidence });
      continue;
    }
    const cues = [...strong, ...findOutside(words.cues, text.folded, innocent).filter(stated)];
    if (
      cues.length > 0 &&
      !praised &&
      any >= THRESHOLDS.cue &&
      p[category] >= THRESHOLDS.cueCategory &&
      (category === top || p[category] >= any / 3)
    ) {
      signals.push({ category, evidence: quoted(cues), source: 'words', confidence });
    }
  }
  // With no word for any category, the model must be confident alone, and quotes the words that moved it.
  // With no word of the lane, a post that praises is never the owner's.
  const praisedOverall = praise;
  const askedAbout = calm && CONDITIONS.has(top) && /[?¿]/u.test(text.folded);
  if (
    signals.length === 0 &&
    settings.enabled.has(top) &&
    // A calm question with no word of the lane is routine unless the model is quite sure.
    p[top] >=
      (calm && /[?¿]/u.test(text.folded) ? THRESHOLDS.modelAloneOnAQuestion : THRESHOLDS.modelAlone) &&
    !praisedOverall &&
    !askedAbout
  ) {
    // A word the lexicon knows in an innocent sense here ("any news on my order") is not evidence.
    const innocent = findAll(OWNER_LISTS.get(top)!.innocent, text.folded)
      .map((span) => span.text)
      .join(' ');
    const evidence = model.evidenceFor(top).filter((word) => !innocent.includes(fold(word)));
    if (evidence.length > 0)
      signals.push({ category: top, evidence, source: 'model', confidence: round(p[top]) });
  }
  if (triage?.owner && settings.enabled.has(triage.owner.category)) {
    const { category, evidence } = triage.owner;
    if (!signals.some((s) => s.category === category)) {
      signals.push({
        category,
        evidence: [evidence],
        source: 'triage',
        triageModel: triage.source,
        confidence: round(p[category]),
      });
    }
  }
  return signals;
}

/**
 * Whether a policy trigger's word is used in the owner's sense, by the same
 * context rules as the built-in words: never inside an innocent phrase
 * ("video editor", "got my data back"), in praise or in a calm question. A
 * phrase ("small claims") is specific enough on its own; a single word
 * ("editor", "sue") also needs the model to read the owner lane at all.
 */
export function triggerStands(
  matched: string,
  text: { original: string; folded: string },
  model: ModelReading,
): boolean {
  const word = fold(matched);
  const at = text.folded.indexOf(word);
  const inside = (span: Span) => at < span.end && span.start < at + word.length;
  if (findAll(ALL_INNOCENT, text.folded).some(inside)) return false;
  const { any, praise, calm } = readContext(model);
  if (praise || (calm && inQuestion(text.folded, at))) return false;
  return /\s/u.test(word.trim()) || any >= THRESHOLDS.cue;
}

/** A reason the owner reads: "harm or safety: "blistered", "a doctor" (model 0.91)". */
export function describeOwnerSignal(signal: OwnerSignal): string {
  const evidence = signal.evidence.map((e) => `"${e}"`).join(', ');
  const from =
    signal.source === 'triage'
      ? `model triage by ${signal.triageModel}`
      : signal.source === 'policy'
        ? "the policy's words"
        : signal.source === 'model'
          ? `model ${signal.confidence.toFixed(2)}`
          : `words; model ${signal.confidence.toFixed(2)}`;
  return `${OWNER_CATEGORY_LABELS[signal.category]}: ${evidence} (${from})`;
}

function findPatterns(category: OwnerCategory, folded: string): Span[] {
  const found: Span[] = [];
  for (const pattern of OWNER_LEXICON[category].patterns ?? []) {
    const match = pattern.exec(folded);
    if (!match) continue;
    const text = match[0].length > 60 ? `${match[0].slice(0, 57)}…` : match[0];
    found.push({ text, start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/** Whether the sentence around `at` is a question: it ends in "?" or opens with "¿". */
function inQuestion(folded: string, at: number): boolean {
  if (at < 0) return false;
  const before = folded.slice(0, at);
  const start =
    Math.max(
      before.lastIndexOf('.'),
      before.lastIndexOf('!'),
      before.lastIndexOf('?'),
      before.lastIndexOf('\n'),
    ) + 1;
  const rest = folded.slice(at);
  const end = rest.search(/[.!?\n]/u);
  return (end >= 0 && rest[end] === '?') || folded.slice(start, at).trimStart().startsWith('¿');
}

/**
 * Words that can name a customer's condition ("I'm coeliac", "in a wheelchair") as well as an
 * incident: with a calm question anywhere in the post, they are context for the question.
 */
const CONDITIONS = new Set<OwnerCategory>(['food_safety', 'discrimination']);

/** Press enquiries and requests for the owner are questions by nature. */
const ASKED_OF_THE_OWNER = new Set<OwnerCategory>(['press', 'ask_owner']);

const quoted = (spans: { text: string }[]) => [...new Set(spans.map((s) => s.text))].slice(0, 3);
const round = (x: number) => Math.round(x * 100) / 100;
