import zlib from 'node:zlib';

/**
 * Loaded before any test file (vitest `setupFiles`), so before @atproto/dev-env and its dependencies read
 * `node:zlib`. Node 20 has no zstd; newer atproto code expects `zlib.createZstdDecompress` to exist. On Node
 * 22.15+ the real one is kept. Local dev-env services never send zstd, so the stub is never called; if it
 * is, it says so instead of returning garbage.
 */
const z = zlib as unknown as Record<string, unknown>;
if (typeof z.createZstdDecompress !== 'function') {
  z.createZstdDecompress = () => {
    throw new Error('zstd is not available on this Node version (interop stub)');
  };
}
