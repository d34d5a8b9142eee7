import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { storeMentions } from '../../src/db/mentions.repository.js';
import { createHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/logger.js';

const CUSTOMER_TEXT = 'Mi pedido 4471 no llegó y mi dirección es Calle Falsa 123';

/** The lines a logger writes, as the operator's log store would keep them. */
function captured() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', pretty: false }, stream) };
}

describe('logs of a failing run', () => {
  const database = openDatabase({ url: undefined, dataDir: 'memory://' });
  afterAll(async () => (await database).close());
  beforeAll(async () => void (await database));

  it("keep the customer's text out of the 'request failed' line, and say which request failed", async () => {
    const { db } = await database;
    const { lines, logger } = captured();
    // A network that reports an impossible follower count makes the database refuse the mention.
    const server = createHttpServer(
      {
        'POST /ingest/mentions': async () => {
          await storeMentions(
            db,
            [
              {
                network: 'x',
                externalId: 'tweet-1',
                account: 'brand',
                authorId: 'author-1',
                authorHandle: 'lucia',
                authorFollowers: 2 ** 40,
                text: CUSTOMER_TEXT,
                postedAt: new Date('2025-06-02T10:00:00Z'),
              },
            ],
            'api',
          );
        },
      },
      undefined,
      logger,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/ingest/mentions`, { method: 'POST' });
      expect(response.status).toBe(500);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const failed = lines.find((line) => line.includes('request failed'));
    expect(failed).toBeDefined();
    expect(failed).toContain('/ingest/mentions');
    for (const line of lines) {
      expect(line).not.toContain('Calle Falsa');
      expect(line).not.toContain('4471');
      expect(line).not.toContain('lucia');
    }
  });

  it('keep SQL parameters out of an error logged whole', async () => {
    const { db } = await database;
    const { lines, logger } = captured();
    const error = await storeMentions(
      db,
      [
        {
          network: 'x',
          externalId: 'tweet-2',
          account: 'brand',
          authorId: 'author-2',
          authorHandle: 'lucia',
          authorFollowers: 2 ** 40,
          text: CUSTOMER_TEXT,
          postedAt: new Date('2025-06-02T10:00:00Z'),
        },
      ],
      'api',
    ).catch((e: unknown) => e);
    logger.error({ err: error }, 'job failed');
    logger.error(error as Error);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain('Calle Falsa');
      expect(line).not.toContain('lucia');
      // What is left still says what went wrong: PostgreSQL's code for a number out of range.
      expect(JSON.parse(line).err).toMatchObject({ code: '22003' });
    }
  });
});
