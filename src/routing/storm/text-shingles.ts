import { STOPWORDS } from '../understand/stopwords.js';
import { fold, words } from '../understand/text.js';

/**
 * What a mention's text says, as weighted features for story clustering.
 *
 * The weights are what make "the same story" mean the right thing: a shared
 * link or hashtag is strong evidence, a content word is ordinary evidence,
 * and the words every customer-care post uses ("app", "help", "account")
 * count little, so they cannot glue unrelated posts together on their own.
 * A weight is an integer because the signature treats a feature of weight w
 * as w distinct copies (weighted Jaccard by replication).
 */
export interface StoryFeature {
  readonly key: string;
  readonly weight: number;
}

export const FEATURE_WEIGHT = {
  /** host + path of a link: the same article or status page is the same story. */
  link: 8,
  hashtag: 6,
  word: 2,
  /** A link's host alone (twitter.com, youtube.com) says little. */
  host: 1,
  commonWord: 1,
  /** Character trigrams of short posts, so "login"/"loging" and "app"/"apps" still meet. */
  shingle: 1,
} as const;

/** Posts with at most this many content words also get character shingles. */
const SHORT_POST_WORDS = 6;

/** Words stemmed to this many letters: a crude, language-neutral stem ("crashing", "crashed"). */
const STEM_LENGTH = 6;

/**
 * Words of customer-care posts in any story: fine as a tie-breaker, never as
 * the reason two posts belong together. Folded (no accents), like the text.
 */
const COMMON_WORDS = new Set(
  `app apps account help please pls plz thanks thank thx support issue issues problem problems still again
  why anyone else today now get getting got working work works fix fixed phone hi hello hey guys customer
  service time day days hour hours minute minutes know need want tried trying try like one back use using
  rt link new way really even going anything something nothing since ever want wants yet already
  think having trouble able unable cannot cant can't won't don't doesn't didn't isn't let's make
  ayuda cuenta problema favor gracias hola hoy ahora otra vez nada algo
  ajuda conta obrigado obrigada ola hoje agora outra nada algo
  hulp bedankt hallo vandaag weer nu iets niets
  hilfe konto danke bitte hallo heute wieder jetzt etwas nichts`
    .split(/\s+/)
    .filter(Boolean),
);

const LINK = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+/giu;
// A handle starts after a non-word character, so e-mail addresses stay whole.
const HANDLE = /(^|[^\p{L}\p{N}_])@[A-Za-z0-9_]{1,30}/gu;
const HASHTAG = /#[\p{L}\p{N}_]+/gu;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"…]+$/u;

/** The features of one mention's text, each key once with its largest weight. */
export function storyFeatures(text: string): StoryFeature[] {
  const weights = new Map<string, number>();
  const add = (key: string, weight: number) => {
    if ((weights.get(key) ?? 0) < weight) weights.set(key, weight);
  };

  let rest = text.replace(LINK, (link) => {
    for (const [key, weight] of linkFeatures(link)) add(key, weight);
    return ' ';
  });
  rest = rest.replace(HANDLE, '$1 ');
  for (const tag of fold(rest).match(HASHTAG) ?? []) add(tag, FEATURE_WEIGHT.hashtag);

  const content: string[] = [];
  for (const word of words(fold(rest))) {
    if (STOPWORDS.has(word) || isNoise(word)) continue;
    if (COMMON_WORDS.has(word)) {
      add(`w:${word}`, FEATURE_WEIGHT.commonWord);
      continue;
    }
    content.push(word);
    add(`w:${word.slice(0, STEM_LENGTH)}`, FEATURE_WEIGHT.word);
  }
  // Only the words every post uses ("pls help", "link"): nothing to tell a story by.
  if (content.length === 0 && ![...weights.keys()].some((key) => !key.startsWith('w:'))) return [];
  if (content.length <= SHORT_POST_WORDS) {
    for (const word of content) for (const gram of trigrams(word)) add(`c:${gram}`, FEATURE_WEIGHT.shingle);
  }
  return [...weights].map(([key, weight]) => ({ key, weight }));
}

/** Query parameters that name what a link points at (a video, an article), not who shared it. */
const IDENTIFYING_PARAMETERS = new Set(['v', 'id', 'p', 'story', 'article', 'q']);

/**
 * A link as its host, path and identifying parameters: the rest of a query is
 * tracking. A youtu.be link is the youtube.com video it points at.
 */
function linkFeatures(raw: string): Array<[string, number]> {
  const trimmed = raw.replace(TRAILING_PUNCTUATION, '');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return [];
  }
  let host = url.hostname.toLowerCase().replace(/^(www|m|mobile)\./, '');
  let path = url.pathname.replace(/\/+$/, '');
  const kept = [...url.searchParams].filter(([name]) => IDENTIFYING_PARAMETERS.has(name)).sort();
  if (host === 'youtu.be' && path !== '') {
    kept.push(['v', path.slice(1)]);
    [host, path] = ['youtube.com', '/watch'];
  }
  path += kept.length === 0 ? '' : `?${new URLSearchParams(kept).toString()}`;
  if (path === '') return [[`h:${host}`, FEATURE_WEIGHT.word]];
  return [
    [`l:${host}${path}`, FEATURE_WEIGHT.link],
    [`h:${host}`, FEATURE_WEIGHT.host],
  ];
}

/** Single characters and lone digits carry no story ("2", "x"); "503" or "4k" do. */
function isNoise(word: string): boolean {
  return word.length < 2;
}

function trigrams(word: string): string[] {
  const padded = `^${word}$`;
  const grams: string[] = [];
  for (let at = 0; at + 3 <= padded.length; at++) grams.push(padded.slice(at, at + 3));
  return grams;
}
