import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANES, type LaneLabel, TONES, type Tone } from './categories.js';
import { type Features, features, type Token } from './features.js';
import { STOPWORDS } from './stopwords.js';

/**
 * The compact statistical reading: a linear model (multinomial logistic
 * regression) over hashed words, word pairs and letter n-grams, with two
 * heads: the lane (routine, spam, or an owner-lane category) and the tone.
 * Trained by `npm run train` from corpus/; shipped in models/ as a small
 * JSON description and int8 weights.
 */
export const ModelMetaSchema = z
  .object({
    version: z.string().min(1),
    buckets: z.number().int().positive(),
    heads: z.object({
      lane: z.object({ labels: z.array(z.enum(LANES)), scale: z.number().positive() }),
      tone: z.object({ labels: z.array(z.enum(TONES)), scale: z.number().positive() }),
    }),
    training: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ModelMeta = z.infer<typeof ModelMetaSchema>;

interface Head<L extends string> {
  labels: L[];
  /** [bucket * labels.length + label], int8; times scale gives the weight. */
  weights: Int8Array;
  scale: number;
}

export interface Model {
  version: string;
  buckets: number;
  lane: Head<LaneLabel>;
  tone: Head<Tone>;
}

export interface HeadReading<L extends string> {
  /** The most likely label and its probability. */
  label: L;
  confidence: number;
  probabilities: Record<L, number>;
}

export interface ModelReading {
  version: string;
  lane: HeadReading<LaneLabel>;
  tone: HeadReading<Tone>;
  /** The words that pushed a lane label up, strongest first: the model's evidence. */
  evidenceFor: (label: LaneLabel) => string[];
}

/** The weights file holds the lane head's weights, then the tone head's. */
export function parseModel(meta: ModelMeta, bytes: Uint8Array): Model {
  const laneSize = meta.buckets * meta.heads.lane.labels.length;
  const toneSize = meta.buckets * meta.heads.tone.labels.length;
  if (bytes.length !== laneSize + toneSize) {
    throw new Error(
      `model ${meta.version}: weights are ${bytes.length} bytes, expected ${laneSize + toneSize}`,
    );
  }
  const all = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    version: meta.version,
    buckets: meta.buckets,
    lane: {
      labels: meta.heads.lane.labels,
      scale: meta.heads.lane.scale,
      weights: all.subarray(0, laneSize),
    },
    tone: { labels: meta.heads.tone.labels, scale: meta.heads.tone.scale, weights: all.subarray(laneSize) },
  };
}

export function readWithModel(model: Model, text: string): ModelReading {
  const { tokens, features: found } = features(text, model.buckets);
  const lane = scoreHead(model.lane, found);
  const tone = scoreHead(model.tone, found);
  return {
    version: model.version,
    lane: lane.reading,
    tone: tone.reading,
    evidenceFor: (label) => evidence(model.lane, found, tokens, label),
  };
}

function scoreHead<L extends string>(head: Head<L>, found: Features) {
  const width = head.labels.length;
  const logits = new Float64Array(width);
  for (const hash of found.hashes) {
    const row = hash * width;
    for (let k = 0; k < width; k++) logits[k]! += head.weights[row + k]!;
  }
  // Every feature weighs 1/√n, so a long post is not more certain for having more words.
  const norm = head.scale / Math.sqrt(Math.max(1, found.hashes.length));
  let max = -Infinity;
  for (let k = 0; k < width; k++) {
    logits[k]! *= norm;
    max = Math.max(max, logits[k]!);
  }
  let sum = 0;
  for (let k = 0; k < width; k++) {
    logits[k] = Math.exp(logits[k]! - max);
    sum += logits[k]!;
  }
  const probabilities = {} as Record<L, number>;
  let best = 0;
  head.labels.forEach((label, k) => {
    probabilities[label] = logits[k]! / sum;
    if (logits[k]! > logits[best]!) best = k;
  });
  return { reading: { label: head.labels[best]!, confidence: logits[best]! / sum, probabilities } };
}

/**
 * Per word, how much it raised `label` over the routine lane: a linear model
 * can say exactly which words made the difference, so its verdicts quote them.
 */
function evidence(head: Head<LaneLabel>, found: Features, tokens: Token[], label: LaneLabel): string[] {
  const width = head.labels.length;
  const k = head.labels.indexOf(label);
  const base = head.labels.indexOf('routine');
  if (k < 0) return [];
  const byWord = new Map<number, number>();
  for (let f = 0; f < found.hashes.length; f++) {
    const hash = found.hashes[f]!;
    const word = found.words[f]!;
    const token = tokens[word];
    // Only words that carry meaning are quoted: "the" may tip a linear model, but it explains nothing.
    if (!token || token.key.length < 3 || token.key.startsWith('<') || STOPWORDS.has(token.key)) continue;
    const row = hash * width;
    const lift = head.weights[row + k]! - (base >= 0 && base !== k ? head.weights[row + base]! : 0);
    byWord.set(word, (byWord.get(word) ?? 0) + lift);
  }
  const ranked = [...byWord].filter(([, lift]) => lift > 0).sort((a, b) => b[1] - a[1]);
  const top = ranked[0]?.[1] ?? 0;
  return ranked
    .filter(([, lift]) => lift >= top * 0.35)
    .slice(0, 3)
    .map(([word]) => tokens[word]!.shown);
}

const MODEL_DIR = new URL('../../../models/', import.meta.url);
let loaded: Model | undefined;

/** The model shipped in models/, read once on first use (about 2 MB). */
export function builtInModel(): Model {
  if (!loaded) {
    const meta = ModelMetaSchema.parse(
      JSON.parse(readFileSync(new URL('understanding.json', MODEL_DIR), 'utf8')),
    );
    loaded = parseModel(meta, readFileSync(new URL('understanding.bin', MODEL_DIR)));
  }
  return loaded;
}
