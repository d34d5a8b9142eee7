import { readFileSync, writeFileSync } from 'node:fs';
import { MentionSchema } from '../src/contract/mention.js';
import { detectLanguage } from '../src/routing/understand/language.js';

/**
 * The 585 real customer-care tweets as routine traffic for the corpus: none
 * of them is spam or for an owner alone, and their tone is not labelled.
 *
 *   npx tsx scripts/corpus-tweets.ts
 */
const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'nl', 'pt'] as const;
const lines = readFileSync('fixtures/twitter-customer-care/mentions.jsonl', 'utf8').split('\n');
const out: string[] = [];
const seen = new Set<string>();
for (const line of lines) {
  if (line.trim() === '') continue;
  const mention = MentionSchema.parse(JSON.parse(line));
  if (seen.has(mention.text)) continue;
  seen.add(mention.text);
  const guess = detectLanguage(mention.text, LANGUAGES).code;
  const lang = LANGUAGES.find((code) => code === guess) ?? 'en';
  out.push(
    JSON.stringify({ text: mention.text, lang, label: 'routine', tone: null, business: mention.account }),
  );
}
writeFileSync('corpus/examples/tweets.jsonl', `${out.join('\n')}\n`);
console.log(`${out.length} tweets written to corpus/examples/tweets.jsonl`);
