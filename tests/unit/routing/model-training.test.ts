import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCorpus, splitOf } from '../../../scripts/lib/corpus.js';
import { train } from '../../../scripts/train.js';
import { ModelMetaSchema, parseModel, readWithModel } from '../../../src/routing/understand/model.js';

describe('the understanding model', () => {
  it('is exactly what npm run train makes from the committed corpus', () => {
    const { meta, bytes } = train(loadCorpus('train'));
    const shipped = ModelMetaSchema.parse(JSON.parse(readFileSync('models/understanding.json', 'utf8')));
    expect(shipped).toEqual(meta);
    expect(Buffer.compare(readFileSync('models/understanding.bin'), Buffer.from(bytes))).toBe(0);
  }, 120_000);

  it('keeps dev examples out of training, by a split that does not depend on the machine', () => {
    expect(splitOf('Do you open on Sundays?')).toBe(splitOf('Do you open on Sundays?'));
    const dev = loadCorpus('dev');
    const trainTexts = new Set(loadCorpus('train').map((e) => e.text));
    expect(dev.length).toBeGreaterThan(1000);
    expect(dev.filter((e) => trainTexts.has(e.text))).toEqual([]);
  });

  it('learns from a handful of posts and explains a verdict with the words that moved it', () => {
    const examples = [
      ...['my solicitor will write to you', 'see you in small claims court', 'my lawyer has the photos'].map(
        (text) => ({
          text,
          lang: 'en' as const,
          label: 'legal' as const,
          tone: 'angry' as const,
          business: 'cafe',
        }),
      ),
      ...['do you open on sunday', 'lovely coffee thanks', 'can I book a table'].map((text) => ({
        text,
        lang: 'en' as const,
        label: 'routine' as const,
        tone: 'neutral' as const,
        business: 'cafe',
      })),
    ];
    const { meta, bytes } = train(examples);
    const model = parseModel(meta, bytes);
    const reading = readWithModel(model, 'my solicitor says see you in court');
    expect(reading.lane.label).toBe('legal');
    expect(reading.evidenceFor('legal')).toContain('solicitor');
    expect(readWithModel(model, 'can I book for sunday').lane.label).toBe('routine');
  });
});
