import { MinHash } from 'bloom-filters';
import { seededUint32 } from '../seeded-random.js';
import { storyFeatures } from './text-shingles.js';

/**
 * Story clusters for a storm (issue #21): mentions that tell the same story
 * join one cluster, a mention that fits none gets its own card.
 *
 * Why MinHash, and why `bloom-filters` for it. A cluster must be restorable
 * by another process from what PostgreSQL holds, with the same placements.
 * A MinHash signature depends only on the text and the seed, so stored
 * signatures rebuild the index exactly; TF-IDF weights would depend on every
 * document seen since start and could not be restored from clusters alone.
 * `bloom-filters` (Callidon, MIT, written in TypeScript, 3.x line, ~1.4 M
 * downloads a month) is the maintained npm package with a MinHash; `minhash` (duhaime)
 * is 0.0.9, untyped, loses precision in its `a * h + b` products, and its
 * LshIndex can neither forget entries nor answer a query with an unseen band.
 * `natural`'s TfIdf drags in mongoose, pg and redis. bloom-filters' own MinHashFactory draws hash
 * functions from Math.random, so we draw them from a seeded generator and
 * hand them to `MinHash`; the LSH index around it is ours (small, bounded,
 * able to forget).
 *
 * Pure and in memory: no I/O, no clock; the caller records facts (a mention
 * left alone, a cluster opened, a member joined) after it commits them.
 */

export interface StoryText {
  readonly id: string;
  /** The mention's text as posted. */
  readonly text: string;
}

/**
 * A text's MinHash: `hashes` integers below 2^26, a plain array so it can be
 * stored as JSON or `integer[]`. Empty when the text has nothing to compare
 * (only handles or emoji): such a mention is always alone.
 */
export type StorySignature = readonly number[];

/** What PostgreSQL keeps of a cluster to rebuild the index after a restart. */
export interface ClusterSeed {
  readonly clusterId: string;
  /** Up to `exemplarsPerCluster` signatures, in the order they were recorded. */
  readonly signatures: readonly StorySignature[];
}

export type Placement =
  | {
      readonly kind: 'cluster';
      readonly clusterId: string;
      readonly similarity: number;
      /**
       * Other clusters the mention fits as well: it tells their story too,
       * so the caller may fold them into `clusterId` (see `noteMerged`).
       */
      readonly bridges: readonly string[];
    }
  | { readonly kind: 'pair'; readonly withId: string; readonly similarity: number }
  | { readonly kind: 'alone' };

export interface StoryClustersOptions {
  /** Estimated weighted Jaccard similarity at which a mention joins (0..1). */
  threshold?: number;
  /** Seed of the hash functions: signatures only compare under the same seed and size. */
  seed?: number;
  /** Recent unclustered mentions kept as candidates to pair with. */
  recentLimit?: number;
  /** Clusters kept; the least recently joined is forgotten first. */
  clusterLimit?: number;
  /** Signatures kept per cluster, so paraphrases of its first mention still find it. */
  exemplarsPerCluster?: number;
  /** Candidates compared per placement at most: keeps the cost per mention bounded. */
  maxCandidates?: number;
}

const DEFAULTS = {
  threshold: 0.3,
  seed: 0x5eed_2021,
  recentLimit: 5000,
  clusterLimit: 2000,
  exemplarsPerCluster: 8,
  maxCandidates: 400,
} as const;

/** 128 hashes estimate a similarity of 0.3 within about ±0.04. */
const HASHES = 128;
/**
 * Bands of 2 rows: two texts are compared when any band matches, which
 * happens with probability 1 - (1 - J²)^64: 0.93 at J = 0.2, 0.998 at 0.3.
 */
const BAND_ROWS = 2;
/**
 * The smallest prime above 2^26. Feature values and hash coefficients stay
 * below it, so `a * x + b` in `MinHash.add` stays below 2^53 and is exact.
 */
const PRIME = 67_108_879;
/** A member joins the exemplars only if it is this far from the ones kept. */
const EXEMPLAR_NOVELTY = 0.6;

type Owner =
  | { readonly kind: 'recent'; readonly id: string }
  | { readonly kind: 'cluster'; readonly clusterId: string };

interface Entry {
  readonly signature: StorySignature;
  readonly bands: readonly number[];
  readonly owner: Owner;
}

export class StoryClusters {
  readonly threshold: number;
  /** Names the signature scheme; store it beside signatures and compare before restoring. */
  readonly scheme: string;
  private readonly options: Required<StoryClustersOptions>;
  private readonly hashFunctions: ReadonlyArray<{ a: number; b: number; c: number }>;
  private readonly entries = new Map<number, Entry>();
  /** Band key -> entry handles. Most buckets hold one handle. */
  private readonly buckets = new Map<number, number[]>();
  /** Recent alone mention id -> handle, oldest first. */
  private readonly recent = new Map<string, number>();
  /** Cluster id -> exemplar handles, least recently joined first. */
  private readonly clusters = new Map<string, number[]>();
  private nextHandle = 0;

  constructor(options: StoryClustersOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.threshold = this.options.threshold;
    this.scheme = `minhash-v1:${HASHES}:${this.options.seed >>> 0}`;
    this.hashFunctions = drawHashFunctions(this.options.seed, HASHES);
  }

  /** The text's signature: the same text and seed give the same numbers in any process. */
  signatureOf(text: string): StorySignature {
    const values: number[] = [];
    for (const { key, weight } of storyFeatures(text)) {
      const base = hashString(key, this.options.seed);
      for (let copy = 0; copy < weight; copy++) values.push(mix(base, copy) % PRIME);
    }
    if (values.length === 0) return [];
    const minHash = new MinHash(HASHES, [...this.hashFunctions]);
    for (const value of values) minHash.add(value);
    return minHash._signature;
  }

  /** Where `mention` belongs: an existing cluster, a recent alone mention to pair with, or nowhere. */
  place(mention: StoryText): Placement {
    return this.placeSignature(this.signatureOf(mention.text));
  }

  placeSignature(signature: StorySignature): Placement {
    if (signature.length !== HASHES) return { kind: 'alone' };
    let best: { owner: Owner; similarity: number } | undefined;
    const matchedClusters = new Set<string>();
    for (const handle of this.candidates(bandsOf(signature))) {
      const { owner, signature: other } = this.entries.get(handle)!;
      const similarity = similarityOf(signature, other);
      if (similarity < this.threshold) continue;
      if (owner.kind === 'cluster') matchedClusters.add(owner.clusterId);
      if (best === undefined || isBetter(similarity, owner, best.similarity, best.owner)) {
        best = { owner, similarity };
      }
    }
    if (best === undefined) return { kind: 'alone' };
    const { owner, similarity } = best;
    if (owner.kind === 'recent') return { kind: 'pair', withId: owner.id, similarity };
    matchedClusters.delete(owner.clusterId);
    return { kind: 'cluster', clusterId: owner.clusterId, similarity, bridges: [...matchedClusters].sort() };
  }

  /** A mention got its own card: keep it as a candidate for the next ones (the oldest goes past the limit). */
  noteAlone(id: string, signature: StorySignature): void {
    if (signature.length !== HASHES) return;
    this.forgetRecent(id);
    this.recent.set(id, this.insert(signature, { kind: 'recent', id }));
    while (this.recent.size > this.options.recentLimit) this.forgetRecent(this.recent.keys().next().value!);
  }

  /**
   * A cluster exists (opened from a pair, or restored from PostgreSQL).
   * `fromRecent` names alone mentions that are now its members: they stop
   * being candidates of their own.
   */
  openCluster(seed: ClusterSeed, fromRecent: readonly string[] = []): void {
    for (const id of fromRecent) this.forgetRecent(id);
    this.forgetCluster(seed.clusterId);
    this.clusters.set(seed.clusterId, []);
    for (const signature of seed.signatures) this.addExemplar(seed.clusterId, signature);
    this.evictClusters();
  }

  /** A mention joined `clusterId`; it becomes an exemplar while there is room and it adds wording. */
  noteJoined(clusterId: string, signature: StorySignature): void {
    const exemplars = this.clusters.get(clusterId);
    if (exemplars === undefined) {
      this.openCluster({ clusterId, signatures: [signature] });
      return;
    }
    this.clusters.delete(clusterId);
    this.clusters.set(clusterId, exemplars);
    this.addExemplar(clusterId, signature);
  }

  /**
   * `from` clusters were folded into `into`: their exemplars join its own
   * while there is room, and they stop existing.
   */
  noteMerged(into: string, from: readonly string[]): void {
    if (!this.clusters.has(into)) return;
    for (const clusterId of from) {
      if (clusterId === into) continue;
      const signatures = this.seedOf(clusterId)?.signatures ?? [];
      this.forgetCluster(clusterId);
      for (const signature of signatures) this.addExemplar(into, signature);
    }
  }

  /** What to persist for `clusterId`, or undefined once it has been forgotten. */
  seedOf(clusterId: string): ClusterSeed | undefined {
    const exemplars = this.clusters.get(clusterId);
    if (exemplars === undefined) return undefined;
    return { clusterId, signatures: exemplars.map((handle) => this.entries.get(handle)!.signature) };
  }

  /** Every cluster's seed, least recently joined first: restoring them in this order keeps the eviction order. */
  seeds(): ClusterSeed[] {
    return [...this.clusters.keys()].map((clusterId) => this.seedOf(clusterId)!);
  }

  /**
   * The recent alone mentions with their signatures, oldest first, for a
   * process taking over (they can also be recomputed from the mentions' text).
   */
  recentMentions(): Array<{ id: string; signature: StorySignature }> {
    return [...this.recent].map(([id, handle]) => ({ id, signature: this.entries.get(handle)!.signature }));
  }

  forgetCluster(clusterId: string): void {
    for (const handle of this.clusters.get(clusterId) ?? []) this.remove(handle);
    this.clusters.delete(clusterId);
  }

  /** How much is held: bounded by `recentLimit` and `clusterLimit × exemplarsPerCluster`. */
  get size(): { recent: number; clusters: number; signatures: number; buckets: number } {
    return {
      recent: this.recent.size,
      clusters: this.clusters.size,
      signatures: this.entries.size,
      buckets: this.buckets.size,
    };
  }

  /**
   * Place `mention` and record the outcome as a caller would after
   * committing it; `newClusterId` names a cluster opened from a pair.
   * Returns the cluster the mention ended in, if any.
   */
  absorb(mention: StoryText, newClusterId: () => string): { placement: Placement; clusterId?: string } {
    // Folding bridged clusters is the caller's choice; absorb makes it, as the storm view does.
    const signature = this.signatureOf(mention.text);
    const placement = this.placeSignature(signature);
    switch (placement.kind) {
      case 'alone':
        this.noteAlone(mention.id, signature);
        return { placement };
      case 'cluster':
        this.noteJoined(placement.clusterId, signature);
        this.noteMerged(placement.clusterId, placement.bridges);
        return { placement, clusterId: placement.clusterId };
      case 'pair': {
        const clusterId = newClusterId();
        const partner = this.entries.get(this.recent.get(placement.withId)!)!.signature;
        this.openCluster({ clusterId, signatures: [partner, signature] }, [placement.withId]);
        return { placement, clusterId };
      }
    }
  }

  private addExemplar(clusterId: string, signature: StorySignature): void {
    const exemplars = this.clusters.get(clusterId);
    if (exemplars === undefined || signature.length !== HASHES) return;
    if (exemplars.length >= this.options.exemplarsPerCluster) return;
    for (const handle of exemplars) {
      if (similarityOf(signature, this.entries.get(handle)!.signature) >= EXEMPLAR_NOVELTY) return;
    }
    exemplars.push(this.insert(signature, { kind: 'cluster', clusterId }));
  }

  private evictClusters(): void {
    while (this.clusters.size > this.options.clusterLimit)
      this.forgetCluster(this.clusters.keys().next().value!);
  }

  /** A recent alone mention is placed again (its hold ended): it is not a candidate for itself. */
  forgetRecent(id: string): void {
    const handle = this.recent.get(id);
    if (handle === undefined) return;
    this.recent.delete(id);
    this.remove(handle);
  }

  private candidates(bands: readonly number[]): Set<number> {
    const found = new Set<number>();
    for (const band of bands) {
      for (const handle of this.buckets.get(band) ?? []) {
        found.add(handle);
        if (found.size >= this.options.maxCandidates) return found;
      }
    }
    return found;
  }

  private insert(signature: StorySignature, owner: Owner): number {
    const handle = this.nextHandle++;
    // A copy: the caller's array must not be able to change what the index holds.
    const entry: Entry = { signature: [...signature], bands: bandsOf(signature), owner };
    this.entries.set(handle, entry);
    for (const band of entry.bands) {
      const bucket = this.buckets.get(band);
      if (bucket === undefined) this.buckets.set(band, [handle]);
      else bucket.push(handle);
    }
    return handle;
  }

  private remove(handle: number): void {
    const entry = this.entries.get(handle);
    if (entry === undefined) return;
    this.entries.delete(handle);
    for (const band of entry.bands) {
      const bucket = this.buckets.get(band);
      if (bucket === undefined) continue;
      const at = bucket.indexOf(handle);
      if (at >= 0) bucket.splice(at, 1);
      if (bucket.length === 0) this.buckets.delete(band);
    }
  }
}

/** Share of equal slots: MinHash's estimate of the (weighted) Jaccard similarity. */
export function similarityOf(a: StorySignature, b: StorySignature): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let equal = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
  return equal / a.length;
}

/**
 * The best match must not depend on the order entries were inserted, or a
 * restored index could place differently: higher similarity, then a cluster
 * over a lone mention, then the smaller id.
 */
function isBetter(similarity: number, owner: Owner, bestSimilarity: number, bestOwner: Owner): boolean {
  if (similarity !== bestSimilarity) return similarity > bestSimilarity;
  if (owner.kind !== bestOwner.kind) return owner.kind === 'cluster';
  return ownerId(owner) < ownerId(bestOwner);
}

const ownerId = (owner: Owner) => (owner.kind === 'cluster' ? owner.clusterId : owner.id);

function bandsOf(signature: StorySignature): number[] {
  const bands: number[] = [];
  for (let at = 0, band = 0; at + BAND_ROWS <= signature.length; at += BAND_ROWS, band++) {
    let key = mix(0x9e37_79b9, band);
    for (let row = 0; row < BAND_ROWS; row++) key = mix(key, signature[at + row]!);
    bands.push(key);
  }
  return bands;
}

/** `count` hash functions (a·x + b) mod PRIME with a ≠ 0, from a seeded generator (mulberry32). */
function drawHashFunctions(seed: number, count: number): Array<{ a: number; b: number; c: number }> {
  const draw = seededUint32(seed);
  const next = () => draw() % PRIME;
  return Array.from({ length: count }, () => ({ a: 1 + (next() % (PRIME - 1)), b: next(), c: PRIME }));
}

/** FNV-1a over UTF-16 code units, seeded, finished with murmur3's fmix32. */
function hashString(text: string, seed: number): number {
  let hash = (0x811c_9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x0100_0193);
  }
  return fmix32(hash);
}

function mix(hash: number, value: number): number {
  return fmix32((Math.imul(hash ^ value, 0xcc9e_2d51) + 0xe654_6b64) >>> 0);
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
