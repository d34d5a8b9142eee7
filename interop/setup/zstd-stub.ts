import zlib from 'node:zlib';

/**
 * Loaded before any test file (vitest `setupFiles`), so before @atproto/dev-env and its dependencies first
 * read `node:zlib`. Node 20 has no zstd (Node 22.15 added it) and issue #19 reports that dev-env 0.3.116
 * needs `zlib.createZstdDecompress` to exist there. With the versions interop/package-lock.json pins, the
 * one reader (axios, under @did-plc) checks for it first and the network boots without the stub; it stays
 * so that a re-resolved lock does not break the suite. Local dev-env services never send zstd, so it is
 * never called; if it is, it says so instead of returning garbage. Newer Node keeps its own.
 */
const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd is not available on this Node version (interop stub)');
  };
}
