import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';

/** The server tests create their private databases on; CI's PostgreSQL on loopback by default. */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

export type DatabaseKind = 'postgres' | 'pglite';
export const DATABASE_KINDS: DatabaseKind[] = ['postgres', 'pglite'];

export interface TestDatabase extends DatabaseHandle {
  /** The URL of the private PostgreSQL database, or undefined for PGlite. */
  url: string | undefined;
  destroy(): Promise<void>;
}

/** A fresh, migrated database of its own: a new PostgreSQL database, or an in-memory PGlite. */
export async function createTestDatabase(kind: DatabaseKind = 'postgres'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ url: undefined, dataDir: 'memory://' });
    return { ...handle, url: undefined, destroy: () => handle.close() };
  }
  const name = `fh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), dataDir: 'unused', poolSize: 5 });
  return {
    ...handle,
    url: url.toString(),
    async destroy() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
