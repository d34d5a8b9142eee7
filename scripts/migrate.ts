/** Applies the SQL migrations to DATABASE_URL (or the embedded PGlite in DATA_DIR) and exits. */
import { ConfigError, loadDatabaseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';

try {
  const handle = await openDatabase(loadDatabaseConfig());
  console.log(`migrations applied (${handle.driver})`);
  await handle.close();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
