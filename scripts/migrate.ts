/** Applies the SQL migrations to DATABASE_URL (or the embedded PGlite in DATA_DIR) and exits. */
import { openDatabase } from '../src/db/client.js';

const url = process.env.DATABASE_URL || undefined;
const handle = await openDatabase({ url, dataDir: process.env.DATA_DIR || './data' });
console.log(`migrations applied (${handle.driver})`);
await handle.close();
