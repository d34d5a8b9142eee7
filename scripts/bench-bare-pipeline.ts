/**
 * Baseline (b) of `npm run bench`, run by it as a process of its own like
 * the app: the same stages as Firsthand with no product logic.
 *   HTTP POST → BullMQ → one transaction (upsert, select, insert) → BullMQ → HTTP POST to the stand-in.
 * Configured by the environment; GET /healthz answers once it takes work.
 */
import { createServer } from 'node:http';
import { Queue, Worker } from 'bullmq';
import pg from 'pg';
import { z } from 'zod';

const env = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535),
    DATABASE_URL: z.url(),
    REDIS_URL: z.url(),
    QUEUE_PREFIX: z.string().min(1),
    SLACK_API_URL: z.url(),
    SLACK_BOT_TOKEN: z.string().min(1),
    SLACK_CHANNEL_ID: z.string().min(1),
    ROUTE_CONCURRENCY: z.coerce.number().int().min(1),
    NOTIFY_CONCURRENCY: z.coerce.number().int().min(1),
  })
  .parse(process.env);
const BodySchema = z.object({
  externalId: z.string(),
  url: z.string(),
  text: z.string(),
  author: z.object({ id: z.string() }),
});
type BareMention = z.infer<typeof BodySchema>;

const redis = new URL(env.REDIS_URL);
const connection = { host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null };
const options = {
  connection,
  prefix: env.QUEUE_PREFIX,
  defaultJobOptions: { removeOnComplete: { age: 3600, count: 10_000 } },
};
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
await pool.query(`
  create table if not exists bare_conversations (author text primary key, last_at timestamptz not null, mentions int not null);
  create table if not exists bare_events (id bigserial primary key, author text not null, mention text not null, at timestamptz not null)`);
const first = new Queue<BareMention>('bare-mentions', options);
const second = new Queue<{ url: string; text: string }>('bare-notify', options);

const route = new Worker<BareMention>(
  'bare-mentions',
  async (job) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into bare_conversations (author, last_at, mentions) values ($1, now(), 1)
         on conflict (author) do update set last_at = now(), mentions = bare_conversations.mentions + 1`,
        [job.data.author.id],
      );
      await client.query('select mentions from bare_conversations where author = $1', [job.data.author.id]);
      await client.query('insert into bare_events (author, mention, at) values ($1, $2, now())', [
        job.data.author.id,
        job.data.externalId,
      ]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
    await second.add('n', { url: job.data.url, text: job.data.text });
  },
  { connection, prefix: env.QUEUE_PREFIX, concurrency: env.ROUTE_CONCURRENCY },
);
const postMessage = `${env.SLACK_API_URL.replace(/\/+$/, '')}/chat.postMessage`;
const notify = new Worker<{ url: string; text: string }>(
  'bare-notify',
  async (job) => {
    const response = await fetch(postMessage, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${env.SLACK_BOT_TOKEN}`,
      },
      body: new URLSearchParams({ channel: env.SLACK_CHANNEL_ID, text: `${job.data.url} ${job.data.text}` }),
    });
    await response.arrayBuffer();
  },
  { connection, prefix: env.QUEUE_PREFIX, concurrency: env.NOTIFY_CONCURRENCY },
);
await Promise.all([route.waitUntilReady(), notify.waitUntilReady()]);

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200).end('{"ok":true}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const parsed = BodySchema.safeParse(JSON.parse(Buffer.concat(chunks).toString()));
    if (!parsed.success) {
      res.writeHead(400).end();
      return;
    }
    first.add('m', parsed.data).then(
      () => res.writeHead(202).end('{}'),
      () => res.writeHead(500).end(),
    );
  });
});
server.listen(env.PORT, '127.0.0.1');

process.once('SIGTERM', async () => {
  server.close();
  server.closeAllConnections();
  await Promise.all([route.close(), notify.close()]);
  await Promise.all([first.close(), second.close()]);
  await pool.end();
  process.exit(0);
});
