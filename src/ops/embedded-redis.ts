import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { AppError } from '../contract/errors.js';

export interface EmbeddedRedis {
  url: string;
  stop(): Promise<void>;
}

export const REDIS_MISSING_MESSAGE = [
  'REDIS_URL is not set and no redis-server binary was found on PATH.',
  'Either install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),',
  'or start one with `docker compose up -d redis` and set REDIS_URL=redis://127.0.0.1:6379.',
].join('\n');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * A private redis-server for the embedded default (REDIS_URL unset), the
 * counterpart of PGlite: loopback only, its files under `dataDir`, and it
 * dies with the app. An append-only file keeps queued jobs across restarts;
 * `persist: false` (the demo) keeps nothing.
 */
export async function startEmbeddedRedis(options: {
  dataDir: string;
  persist?: boolean;
  binary?: string;
}): Promise<EmbeddedRedis> {
  const dir = resolve(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const persist = options.persist ?? true;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    persist ? 'yes' : 'no',
    // BullMQ requires that Redis never evicts its keys.
    '--maxmemory-policy',
    'noeviction',
  ];
  let child: ChildProcess;
  try {
    child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await Promise.race([
      once(child, 'spawn'),
      once(child, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('redis.missing', REDIS_MISSING_MESSAGE);
    throw error;
  }
  const output: string[] = [];
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output.join('')}`)),
      10_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output.join('')}`));
    });
  });
  await ready;
  // Once ready, its log is of no further interest; keep draining so the pipe never blocks it.
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  // If the app dies without stop(), the private server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
