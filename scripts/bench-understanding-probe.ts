/**
 * Run by `npm run bench` (its understanding section) in a fresh process for
 * each measurement, so what is loaded once in the app's life is timed as the
 * app first meets it. Prints one JSON object.
 *
 *   node --import tsx scripts/bench-understanding-probe.ts model | model-files | language | language-files
 *   node --expose-gc --import tsx scripts/bench-understanding-probe.ts memory
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadPolicyFile } from '../src/routing/policy-file.js';
import type { RoutingSnapshot } from '../src/routing/snapshot.js';
import { loadTeamFile } from '../src/routing/team-file.js';
import { asMention, readConvertedMentions } from './convert-twitter.js';
import { startingRoster } from './lib/roster.js';

const MODEL_DIR = new URL('../models/', import.meta.url);

/** Milliseconds `work` takes, from before its first step to after its last. */
async function timed(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const probes: Record<string, () => Promise<Record<string, number>>> = {
  // The model's first use: reading, checking and unpacking models/understanding.{json,bin}.
  model: async () => {
    const { builtInModel } = await import('../src/routing/understand/model.js');
    return { ms: await timed(() => builtInModel()) };
  },
  // Its floor: the same two files read from disk, and the small description parsed.
  'model-files': async () => ({
    ms: await timed(() => {
      JSON.parse(readFileSync(new URL('understanding.json', MODEL_DIR), 'utf8'));
      readFileSync(new URL('understanding.bin', MODEL_DIR));
    }),
  }),
  // language.ts builds its detector at module load ('eld/extrasmall').
  language: async () => ({ ms: await timed(() => import('../src/routing/understand/language.js')) }),
  // Its floor: the detector's n-gram table read from disk, where the package keeps it.
  'language-files': async () => {
    const table = new URL('../ngrams/extrasmall.js', import.meta.resolve('eld/extrasmall'));
    return { ms: await timed(() => readFileSync(table, 'utf8')) };
  },
  /**
   * Memory that understanding costs the router. The policy, the team and the
   * tweets are in memory first; then the reading is loaded (its modules, the
   * language detector and the model), then every tweet routed once. Measured
   * after a full collection each time, so only what stays counts.
   */
  memory: async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with node --expose-gc');
    const policy = loadPolicyFile('examples/policy.yaml');
    const snapshot: RoutingSnapshot = {
      staff: startingRoster(loadTeamFile('examples/team.yaml')),
      history: [],
      recentComplaints: 0,
    };
    const tweets = readConvertedMentions().map(asMention);
    const now = new Date();
    const measure = (label: string) => {
      gc();
      const usage = process.memoryUsage();
      const mb = (bytes: number) => bytes / 2 ** 20;
      // Buffers and typed arrays (the model's weights among them) live outside the heap, in `external`.
      return {
        [`${label}RssMb`]: mb(usage.rss),
        [`${label}HeapMb`]: mb(usage.heapUsed),
        [`${label}ExternalMb`]: mb(usage.external),
      };
    };
    const before = measure('before');
    const { understand } = await import('../src/routing/understand/index.js');
    const { decide } = await import('../src/routing/decide.js');
    const { builtInModel } = await import('../src/routing/understand/model.js');
    builtInModel();
    const loaded = measure('loaded');
    let escalated = 0;
    for (const mention of tweets) {
      if (decide(mention, understand(mention, policy), snapshot, policy, now).action === 'escalate')
        escalated++;
    }
    return { mentions: tweets.length, escalated, ...before, ...loaded, ...measure('routed') };
  },
};

const probe = probes[process.argv[2] ?? ''];
if (!probe) throw new Error(`probe one of: ${Object.keys(probes).join(', ')}`);
process.stdout.write(`${JSON.stringify(await probe())}\n`);
