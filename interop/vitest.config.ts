import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The opt-in interop suite, run from the repository root by `npm run test:interop` with the root's vitest:
 * test files import our code from ../src (its dependencies from the root install) and the real network
 * implementations from interop/node_modules. The root's `npm test` never sees these files.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['interop/**/*.interop.test.ts'],
    // Before any test file imports @atproto/dev-env.
    setupFiles: ['interop/setup/zstd-stub.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file boots a whole network (PLC, PDS, AppView, Ozone) on a database of its own.
    maxWorkers: 1,
  },
});
