import { asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Mention } from '../../src/contract/mention.js';
import { readCursor } from '../../src/db/cursors.repository.js';
import { listQuarantined } from '../../src/db/quarantine.repository.js';
import { mentions, quarantinedItems } from '../../src/db/schema.js';
import { acceptMentions } from '../../src/ingest/accept-mentions.js';
import { ingestMentionsHandler } from '../../src/ingest/ingest.http.js';
import { pollOnce } from '../../src/ingest/poller.js';
import type { NetworkConnector, PollResult } from '../../src/network/connector.js';
import { startWebhookRig, type WebhookRig } from './network-support.js';

const TOKEN = 'ingest-token-for-poison-tests';

const mention = (externalId: string, text = 'Where is my order?'): Mention => ({
  network: 'mastodon',
  externalId,
  account: '@brand@standin.social',
  author: { id: `a-${externalId}`, handle: 'jane' },
  text,
  createdAt: new Date().toISOString(),
});

describe('poison pills at ingest', () => {
  let rig: WebhookRig;
  const quarantinedCounts: Record<string, number> = {};
  const deps = () => ({
    db: rig.db.db,
    queues: rig.queues,
    onQuarantined: (source: string, count: number) => {
      quarantinedCounts[source] = (quarantinedCounts[source] ?? 0) + count;
    },
  });
  const post = (body: unknown) =>
    fetch(`${rig.url}/ingest/mentions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    rig = await startWebhookRig(({ db, queues }) => ({
      'POST /ingest/mentions': ingestMentionsHandler({ db, queues, ingestToken: TOKEN }),
    }));
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.db.db.delete(quarantinedItems);
  });

  it('stores a mention whose text holds NUL, without the NUL, and answers 202 rather than 500', async () => {
    const response = await post([mention('nul-1', 'Where\u0000 is my order?'), mention('nul-2')]);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, duplicate: 0 });
    const [row] = await rig.db.db.select().from(mentions).where(eq(mentions.externalId, 'nul-1'));
    expect(row?.text).toBe('Where is my order?');
  });

  it('refuses a control character in an identifier with 400 naming the field', async () => {
    const response = await post(mention('bell\u0007'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('externalId: ');
  });

  it('quarantines the one mention of a batch the database refuses and stores the rest', async () => {
    // Past the contract (as a connector's own mention would be), so only the database can refuse it.
    const yearZero = { ...mention('year-zero'), createdAt: '0000-01-01T00:00:00Z' };
    const result = await acceptMentions(deps(), [mention('batch-1'), yearZero, mention('batch-2')], 'test');
    expect(result).toEqual({ accepted: 2, duplicate: 0, quarantined: 1 });
    const [kept] = await listQuarantined(rig.db.db, 10);
    expect(kept).toMatchObject({ source: 'test', network: 'mastodon', externalId: 'year-zero' });
    expect(kept?.reason).toMatch(/^database refused it: /);
    expect(quarantinedCounts.test).toBe(1);
  });

  it('stores the rest of a polled page past a bad item, quarantines it with the reason, and moves the position on', async () => {
    const page: PollResult = {
      mentions: [
        mention('page-1', 'NUL\u0000 in a polled post'),
        { ...mention('page-2'), author: { id: 'b', handle: '' } },
        mention('page-3'),
      ],
      cursor: 'after-page',
    };
    const connector: NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> } = {
      network: 'mastodon',
      reply: () => Promise.reject(new Error('not in this test')),
      poll: async () => page,
    };
    const polled = await pollOnce({ ...deps(), now: () => new Date(), firstLookbackHours: 24 }, connector);
    expect(polled).toEqual({ accepted: 2, tooOld: 0, quarantined: 1 });
    expect(await readCursor(rig.db.db, 'mastodon', 'mentions')).toBe('after-page');
    const stored = await rig.db.db
      .select({ externalId: mentions.externalId, text: mentions.text })
      .from(mentions)
      .where(eq(mentions.account, '@brand@standin.social'))
      .orderBy(asc(mentions.externalId));
    expect(stored.filter((m) => m.externalId.startsWith('page-'))).toEqual([
      { externalId: 'page-1', text: 'NUL in a polled post' },
      { externalId: 'page-3', text: 'Where is my order?' },
    ]);
    const [kept] = await listQuarantined(rig.db.db, 10);
    expect(kept).toMatchObject({ source: 'poll:mastodon', externalId: 'page-2' });
    expect(kept?.reason).toContain('author.handle: ');
    expect(quarantinedCounts['poll:mastodon']).toBe(1);
  });

  it('ends a fuzzed run with every valid mention stored once and every invalid one refused with 400', async () => {
    // Every UTF-16 unit, NUL, other controls and half surrogate pairs included.
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const wild = fc.string({ unit: anyUnit, maxLength: 40 });
    const sent = new Map<string, 'valid' | 'refused'>();
    let serial = 0;
    const item = fc
      .record({
        idTail: fc.oneof(fc.constant(''), wild),
        handle: fc.oneof(fc.constant('jane'), wild),
        name: fc.option(wild, { nil: undefined }),
        text: fc.oneof(wild, fc.string({ unit: 'binary', maxLength: 200 })),
        createdAt: fc.oneof(
          fc
            .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          wild,
        ),
      })
      .map(({ idTail, handle, name, text, createdAt }) => ({
        network: 'generic',
        externalId: `fuzz-${serial++}:${idTail}`,
        account: 'brand',
        author: { id: 'author', handle, ...(name === undefined ? {} : { name }) },
        text,
        createdAt,
      }));
    const body = fc.oneof(item, fc.array(item, { minLength: 1, maxLength: 5 }));
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const response = await post(generated);
        const items = Array.isArray(generated) ? generated : [generated];
        expect([202, 400]).toContain(response.status);
        for (const sentItem of items)
          sent.set(sentItem.externalId, response.status === 202 ? 'valid' : 'refused');
      }),
      { seed: 20261207, numRuns: 200 },
    );
    const stored = await rig.db.db
      .select({ externalId: mentions.externalId })
      .from(mentions)
      .where(eq(mentions.network, 'generic'));
    const storedIds = stored.map((row) => row.externalId).sort();
    const validIds = [...sent].filter(([, outcome]) => outcome === 'valid').map(([id]) => id);
    expect(storedIds).toEqual([...validIds].sort());
    expect(new Set(storedIds).size).toBe(storedIds.length);
    expect(validIds.length).toBeGreaterThan(20);
    expect([...sent.values()].filter((outcome) => outcome === 'refused').length).toBeGreaterThan(20);
    expect(await listQuarantined(rig.db.db, 10)).toEqual([]);
  });
});
