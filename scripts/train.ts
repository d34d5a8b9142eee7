import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../src/routing/seeded-random.js';
import { LANES, type LaneLabel, TONES, type Tone } from '../src/routing/understand/categories.js';
import { features } from '../src/routing/understand/features.js';
import { type ModelMeta, parseModel, readWithModel } from '../src/routing/understand/model.js';
import { writeLanguageData } from './language-data.js';
import { type CorpusExample, loadCorpus } from './lib/corpus.js';

/**
 * Trains the understanding model from corpus/ (train split) and writes
 * models/understanding.{json,bin}. Deterministic: the same corpus gives the
 * same bytes on every machine (seeded order, no clock, no randomness).
 *
 *   npm run train [-- --out models]
 */
export const BUCKETS = 1 << 17;
const EPOCHS = 15;
const SEED = 20261207;

export interface TrainOptions {
  epochs: number;
  rate: number;
  l2: number;
}
export const DEFAULT_OPTIONS: TrainOptions = { epochs: EPOCHS, rate: 0.5, l2: 1e-5 };

export function train(
  examples: CorpusExample[],
  options: TrainOptions = DEFAULT_OPTIONS,
): { meta: ModelMeta; bytes: Uint8Array } {
  const encoded = examples.map((e) => ({
    ...e,
    hashes: features(e.text, BUCKETS).features.hashes,
  }));
  const lane = fitHead(
    [...LANES],
    encoded.map((e) => ({ hashes: e.hashes, label: e.label as LaneLabel })),
    options,
  );
  const tone = fitHead(
    [...TONES],
    encoded.flatMap((e) => (e.tone ? [{ hashes: e.hashes, label: e.tone as Tone }] : [])),
    options,
  );
  const corpusHash = createHash('sha256')
    .update(examples.map((e) => `${e.label}\t${e.tone}\t${e.text}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const counts: Record<string, number> = {};
  for (const e of examples) counts[e.label] = (counts[e.label] ?? 0) + 1;
  const meta: ModelMeta = {
    version: `understanding-1.${corpusHash}.${createHash('sha256').update(lane.quantized).update(tone.quantized).digest('hex').slice(0, 6)}`,
    buckets: BUCKETS,
    heads: {
      lane: { labels: [...LANES], scale: lane.scale },
      tone: { labels: [...TONES], scale: tone.scale },
    },
    training: {
      examples: examples.length,
      languages: [...new Set(examples.map((e) => e.lang))].sort(),
      labels: counts,
      ...options,
      seed: SEED,
      features: 'hashed words, word pairs, 4-letter n-grams and lexicon hits',
    },
  };
  const bytes = new Uint8Array(lane.quantized.length + tone.quantized.length);
  bytes.set(new Uint8Array(lane.quantized.buffer), 0);
  bytes.set(new Uint8Array(tone.quantized.buffer), lane.quantized.length);
  return { meta, bytes };
}

/**
 * Multinomial logistic regression by AdaGrad with L2, classes weighted so the
 * rare owner-lane categories count as much as the routine mass.
 */
function fitHead<L extends string>(
  labels: L[],
  data: { hashes: number[]; label: L }[],
  options: TrainOptions,
) {
  const width = labels.length;
  const weights = new Float32Array(BUCKETS * width);
  const squares = new Float32Array(BUCKETS * width).fill(1e-8);
  const perLabel = labels.map((label) => data.filter((d) => d.label === label).length);
  const classWeight = perLabel.map((n) => (n === 0 ? 0 : Math.sqrt(data.length / (width * n))));
  const order = data.map((_, i) => i);
  const random = seededRandom(SEED);
  const { rate, l2 } = options;
  const logits = new Float64Array(width);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const { hashes, label } = data[index]!;
      const truth = labels.indexOf(label);
      const x = 1 / Math.sqrt(Math.max(1, hashes.length));
      logits.fill(0);
      for (const h of hashes) for (let k = 0; k < width; k++) logits[k]! += x * weights[h * width + k]!;
      let max = -Infinity;
      for (let k = 0; k < width; k++) max = Math.max(max, logits[k]!);
      let sum = 0;
      for (let k = 0; k < width; k++) {
        logits[k] = Math.exp(logits[k]! - max);
        sum += logits[k]!;
      }
      const cw = classWeight[truth]!;
      for (const h of hashes) {
        for (let k = 0; k < width; k++) {
          const at = h * width + k;
          const gradient = cw * x * (logits[k]! / sum - (k === truth ? 1 : 0)) + l2 * weights[at]!;
          squares[at]! += gradient * gradient;
          weights[at]! -= (rate * gradient) / Math.sqrt(squares[at]!);
        }
      }
    }
  }
  let maxAbs = 0;
  for (const w of weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  const scale = maxAbs / 127 || 1;
  const quantized = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) quantized[i] = Math.round(weights[i]! / scale);
  return { scale, quantized };
}

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const out = path.resolve(outIndex > 0 ? process.argv[outIndex + 1]! : 'models');
  const trainSet = loadCorpus('train');
  const dev = loadCorpus('dev');
  const started = performance.now();
  const { meta, bytes } = train(trainSet);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'understanding.json'), `${JSON.stringify(meta, null, 2)}\n`);
  writeFileSync(path.join(out, 'understanding.bin'), bytes);
  await writeLanguageData(out);
  const model = parseModel(meta, bytes);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${meta.version}: ${trainSet.length} train examples, ${seconds} s, ${bytes.length} bytes → ${out}`,
  );
  let laneRight = 0;
  let toneRight = 0;
  let toned = 0;
  for (const e of dev) {
    const r = readWithModel(model, e.text);
    if (r.lane.label === e.label) laneRight++;
    if (e.tone) {
      toned++;
      if (r.tone.label === e.tone) toneRight++;
    }
  }
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  console.log(
    `dev: lane ${pct(laneRight, dev.length)} of ${dev.length}, tone ${pct(toneRight, toned)} of ${toned}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
