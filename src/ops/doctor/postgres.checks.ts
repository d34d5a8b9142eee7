import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import { type CheckResult, errorText, fail, ok, warn } from './check.js';

const JOURNAL_PATH = fileURLToPath(new URL('../../../migrations/meta/_journal.json', import.meta.url));
/** The oldest major the project is tested on; older ones are out of community support. */
const MIN_POSTGRES_MAJOR = 15;

const JournalSchema = z.object({ entries: z.array(z.object({ tag: z.string(), when: z.number() })) });
export type MigrationEntry = z.infer<typeof JournalSchema>['entries'][number];

export function readMigrationJournal(path = JOURNAL_PATH): MigrationEntry[] {
  return JournalSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).entries;
}

/** `server_version_num`, e.g. 150020 for 15.20. */
export function judgePostgresVersion(versionNum: number): CheckResult {
  const major = Math.floor(versionNum / 10_000);
  const shown = `PostgreSQL ${major}.${versionNum % 10_000}`;
  if (major < MIN_POSTGRES_MAJOR) {
    return warn('PostgreSQL version', shown, `upgrade to PostgreSQL ${MIN_POSTGRES_MAJOR} or later`);
  }
  return ok('PostgreSQL version', shown);
}

/**
 * Drizzle applies every migration newer than the newest it recorded, so the
 * journal entries past that one are the pending ones. `applied` is the
 * created_at column of drizzle.__drizzle_migrations, undefined when the table
 * does not exist yet.
 */
export function judgeMigrations(journal: MigrationEntry[], applied: number[] | undefined): CheckResult {
  const name = 'PostgreSQL migrations';
  const fix = 'run npm run db:migrate with the same DATABASE_URL (the app also migrates when it starts)';
  if (!applied || applied.length === 0) return fail(name, `none of ${journal.length} applied`, fix);
  const newest = Math.max(...applied);
  const pending = journal.filter((entry) => entry.when > newest);
  if (pending.length > 0) {
    return fail(
      name,
      `${pending.length} of ${journal.length} pending: ${pending.map((e) => e.tag).join(', ')}`,
      fix,
    );
  }
  const latest = journal.at(-1);
  if (latest && newest > latest.when) {
    return warn(
      name,
      'the database holds migrations newer than this code knows',
      'run the same version of Firsthand that migrated this database',
    );
  }
  return ok(name, `all ${journal.length} applied (latest ${latest?.tag})`);
}

export async function checkPostgres(url: string | undefined, dataDir: string): Promise<CheckResult[]> {
  if (!url) {
    return [
      ok(
        'PostgreSQL',
        `DATABASE_URL unset: the app uses the embedded PGlite in ${dataDir} and migrates it at start`,
      ),
    ];
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const version = await client.query<{ server_version_num: string }>('show server_version_num');
    const table = await client.query<{ present: boolean }>(
      "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
    );
    const applied = table.rows[0]?.present
      ? (
          await client.query<{ created_at: string }>('select created_at from drizzle.__drizzle_migrations')
        ).rows.map((row) => Number(row.created_at))
      : undefined;
    return [
      judgePostgresVersion(Number(version.rows[0]?.server_version_num)),
      judgeMigrations(readMigrationJournal(), applied),
    ];
  } catch (error) {
    return [
      fail(
        'PostgreSQL',
        `cannot query DATABASE_URL: ${errorText(error)}`,
        'check DATABASE_URL and that PostgreSQL is running',
      ),
    ];
  } finally {
    await client.end().catch(() => {});
  }
}
