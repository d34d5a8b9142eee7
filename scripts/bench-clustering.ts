import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../src/routing/seeded-random.js';
import { StoryClusters, type StoryText } from '../src/routing/storm/story-clusters.js';

/**
 * Story clustering in a storm (issue #21): speed and quality.
 *
 *   npx tsx scripts/bench-clustering.ts
 *
 * 8,000 mentions from five generated stories (paraphrases in five languages,
 * typos, emoji, links, hashtags) are interleaved with the real customer-care
 * tweets of fixtures/twitter-customer-care (Apache-2.0), which tell no shared
 * story. It prints the median time per mention over five runs, the recall
 * (share of a story's mentions in its largest cluster), the purity of the
 * clusters, and the false-join rate (share of real tweets put in a cluster
 * with anything but a turn of their own conversation).
 */

export interface LabelledMention extends StoryText {
  /** `story:<name>` for generated mentions, `real:<company>:<conversation>` for real tweets. */
  readonly label: string;
}

export interface ClusteringFigures {
  mentions: number;
  storyMentions: number;
  realMentions: number;
  runs: number;
  medianMicrosPerMention: number;
  recall: number;
  recallByStory: Record<string, number>;
  purity: number;
  falseJoinRate: number;
  falseJoins: number;
  crossCompanyJoinRate: number;
  realJoinedToStory: number;
  clusters: number;
}

const CONVERSATIONS = fileURLToPath(
  new URL('../fixtures/twitter-customer-care/conversations.json', import.meta.url),
);

interface Conversation {
  dialogHeader: { company: string };
  dialogContent: Array<{ client?: string; message?: string }>;
}

/**
 * Every distinct customer message of the real conversations (570), labelled
 * by conversation: follow-ups in one thread may well cluster, that is right.
 */
export function realCareMentions(): LabelledMention[] {
  const conversations = JSON.parse(readFileSync(CONVERSATIONS, 'utf8')) as Conversation[];
  const seen = new Set<string>();
  const out: LabelledMention[] = [];
  conversations.forEach((conversation, index) => {
    for (const turn of conversation.dialogContent) {
      if (turn.client === undefined || turn.message === undefined || seen.has(turn.message)) continue;
      seen.add(turn.message);
      out.push({
        id: `real-${out.length}`,
        text: turn.message,
        label: `real:${conversation.dialogHeader.company}:${index}`,
      });
    }
  });
  return out;
}

interface Story {
  readonly name: string;
  /** What people say, in their words; a story's mentions pick one and dress it up. */
  readonly cores: readonly string[];
  readonly tags: readonly string[];
  readonly links: readonly string[];
}

/**
 * Five storms at a fictional bank-and-shopping app, Kestrel. The cores are
 * paraphrases (several languages each); the dressing adds handles, emoji,
 * hashtags, links, typos and shouting.
 */
export const STORIES: readonly Story[] = [
  {
    name: 'outage',
    cores: [
      'is the app down??',
      'app down again?!',
      'your app is down for me too',
      'is kestrel down or is it just me',
      "app won't load, just a white screen",
      'the app is down, cannot log in at all',
      'login keeps failing, app down?',
      'down again. third time this month',
      'cant log in to the app, says server error',
      'server error 503 when I open the app',
      'app not loading for anyone else?',
      'la app no carga, está caída?',
      'se cayó la app otra vez',
      'la app está caída, no puedo entrar',
      'o app caiu de novo?',
      'app fora do ar, não consigo entrar',
    ],
    tags: ['#kestreldown', '#outage', '#appdown'],
    links: ['https://status.kestrel.app/incidents/7f3kq2', 'https://downdetector.com/status/kestrel/'],
  },
  {
    name: 'double-charge',
    cores: [
      'you charged me twice for the same order',
      'double charged on my card for one order',
      'why was I charged twice?? I want my money back',
      'two identical charges on my statement from you today',
      'got billed twice for order, refund please',
      'my card was charged 2 times for a single purchase',
      'duplicate charge on my account, same amount twice',
      'charged twice again, this is the second time',
      'me cobraron dos veces el mismo pedido',
      'cobro duplicado en mi tarjeta, devuélvanme el dinero',
      'fui cobrado duas vezes pelo mesmo pedido',
      'cobrança duplicada no cartão, quero meu dinheiro de volta',
    ],
    tags: ['#doublecharged', '#refund'],
    links: [],
  },
  {
    name: 'ad-backlash',
    cores: [
      'your new ad is offensive',
      'that commercial with the dog is disgusting',
      'pull the new ad now, it is tone deaf',
      'who approved this ad?? shameful',
      'the new advert mocks people with disabilities, not ok',
      'deleting the app after that ad',
      'this commercial is gross, boycott',
      'jullie nieuwe reclame is walgelijk',
      'die nieuwe reclame met de hond is echt schandalig',
      'haal die reclame offline, respectloos',
      'jullie reclame is beledigend, ik stop als klant',
    ],
    tags: ['#boycottkestrel', '#kestrelad'],
    links: ['https://youtu.be/xK9d2LqP0aE', 'https://www.youtube.com/watch?v=xK9d2LqP0aE'],
  },
  {
    name: 'data-breach',
    cores: [
      'got an email saying my data was leaked, is this real?',
      'was my personal data stolen in your breach?',
      'data breach?? why did I hear it from the news first',
      'my password was in the leak, what are you doing about it',
      'how many customers were affected by the data breach',
      'is the breach email legit or phishing',
      'your breach exposed my address and phone number',
      'ich habe eine mail über ein datenleck bekommen, stimmt das?',
      'wurden meine daten beim datenleck gestohlen?',
      'datenleck bei kestrel, warum erfahre ich das aus der zeitung',
      'sind meine kontodaten vom datenleck betroffen',
    ],
    tags: ['#kestrelbreach', '#dataleak'],
    links: [
      'https://www.theverge.com/2024/3/12/kestrel-breach-customer-data',
      'https://www.heise.de/news/datenleck-bei-kestrel-9912345.html',
    ],
  },
  {
    name: 'promo-code',
    cores: [
      'promo code SPRING25 does not work',
      'SPRING25 says invalid code at checkout',
      'your spring25 discount code is not applying',
      'the 25% off code from your email is broken',
      'checkout rejects SPRING25, expired already??',
      'tried SPRING25 three times, code invalid',
      'el código SPRING25 no funciona',
      'el cupón SPRING25 dice que no es válido',
      'o cupom SPRING25 não funciona no checkout',
      'código SPRING25 inválido, já expirou?',
    ],
    tags: ['#spring25', '#kestrelsale'],
    links: ['https://kestrel.app/promo/spring25'],
  },
];

const OPENERS = [
  '',
  '',
  '',
  '@Kestrel ',
  '@KestrelHelp ',
  '@Kestrel @KestrelHelp ',
  'omg ',
  'ugh ',
  'hey @Kestrel ',
];
const CLOSERS = [
  '',
  '',
  '',
  ' 😡',
  ' 😩😩',
  ' !!',
  ' ???',
  ' anyone else?',
  ' pls fix',
  ' 🙄',
  ' smh',
  ' #fail',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Swaps two neighbouring letters of one word: "login" -> "lgoin". */
function typo(random: () => number, text: string): string {
  const spots = [...text.matchAll(/\p{L}{4,}/gu)];
  if (spots.length === 0) return text;
  const spot = pick(random, spots);
  const at = spot.index + 1 + Math.floor(random() * (spot[0].length - 2));
  return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
}

/** `count` story mentions, the five stories interleaved at random. */
export function storyMentions(count: number, seed = 21): LabelledMention[] {
  const random = seededRandom(seed);
  const out: LabelledMention[] = [];
  for (let n = 0; n < count; n++) {
    const story = pick(random, STORIES);
    let text = pick(random, story.cores);
    if (random() < 0.15) text = typo(random, text);
    if (random() < 0.08) text = text.toUpperCase();
    text = pick(random, OPENERS) + text;
    if (story.tags.length > 0 && random() < 0.35) text += ` ${pick(random, story.tags)}`;
    if (story.links.length > 0 && random() < 0.25) text += ` ${pick(random, story.links)}`;
    text += pick(random, CLOSERS);
    out.push({ id: `story-${n}`, text, label: `story:${story.name}` });
  }
  return out;
}

/** Story mentions and real tweets interleaved deterministically, real ones spread evenly. */
export function stormMix(stories: number, seed = 21): LabelledMention[] {
  const story = storyMentions(stories, seed);
  const real = realCareMentions();
  const out: LabelledMention[] = [];
  const every = Math.max(1, Math.floor(story.length / Math.max(1, real.length)));
  let r = 0;
  story.forEach((mention, index) => {
    out.push(mention);
    if (index % every === every - 1 && r < real.length) out.push(real[r++]!);
  });
  while (r < real.length) out.push(real[r++]!);
  return out;
}

/** Streams `mentions` through a fresh index; returns each mention's final cluster (or none). */
export function clusterStream(
  mentions: readonly LabelledMention[],
  clusters = new StoryClusters(),
): { clusterOf: Map<string, string>; micros: number } {
  const clusterOf = new Map<string, string>();
  // Folded clusters point at the one they went into.
  const foldedInto = new Map<string, string>();
  let opened = 0;
  const started = process.hrtime.bigint();
  for (const mention of mentions) {
    const { placement, clusterId } = clusters.absorb(mention, () => `c${opened++}`);
    if (clusterId === undefined) continue;
    clusterOf.set(mention.id, clusterId);
    if (placement.kind === 'pair') clusterOf.set(placement.withId, clusterId);
    if (placement.kind === 'cluster')
      for (const bridged of placement.bridges) foldedInto.set(bridged, clusterId);
  }
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  const finalOf = (clusterId: string): string => {
    const into = foldedInto.get(clusterId);
    return into === undefined ? clusterId : finalOf(into);
  };
  for (const [id, clusterId] of clusterOf) clusterOf.set(id, finalOf(clusterId));
  return { clusterOf, micros };
}

/** Recall, purity and false joins of one clustering of `mentions`. */
export function qualityOf(mentions: readonly LabelledMention[], clusterOf: ReadonlyMap<string, string>) {
  const labelOf = new Map(mentions.map((m) => [m.id, m.label]));
  const members = new Map<string, string[]>();
  for (const [id, clusterId] of clusterOf) {
    const list = members.get(clusterId) ?? [];
    list.push(labelOf.get(id)!);
    members.set(clusterId, list);
  }

  // Purity: in each cluster, the share of its most common label, weighted by size.
  let majority = 0;
  let clustered = 0;
  const largestByStory = new Map<string, number>();
  for (const labels of members.values()) {
    const counts = countOf(labels);
    const [top, topCount] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    majority += topCount;
    clustered += labels.length;
    if (top.startsWith('story:')) {
      largestByStory.set(top, Math.max(largestByStory.get(top) ?? 0, topCount));
    }
  }

  const storyTotals = countOf(mentions.filter((m) => m.label.startsWith('story:')).map((m) => m.label));
  const recallByStory: Record<string, number> = {};
  let inLargest = 0;
  let storyTotal = 0;
  for (const [label, total] of storyTotals) {
    const largest = largestByStory.get(label) ?? 0;
    recallByStory[label.slice('story:'.length)] = round(largest / total);
    inLargest += largest;
    storyTotal += total;
  }

  // A false join: a real tweet sharing a cluster with anything but its own conversation.
  // Many are two customers of one brand with one problem ("recover my gmail"), which
  // is a story too; joins across brands or with a generated story are the clear errors.
  let falseJoins = 0;
  let crossCompany = 0;
  let realJoinedToStory = 0;
  const companyOf = (label: string) => label.split(':').slice(0, 2).join(':');
  const real = mentions.filter((m) => m.label.startsWith('real:'));
  for (const mention of real) {
    const clusterId = clusterOf.get(mention.id);
    if (clusterId === undefined) continue;
    const labels = members.get(clusterId)!;
    if (labels.some((label) => label !== mention.label)) falseJoins++;
    if (labels.some((label) => companyOf(label) !== companyOf(mention.label))) crossCompany++;
    if (labels.some((label) => label.startsWith('story:'))) realJoinedToStory++;
  }

  return {
    recall: round(inLargest / Math.max(1, storyTotal)),
    recallByStory,
    purity: round(majority / Math.max(1, clustered)),
    falseJoins,
    falseJoinRate: round(falseJoins / Math.max(1, real.length)),
    crossCompanyJoinRate: round(crossCompany / Math.max(1, real.length)),
    realJoinedToStory,
    clusters: members.size,
  };
}

function countOf(labels: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return counts;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The figures for the main bench: 8,000 story mentions with every real tweet, five runs. */
export async function clusteringFigures(stories = 8000, runs = 5): Promise<ClusteringFigures> {
  const mentions = stormMix(stories);
  const timings: number[] = [];
  let last: ReturnType<typeof clusterStream> | undefined;
  for (let run = 0; run < runs; run++) {
    last = clusterStream(mentions);
    timings.push(last.micros / mentions.length);
  }
  timings.sort((a, b) => a - b);
  const quality = qualityOf(mentions, last!.clusterOf);
  return {
    mentions: mentions.length,
    storyMentions: stories,
    realMentions: mentions.length - stories,
    runs,
    medianMicrosPerMention: Math.round(timings[Math.floor(timings.length / 2)]! * 10) / 10,
    ...quality,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const figures = await clusteringFigures();
  console.log(JSON.stringify(figures, null, 2));
}
