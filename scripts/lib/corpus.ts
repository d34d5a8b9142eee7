import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LANES, TONES } from '../../src/routing/understand/categories.js';

/** One labelled post of `corpus/examples/*.jsonl`; see corpus/README.md. */
export const CorpusExampleSchema = z
  .object({
    text: z.string().min(1),
    lang: z.enum(['en', 'es', 'fr', 'de', 'it', 'nl', 'pt']),
    label: z.enum(LANES),
    tone: z.enum(TONES).nullable(),
    business: z.string().min(1),
  })
  .strict();
export type CorpusExample = z.infer<typeof CorpusExampleSchema>;

export const CORPUS_DIR = path.resolve(import.meta.dirname, '../../corpus/examples');

/** One post in five is held out for dev, by a hash of its text, so the split is the same on every machine. */
export function splitOf(text: string): 'train' | 'dev' {
  const byte = createHash('sha256').update(text).digest()[0]!;
  return byte % 5 === 0 ? 'dev' : 'train';
}

/** Reads every file of the corpus; a line that does not parse is an error naming the file, line and field. */
export function loadCorpus(split: 'train' | 'dev' | 'all', dir = CORPUS_DIR): CorpusExample[] {
  const examples: CorpusExample[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()) {
    readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() === '') return;
        const parsed = CorpusExampleSchema.safeParse(JSON.parse(line));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new Error(`${file}:${index + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
        }
        if (split === 'all' || splitOf(parsed.data.text) === split) examples.push(parsed.data);
      });
  }
  return examples;
}
