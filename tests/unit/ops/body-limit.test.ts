import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.js';
import { createHttpServer, MAX_BODY_BYTES } from '../../../src/http-server.js';
import { ingestMentionsHandler } from '../../../src/ingest/ingest.http.js';
import { xEventsHandler } from '../../../src/network/x/webhook.js';
import type { Queues } from '../../../src/queue/queues.js';
import { serveOnLoopback } from '../../support/loopback.js';

const TOKEN = 'ingest-token-for-body-limit';
// Never reached: an oversized body is answered before anything is parsed or stored.
const unused = { db: {} as Database, queues: {} as Queues };

describe('a body over the limit', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = createHttpServer(
      {
        'POST /ingest/mentions': ingestMentionsHandler({ ...unused, ingestToken: TOKEN }),
        'POST /ingest/x/webhook': xEventsHandler({ ...unused, consumerSecret: 'x-consumer-secret' }),
      },
      undefined,
      pino({ level: 'silent' }),
    );
    ({ url, close } = await serveOnLoopback(server));
  });
  afterAll(() => close());

  it('is answered 413 with a JSON body naming the limit at /ingest/mentions', async () => {
    const response = await fetch(`${url}/ingest/mentions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: `body larger than ${MAX_BODY_BYTES} bytes`,
      limitBytes: MAX_BODY_BYTES,
    });
  });

  it('is answered 413 naming the limit at a webhook, even when sent in chunks without a length', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${url}/ingest/x/webhook`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'body larger than 1048576 bytes', limitBytes: 1048576 });
  });
});
