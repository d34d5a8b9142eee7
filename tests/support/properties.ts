/**
 * Settings for fast-check properties. CI runs them with a fixed seed, so a
 * failure there is reproducible; `PROPERTY_RUNS=5000 npx vitest run <file>`
 * runs a longer search on demand, and `PROPERTY_SEED` picks another seed.
 */
export function propertySettings(defaultRuns: number): { seed: number; numRuns: number } {
  const runs = Number(process.env.PROPERTY_RUNS);
  const seed = Number(process.env.PROPERTY_SEED);
  return {
    seed: Number.isSafeInteger(seed) ? seed : 20_261_207,
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns,
  };
}
