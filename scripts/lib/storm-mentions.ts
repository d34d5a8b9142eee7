import type { Mention } from '../../src/contract/mention.js';
import { seededRandom } from '../../src/routing/seeded-random.js';
import { realCareMentions, storyMentions } from '../bench-clustering.js';
import { loadCorpus } from './corpus.js';

/**
 * The bench's storm (issue #21): a minute's mentions, most of them telling
 * one of five stories (scripts/bench-clustering.ts generates them: paraphrases
 * in five languages, typos, emoji, links, hashtags), the rest unrelated
 * customers with questions of their own.
 *
 * The unrelated ones: every distinct customer message of the real
 * customer-care tweets (fixtures/twitter-customer-care, 570 texts) once, then
 * routine posts of corpus/examples (the labelled posts a business receives,
 * seven languages, `routine` lane only: no spam, no owner lane) up to the
 * count asked. Each text is posted once: the real tweets repeated, even
 * perturbed, are near-duplicates that the clusterer rightly gathers (3.5
 * customers posting the same words is a story), and the same words from
 * several accounts read as a copy-paste campaign, so a repeat measures the
 * bench's shortage of text rather than the product.
 *
 * Every mention has an author of its own (a new customer: no conversation to
 * join), with a handle that looks like a person's, and a follower count.
 */
export interface StormMention {
  mention: Mention;
  /** `story:<name>`, `real:<company>:<conversation>` or `corpus:<lang>:<business>`. */
  label: string;
}

export interface StormMix {
  mentions: StormMention[];
  stories: number;
  unrelated: number;
  /** How many of the unrelated are real customer-care tweets, and how many come from corpus/examples. */
  realTweets: number;
  corpusPosts: number;
}

const FIRST = `maria jose ana luis sam alex chris jamie kim lee nina omar priya raj sofia tom emma liam noah
  olivia mia lucas leo ella hugo ines marta pedro joao bruno lara anna jan pieter sanne daan lotte
  max lena felix paul julia lisa nora ben zoe ruby finn ivy kai mo aisha yusuf fatima chen wei yuki
  hana dani tia rosa carla diego pablo luca giulia marco elena sara`
  .split(/\s+/)
  .filter(Boolean);
const SECOND =
  `smith jones garcia silva santos costa dijkstra devries muller schmidt rossi bianchi dubois martin
  lopez perez brown wilson taylor moore walker hall young king wright green baker adams clark lewis
  bikes runs reads cooks travels codes paints writes draws sings`
    .split(/\s+/)
    .filter(Boolean);
const SEPARATOR = ['', '_', '.', ''];

/** A handle a person might pick: a name, maybe a second part, a short tag; never a bot's long number. */
function handleOf(random: () => number, serial: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const name = pick(FIRST) + (random() < 0.7 ? pick(SEPARATOR) + pick(SECOND) : '');
  // The serial keeps handles apart; in letters and digits, at most 3 characters, as people add "_x7".
  return `${name}${random() < 0.5 ? '_' : ''}${serial.toString(36)}`.slice(0, 30);
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * `stories` story mentions and `unrelated` others, the unrelated spread
 * evenly among the stories, each with its own id and author. `run` keeps
 * ids apart between runs on one machine.
 */
export function stormMentions(stories: number, unrelated: number, run: string, seed = 21): StormMix {
  const random = seededRandom(seed);
  const told = storyMentions(stories, seed).map((m) => ({
    text: m.text,
    label: m.label,
    account: 'kestrel',
  }));
  const real = realCareMentions()
    .slice(0, unrelated)
    .map((m) => ({ text: m.text, label: m.label, account: m.label.split(':')[1] ?? 'brand' }));
  const seen = new Set(real.map((m) => m.text));
  const routine = shuffled(
    loadCorpus('all').filter((example) => example.label === 'routine'),
    random,
  ).filter((example) => !seen.has(example.text) && seen.add(example.text));
  const fromCorpus = routine.slice(0, Math.max(0, unrelated - real.length)).map((example) => ({
    text: example.text,
    label: `corpus:${example.lang}:${example.business}`,
    account: 'brand',
  }));
  if (real.length + fromCorpus.length < unrelated)
    throw new Error(`only ${real.length + fromCorpus.length} distinct unrelated texts, ${unrelated} asked`);
  // The real tweets and the corpus posts mixed, so neither is bunched at one end of the minute.
  const others = shuffled([...real, ...fromCorpus], random);

  const ordered: { text: string; label: string; account: string }[] = [];
  const every = told.length / Math.max(1, others.length);
  let next = 0;
  told.forEach((mention, index) => {
    ordered.push(mention);
    while (next < others.length && next < (index + 1) / every) ordered.push(others[next++]!);
  });
  while (next < others.length) ordered.push(others[next++]!);

  const mentions = ordered.map(({ text, label, account }, n): StormMention => {
    const handle = handleOf(random, n);
    const externalId = `storm-${run}-${n}`;
    return {
      label,
      mention: {
        network: 'x',
        externalId,
        account,
        author: {
          id: `storm-author-${run}-${n}`,
          handle,
          // Most people have a few hundred followers; some have a few thousand.
          followers: Math.floor(20 + random() ** 3 * 5000),
        },
        text,
        url: `https://x.com/${handle}/status/${externalId}`,
        kind: 'mention',
        createdAt: new Date().toISOString(),
      },
    };
  });
  return {
    mentions,
    stories: told.length,
    unrelated: others.length,
    realTweets: real.length,
    corpusPosts: fromCorpus.length,
  };
}
