/**
 * The owner's weekly digest, for a look before it goes out:
 *   npm run digest -- --dry-run [--out dir] [--week-ending ISO] [--timezone Area/City]
 * writes the chart (digest.png), the message as mrkdwn (digest.txt) and its
 * blocks (blocks.json) for the week before --week-ending (default now), in
 * the owner's time zone from the roster unless --timezone says otherwise.
 * Reads DATABASE_URL, or the embedded PGlite in DATA_DIR. Posting is the
 * app's job: it sends the digest every Monday at 08:00 in the owner's zone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { nextDigestAt } from '../src/bot/digest/schedule.js';
import { renderWeeklyDigest } from '../src/bot/digest/weekly-digest.js';
import { ConfigError, loadDatabaseConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { findOwner } from '../src/db/staff.repository.js';

const USAGE = 'usage: npm run digest -- --dry-run [--out dir] [--week-ending ISO] [--timezone Area/City]';

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      out: { type: 'string', default: 'digest-preview' },
      'week-ending': { type: 'string' },
      timezone: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}
try {
  args = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const weekEnding = args['week-ending'] ? new Date(args['week-ending']) : new Date();
if (Number.isNaN(weekEnding.getTime())) {
  console.error(`--week-ending: not a date: ${args['week-ending']}\n${USAGE}`);
  process.exit(2);
}

try {
  const handle = await openDatabase(loadDatabaseConfig());
  try {
    const owner = await findOwner(handle.db);
    const timezone = args.timezone ?? owner?.timezone ?? 'UTC';
    if (!args['dry-run']) {
      console.log(
        `The app posts the digest to the owner${owner ? ` (${owner.name})` : ''} every Monday at 08:00 ${timezone}; ` +
          `the next one at ${nextDigestAt(new Date(), timezone).toISOString()}.\n` +
          `To look at it now without posting: npm run digest -- --dry-run [--out dir] [--week-ending ISO]`,
      );
    } else {
      const digest = await renderWeeklyDigest(handle.db, { weekEnding, timezone });
      const out = resolve(args.out ?? 'digest-preview');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'digest.png'), digest.png);
      writeFileSync(join(out, 'digest.txt'), `${digest.text}\n\n${digest.mrkdwn}\n`);
      writeFileSync(join(out, 'blocks.json'), `${JSON.stringify(digest.blocks, null, 2)}\n`);
      console.log(`${digest.text}\n(${timezone}; ${handle.driver})`);
      console.log(
        `wrote ${join(out, 'digest.png')} (${digest.png.length} bytes), digest.txt and blocks.json`,
      );
    }
  } finally {
    await handle.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
