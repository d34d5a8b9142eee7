import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Writes Nito-ELD's smallest n-gram database (eld 2.1, Apache-2.0) as JSON
 * into models/, where language.ts reads it. The same data parsed as JSON
 * takes about half the memory of eld's own module, which keeps its source
 * text alive; the detector itself stays eld's.
 *
 *   npx tsx scripts/language-data.ts
 */
export async function writeLanguageData(out: string): Promise<string> {
  const url = new URL('../ngrams/extrasmall.js', import.meta.resolve('eld'));
  const { ngramsData } = (await import(url.href)) as { ngramsData: { type: string } };
  const file = path.join(out, 'language-ngrams.json');
  writeFileSync(file, JSON.stringify(ngramsData));
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`wrote ${await writeLanguageData(path.resolve('models'))}`);
}
