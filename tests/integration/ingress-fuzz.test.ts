import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mention, type Network, storableText } from '../../src/contract/mention.js';
import { readCursor, writeCursor } from '../../src/db/cursors.repository.js';
import { mentions, quarantinedItems } from '../../src/db/schema.js';
import { pollOnce } from '../../src/ingest/poller.js';
import { normalizeNotification as normalizeBluesky } from '../../src/network/bluesky/normalize.js';
import type { NetworkConnector, PollResult } from '../../src/network/connector.js';
import { genericWebhookHandler } from '../../src/network/generic/webhook.js';
import { normalizeNotification as normalizeMastodon } from '../../src/network/mastodon/normalize.js';
import { metaEventsHandler } from '../../src/network/meta/webhook.js';
import {
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  genericSignature,
  metaSignature,
  xSignature,
} from '../../src/network/signatures.js';
import { normalizeV2Mentions } from '../../src/network/x/normalize.js';
import { xEventsHandler } from '../../src/network/x/webhook.js';
import { startWebhookRig, type WebhookRig } from './network-support.js';

const SEED = 20261207;
const GENERIC_SECRET = 'generic-secret-for-fuzzing-0123';
const X_SECRET = 'x-consumer-secret-for-fuzzing';
const META_SECRET = 'meta-app-secret-for-fuzzing';
const PAGE = '1234567890';

// Every UTF-16 unit: NUL, other controls and half surrogate pairs included.
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const wild = (maxLength = 30) => fc.string({ unit: anyUnit, maxLength });
const text = fc.oneof(wild(80), fc.string({ unit: 'binary', maxLength: 120 }), fc.constant('plain words'));
const date = fc.oneof(
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  wild(),
);
const id = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 18n }).map(String), wild(12));

describe('fuzzed ingress: every valid item stored once, every invalid one refused with 400 or quarantined', () => {
  let rig: WebhookRig;
  beforeAll(async () => {
    rig = await startWebhookRig(({ db, queues }) => ({
      'POST /ingest/webhook/:param': genericWebhookHandler({
        db,
        queues,
        secret: GENERIC_SECRET,
        now: () => new Date(),
      }),
      'POST /ingest/x/webhook': xEventsHandler({ db, queues, consumerSecret: X_SECRET }),
      'POST /ingest/meta/webhook': metaEventsHandler({
        db,
        queues,
        appSecret: META_SECRET,
        resolveIgMention: undefined,
        senders: {},
      }),
    }));
  });
  afterAll(async () => {
    await rig?.close();
  });

  const storedIds = async (network: string) =>
    (await rig.db.db.select({ network: mentions.network, externalId: mentions.externalId }).from(mentions))
      .filter((row) => row.network === network)
      .map((row) => row.externalId);
  const quarantinedIds = async (source: string) =>
    (await rig.db.db.select().from(quarantinedItems))
      .filter((row) => row.source === source)
      .map((row) => row.externalId);

  /** Runs each generated page through its normalizer and one poll; neither may throw, and the position moves on. */
  async function fuzzPoller(network: Network, page: fc.Arbitrary<Mention[]>) {
    let round = 0;
    const outcome = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(page, async (found) => {
        round += 1;
        // A stored position: this is not a first poll, whose lookback would leave old posts out.
        await writeCursor(rig.db.db, network, 'mentions', `before-${round}`);
        const connector: NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> } = {
          network,
          reply: () => Promise.reject(new Error('not fuzzed')),
          poll: async () => ({ mentions: found, cursor: `after-${round}` }),
        };
        const polled = await pollOnce(
          { db: rig.db.db, queues: rig.queues, now: () => new Date(), firstLookbackHours: 24 },
          connector,
        );
        expect(polled.accepted + (polled.quarantined ?? 0)).toBe(found.length);
        expect(await readCursor(rig.db.db, network, 'mentions')).toBe(`after-${round}`);
        for (const m of found) outcome.set(m.externalId, (outcome.get(m.externalId) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: 60 },
    );
    const stored = await storedIds(network);
    const kept = await quarantinedIds(`poll:${network}`);
    expect(new Set(stored).size).toBe(stored.length);
    // Every item polled is either stored (once) or quarantined, none lost.
    // Quarantine keeps ids as they can be stored, as it keeps everything.
    for (const externalId of outcome.keys())
      expect({
        externalId,
        found: stored.includes(externalId) || kept.includes(storableText(externalId)),
      }).toEqual({ externalId, found: true });
  }

  it('Mastodon: normalizer and poll', async () => {
    const notification = fc.record({
      id: id,
      type: fc.constantFrom('mention', 'favourite'),
      created_at: date,
      account: fc.record({ id: id, acct: wild(), username: wild() }),
      status: fc.record({
        id: id,
        created_at: date,
        content: text,
        visibility: fc.constantFrom('public', 'direct'),
        url: fc.option(fc.oneof(fc.webUrl(), wild()), { nil: null }),
        account: fc.record({ id: id, acct: wild(), username: wild(), display_name: text }),
      }),
    });
    const page = fc
      .array(notification, { maxLength: 6 })
      .map((raw) =>
        raw.map((n) => normalizeMastodon(n, '@brand@standin.social')).filter((m): m is Mention => !!m),
      );
    await fuzzPoller('mastodon', page);
  });

  it('Bluesky: normalizer and poll', async () => {
    const notification = fc.record({
      uri: fc.oneof(
        id.map((rkey) => `at://did:plc:abc/app.bsky.feed.post/${rkey}`),
        wild().map((s) => `at://${s}`),
      ),
      cid: wild(),
      reason: fc.constantFrom('mention', 'reply', 'like'),
      indexedAt: date,
      author: fc.record({ did: wild(), handle: wild(), displayName: text }),
      record: fc.record({ text, createdAt: date }),
    });
    const page = fc
      .array(notification, { maxLength: 6 })
      .map((raw) =>
        raw.map((n) => normalizeBluesky(n, 'brand.bsky.social')).filter((m): m is Mention => !!m),
      );
    await fuzzPoller('bluesky', page);
  });

  it('X: normalizer and poll', async () => {
    const user = fc.record({ id: fc.constantFrom('1', '2', '3'), username: wild(), name: text });
    const tweet = fc.record({ id: id, text, author_id: fc.constantFrom('1', '2', '3'), created_at: date });
    const page = fc
      .record({
        data: fc.array(tweet, { maxLength: 6 }),
        includes: fc.record({ users: fc.array(user, { maxLength: 3 }) }),
      })
      .map((raw) => normalizeV2Mentions(raw, 'FirsthandCafe'));
    await fuzzPoller('x', page);
  });

  it('the generic webhook', async () => {
    let serial = 0;
    const event = fc
      .record({
        author: fc.record({ id: id, handle: fc.oneof(fc.constant('maria'), wild()) }),
        text,
        createdAt: date,
      })
      .map((e) => ({ ...e, id: `g-${serial++}` }));
    const sent = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(event, fc.array(event, { minLength: 1, maxLength: 4 })), async (body) => {
        const raw = JSON.stringify(body);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const response = await fetch(`${rig.url}/ingest/webhook/fuzz`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [GENERIC_TIMESTAMP_HEADER]: timestamp,
            [GENERIC_SIGNATURE_HEADER]: genericSignature(GENERIC_SECRET, timestamp, raw),
          },
          body: raw,
        });
        expect([200, 400]).toContain(response.status);
        for (const e of Array.isArray(body) ? body : [body]) sent.set(`fuzz:${e.id}`, response.status);
      }),
      { seed: SEED, numRuns: 100 },
    );
    const stored = (await storedIds('generic')).sort();
    const accepted = [...sent].filter(([, status]) => status === 200).map(([externalId]) => externalId);
    expect(stored).toEqual(accepted.sort());
    expect(accepted.length).toBeGreaterThan(10);
  });

  it('the X webhook', async () => {
    // Ids of their own (9 and 18 digits), apart from the polled ones above.
    let serial = 9_000_000_000_000_000_000n;
    const tweet = fc
      .record({
        created_at: fc.oneof(fc.constant('Mon May 19 14:01:46 +0000 2025'), date),
        text,
        user: fc.record({ id_str: id, screen_name: fc.oneof(fc.constant('sam'), wild()), name: text }),
      })
      .map((t) => ({ ...t, id_str: String(serial++) }));
    const message = fc
      .record({
        // Milliseconds since the epoch, as a string of up to 16 digits: many lie past what a Date holds.
        created_timestamp: fc.oneof(
          fc.constant('1747663306000'),
          fc.constant('9999999999999999'),
          fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }).map(String),
        ),
        message_create: fc.record({
          target: fc.constant({ recipient_id: '2244994945' }),
          sender_id: id,
          message_data: fc.record({ text }),
        }),
      })
      .map((m) => ({ ...m, type: 'message_create', id: String(serial++) }));
    const sent = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(tweet, { minLength: 1, maxLength: 4 }),
        fc.array(message, { maxLength: 2 }),
        async (events, messages) => {
          const raw = JSON.stringify({
            for_user_id: '2244994945',
            tweet_create_events: events,
            direct_message_events: messages,
          });
          const response = await fetch(`${rig.url}/ingest/x/webhook`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-twitter-webhooks-signature': xSignature(X_SECRET, raw),
            },
            body: raw,
          });
          expect([200, 400]).toContain(response.status);
          for (const e of events) sent.set(e.id_str, response.status);
          for (const m of messages) sent.set(m.id, response.status);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
    const stored = (await storedIds('x')).filter((externalId) => /^9\d{18}$/.test(externalId)).sort();
    const accepted = [...sent].filter(([, status]) => status === 200).map(([externalId]) => externalId);
    expect(stored).toEqual(accepted.sort());
    expect(accepted.length).toBeGreaterThan(10);
  });

  it('the Meta webhook', async () => {
    let serial = 0;
    const comment = fc
      .record({
        from: fc.record({ id: fc.oneof(id, fc.constant(PAGE)), name: text }),
        message: text,
        // Seconds since the epoch, up to absurd ones, or an ISO date.
        created_time: fc.oneof(fc.integer({ min: 1, max: 2_000_000_000 }), fc.maxSafeNat(), date),
      })
      .map((c) => ({
        ...c,
        item: 'comment',
        verb: 'add',
        comment_id: `c-${serial++}`,
        post_id: `${PAGE}_1`,
      }));
    const sent = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(comment, { minLength: 1, maxLength: 4 }), async (comments) => {
        const raw = JSON.stringify({
          object: 'page',
          entry: [{ id: PAGE, time: 1, changes: comments.map((value) => ({ field: 'feed', value })) }],
        });
        const response = await fetch(`${rig.url}/ingest/meta/webhook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(META_SECRET, raw),
          },
          body: raw,
        });
        expect([200, 400]).toContain(response.status);
        // The Page's own comments are its replies coming back, never stored.
        for (const c of comments) if (c.from.id !== PAGE) sent.set(c.comment_id, response.status);
      }),
      { seed: SEED, numRuns: 100 },
    );
    const stored = (await storedIds('facebook')).sort();
    const accepted = [...sent].filter(([, status]) => status === 200).map(([externalId]) => externalId);
    expect(stored).toEqual(accepted.sort());
    expect(accepted.length).toBeGreaterThan(10);
  });
});
