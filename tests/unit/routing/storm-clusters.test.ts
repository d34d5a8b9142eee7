import { describe, expect, it } from 'vitest';
import {
  clusterStream,
  qualityOf,
  realCareMentions,
  stormMix,
  storyMentions,
} from '../../../scripts/bench-clustering.js';
import { type Placement, StoryClusters, similarityOf } from '../../../src/routing/storm/story-clusters.js';
import { storyFeatures } from '../../../src/routing/storm/text-shingles.js';

/** Feeds texts in order, recording each placement as the router would; returns the placements. */
function feed(clusters: StoryClusters, texts: readonly string[]): Placement[] {
  let opened = 0;
  return texts.map(
    (text, index) => clusters.absorb({ id: `m${index}`, text }, () => `c${opened++}`).placement,
  );
}

describe('story clusters', () => {
  it('puts short posts about the same outage in one cluster', () => {
    const placements = feed(new StoryClusters(), [
      'is the app down??',
      '@Kestrel app down again?!',
      'your app is down for me too 😩',
    ]);
    expect(placements[0]).toEqual({ kind: 'alone' });
    expect(placements[1]).toMatchObject({ kind: 'pair', withId: 'm0' });
    expect(placements[2]).toMatchObject({ kind: 'cluster', clusterId: 'c0' });
  });

  it('joins near-duplicates despite handles, typos, emoji and shouting', () => {
    const placements = feed(new StoryClusters(), [
      'you charged me twice for the same order',
      '@KestrelHelp YOU CHARGED ME TWICE FOR THE SAME ORDER 😡',
      'you chraged me twice for the same order !!',
    ]);
    expect(placements.map((p) => p.kind)).toEqual(['alone', 'pair', 'cluster']);
  });

  it('joins posts that share a rare link and a few words, in different languages', () => {
    const link = 'https://www.heise.de/news/datenleck-bei-kestrel-9912345.html?utm_source=twitter';
    const placements = feed(new StoryClusters(), [
      `was my data stolen in the breach? ${link}`,
      `wurden meine Daten gestohlen? https://heise.de/news/datenleck-bei-kestrel-9912345.html`,
    ]);
    expect(placements[1]).toMatchObject({ kind: 'pair', withId: 'm0' });
  });

  it('treats a youtu.be link and its youtube.com page as the same link', () => {
    const [short] = storyFeatures('look https://youtu.be/xK9d2LqP0aE').filter((f) => f.key.startsWith('l:'));
    const [long] = storyFeatures('https://www.youtube.com/watch?v=xK9d2LqP0aE&si=abc').filter((f) =>
      f.key.startsWith('l:'),
    );
    expect(short?.key).toBe(long?.key);
  });

  it('keeps posts apart when they only share the words every support post uses', () => {
    const placements = feed(new StoryClusters(), [
      '@SpotifyCares please help, my account keeps logging me out of the app',
      '@AskeBay please help, my account was charged for an item I never received',
      '@Google please help with my account',
    ]);
    expect(placements.map((p) => p.kind)).toEqual(['alone', 'alone', 'alone']);
  });

  it('leaves a post with nothing to compare alone and does not keep it', () => {
    const clusters = new StoryClusters();
    expect(feed(clusters, ['@Kestrel 😡😡', '@Kestrel 😡😡', 'pls help'])).toEqual([
      { kind: 'alone' },
      { kind: 'alone' },
      { kind: 'alone' },
    ]);
    expect(clusters.size.signatures).toBe(0);
  });

  it('rarely joins real customer-care tweets of different brands or with a storm', () => {
    const real = realCareMentions();
    const clusters = new StoryClusters();
    const { clusterOf } = clusterStream(real, clusters);
    const quality = qualityOf(real, clusterOf);
    expect(real.length).toBeGreaterThan(500);
    expect(quality.crossCompanyJoinRate).toBeLessThan(0.02);

    const mixed = stormMix(2000);
    const stormQuality = qualityOf(mixed, clusterStream(mixed).clusterOf);
    expect(stormQuality.realJoinedToStory).toBeLessThanOrEqual(2);
  });

  it('gathers most of each story in one cluster, with few strangers', () => {
    const mentions = storyMentions(2000);
    const quality = qualityOf(mentions, clusterStream(mentions).clusterOf);
    expect(quality.recall).toBeGreaterThan(0.8);
    expect(quality.purity).toBeGreaterThan(0.98);
  });

  it('gives the same signature in any process: seeded, plain numbers, JSON-safe', () => {
    const signature = new StoryClusters().signatureOf('is the app down??');
    expect(new StoryClusters().signatureOf('is the app down??')).toEqual(signature);
    expect(JSON.parse(JSON.stringify(signature))).toEqual(signature);
    expect(signature).toHaveLength(128);
    expect(signature.every((value) => Number.isInteger(value) && value >= 0 && value < 2 ** 26)).toBe(true);
    // Stored signatures depend on these numbers: a change here needs a new `scheme`.
    expect(signature.slice(0, 4)).toMatchInlineSnapshot(`
      [
        5685572,
        13415416,
        6995327,
        20378841,
      ]
    `);
    expect(new StoryClusters().scheme).toBe('minhash-v1:128:1592598561');
    expect(new StoryClusters({ seed: 7 }).signatureOf('is the app down??')).not.toEqual(signature);
  });

  it('places the same way in a fresh index restored from stored seeds', () => {
    const storm = stormMix(3000);
    const before = storm.slice(0, 2500);
    const probes = storm.slice(2500);
    const original = new StoryClusters();
    clusterStream(before, original);

    // What another process would load: the clusters from PostgreSQL, in
    // reverse order to show the order does not matter, and the recent alone mentions.
    const restored = new StoryClusters();
    for (const seed of JSON.parse(JSON.stringify(original.seeds().reverse()))) restored.openCluster(seed);
    for (const { id, signature } of original.recentMentions()) restored.noteAlone(id, signature);

    expect(restored.size).toEqual(original.size);
    for (const probe of probes) {
      const signature = restored.signatureOf(probe.text);
      expect(restored.placeSignature(signature)).toEqual(original.placeSignature(signature));
    }
  });

  it('keeps a bounded number of recent mentions and clusters, forgetting the oldest', () => {
    const clusters = new StoryClusters({ recentLimit: 50, clusterLimit: 10, exemplarsPerCluster: 3 });
    for (let n = 0; n < 1000; n++) {
      clusters.noteAlone(`m${n}`, clusters.signatureOf(`order ${n} arrived broken, box number b${n * 7919}`));
    }
    for (let n = 0; n < 100; n++) {
      const signatures = [0, 1, 2, 3].map((k) =>
        clusters.signatureOf(`story ${n} variant v${k}x${n} z${n * 31}`),
      );
      clusters.openCluster({ clusterId: `c${n}`, signatures });
    }
    expect(clusters.size.recent).toBe(50);
    expect(clusters.size.clusters).toBe(10);
    expect(clusters.size.signatures).toBeLessThanOrEqual(50 + 10 * 3);
    expect(clusters.seedOf('c0')).toBeUndefined();
    expect(clusters.recentMentions()[0]?.id).toBe('m950');
  });

  it('folds clusters a mention bridges into the one it joins', () => {
    const clusters = new StoryClusters();
    const a = clusters.signatureOf('se cayó la app otra vez #kestreldown');
    const b = clusters.signatureOf('server error 503 when I open the app #kestreldown');
    clusters.openCluster({ clusterId: 'spanish', signatures: [a] });
    clusters.openCluster({ clusterId: 'english', signatures: [b] });
    const bridge = clusters.signatureOf('se cayó la app: server error 503 #kestreldown');
    expect(similarityOf(bridge, a)).toBeGreaterThanOrEqual(clusters.threshold);
    const placement = clusters.placeSignature(bridge);
    if (placement.kind !== 'cluster') throw new Error(`expected a cluster, got ${placement.kind}`);
    expect([placement.clusterId, ...placement.bridges].sort()).toEqual(['english', 'spanish']);
    clusters.noteMerged('english', ['spanish']);
    expect(clusters.seedOf('spanish')).toBeUndefined();
    expect(clusters.seedOf('english')?.signatures).toHaveLength(2);
  });
});
