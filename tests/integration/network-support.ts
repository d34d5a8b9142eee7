import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asc } from 'drizzle-orm';
import { pino } from 'pino';
import { mentions } from '../../src/db/schema.js';
import { createHttpServer, type Route } from '../../src/http-server.js';
import { openQueues, type Queues } from '../../src/queue/queues.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dropQueuePrefix, TEST_REDIS_URL, testQueuePrefix } from '../support/redis.js';

/** A real database, real queues under a private prefix, and the app's HTTP server with the given routes. */
export interface WebhookRig {
  db: TestDatabase;
  queues: Queues;
  url: string;
  close(): Promise<void>;
}

export async function startWebhookRig(
  routes: (deps: { db: TestDatabase['db']; queues: Queues }) => Record<string, Route>,
): Promise<WebhookRig> {
  const db = await createTestDatabase();
  const prefix = testQueuePrefix();
  const queues = openQueues({ redisUrl: TEST_REDIS_URL, prefix });
  const server: Server = createHttpServer(
    routes({ db: db.db, queues }),
    undefined,
    pino({ level: 'silent' }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    db,
    queues,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queues.close();
      await dropQueuePrefix(prefix);
      await db.destroy();
    },
  };
}

/** Mention rows and queued routing jobs: what a webhook left behind. */
export async function storedState(rig: WebhookRig): Promise<{
  mentions: {
    network: string;
    externalId: string;
    inReplyTo: string | null;
    text: string;
    kind: string | null;
  }[];
  jobs: number;
}> {
  const rows = await rig.db.db.select().from(mentions).orderBy(asc(mentions.postedAt));
  const counts = await rig.queues.mentions.getJobCounts(
    'waiting',
    'delayed',
    'active',
    'completed',
    'failed',
    'prioritized',
  );
  return {
    mentions: rows.map((r) => ({
      network: r.network,
      externalId: r.externalId,
      inReplyTo: r.inReplyTo,
      text: r.text,
      kind: r.kind,
    })),
    jobs: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}
