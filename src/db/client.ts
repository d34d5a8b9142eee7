import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ExtractTablesWithRelations,
  getTableColumns,
  type Query,
  type SQL,
  type Table,
} from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** Both drivers (node-postgres and PGlite) satisfy this one type. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Repository functions accept the database or a transaction. */
export type Executor = Database | Tx;

/** What db.execute() itself uses, reached for because it takes no statement name. */
interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): Query };
  session: {
    prepareQuery(
      query: Query,
      fields: undefined,
      name: string,
      arrayMode: false,
    ): { execute(placeholderValues?: Record<string, unknown>): Promise<unknown> };
  };
}

/**
 * The rows of a hand-written statement, for the few hot ones that do in one
 * round trip what the query builder would need several for. Both drivers
 * answer `{ rows }`; timestamps come back as text, so such statements return
 * them inside JSON and their callers turn them into dates. Named, the
 * statement is prepared: PostgreSQL parses and plans it once per connection
 * rather than on every call, which for these costs more than running them.
 * One name must always mean one statement text.
 */
export async function queryRows<T>(db: Executor, query: SQL, name?: string): Promise<T[]> {
  const internals = db as unknown as DrizzleInternals;
  const result = name
    ? await internals.session
        .prepareQuery(internals.dialect.sqlToQuery(query), undefined, name, false)
        .execute()
    : await db.execute(query);
  return (result as { rows: T[] }).rows;
}

/**
 * A hot hand-written statement whose text is built and compiled once: its
 * values are named in it with sql.placeholder() and given on each call, so a
 * call costs the round trip and not the building of the text. Prepared under
 * `name`, as queryRows' named statements are.
 */
export function compiledStatement<T, V extends Record<string, unknown>>(name: string, text: SQL) {
  let query: Query | undefined;
  return async (db: Executor, values: V): Promise<T[]> => {
    const internals = db as unknown as DrizzleInternals;
    query ??= internals.dialect.sqlToQuery(text);
    const result = await internals.session.prepareQuery(query, undefined, name, false).execute(values);
    return (result as { rows: T[] }).rows;
  };
}

export interface DatabaseHandle {
  db: Database;
  driver: 'postgres' | 'pglite';
  /** Calls `onNotify` on each NOTIFY on `channel` (a plain identifier); resolves to the way to stop. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * A row PostgreSQL handed back as JSON (to_json of a table's row, inside a
 * statement that gathers several reads into one), mapped as drizzle maps the
 * table's own rows: camelCase keys, timestamps as dates.
 */
export function fromJsonRow<T extends Table>(table: T, json: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = json[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * PostgreSQL through pg when a URL is given; otherwise the embedded PGlite in
 * `dataDir` (or in memory for `memory://`), so a newcomer needs no server.
 * Migrations are applied before the handle is returned.
 */
export async function openDatabase(options: {
  url: string | undefined;
  dataDir: string;
  poolSize?: number;
}): Promise<DatabaseHandle> {
  if (options.url) {
    const { Pool } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // The app's named statements are lookups by key on indexed columns, whose plan does not depend on
      // the values: planning them once per connection (a generic plan) beats replanning on every call.
      options: '-c plan_cache_mode=force_generic_plan',
    });
    // An idle client cut off by the server (restart, failover) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzle(pool, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const listen = async (channel: string, onNotify: () => void) => {
      // LISTEN belongs to a session: one client is kept out of the pool for it.
      const client = await pool.connect();
      client.on('notification', onNotify);
      client.on('error', () => {});
      await client.query(`LISTEN ${channel}`);
      return async () => {
        await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
        client.release();
      };
    };
    return { db, driver: 'postgres', listen, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const inMemory = options.dataDir === 'memory://';
  if (!inMemory) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(inMemory ? undefined : `${options.dataDir}/pglite`);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  const listen = async (channel: string, onNotify: () => void) => {
    const unlisten = await client.listen(channel, onNotify);
    return () => unlisten();
  };
  return { db, driver: 'pglite', listen, close: () => client.close() };
}
