import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, NOT_READY, retryAtOf, toAppError } from '../contract/errors.js';
import { SlackWorkSchema } from '../contract/slack-work.js';
import type { Executor } from '../db/client.js';
import { holdLease, releaseLease } from '../db/leases.repository.js';
import { listSendable, type OutboxRow, postponeRow, settleRow } from '../db/slack-outbox.repository.js';
import { SlackCalls } from './slack-calls.js';
import { createDeliveries, type DeliveryDeps } from './slack-deliveries.js';
import { SlackPace } from './slack-pace.js';
import { surgeOf, surgeThread } from './slack-surge.js';

export interface SenderDeps extends DeliveryDeps {
  /** Calls a second to Slack in all, the workspace-wide pace. */
  callsPerSecond?: number;
  /** Cards a channel is behind beyond which new cards go into one surge thread. */
  surgeBacklog?: number;
  /** Subscribes to commits that owe Slack something; the sender also looks every second without it. */
  onOwed?: (wake: () => void) => Promise<() => Promise<void>>;
}

const LEASE = 'slack-sender';
const LEASE_MS = 15_000;
const IDLE_LOOK_MS = 1000;
const CONCURRENCY = 4;
// Rows are read in batches and sent from memory: a read for every message would cost more than the
// message once a surge leaves thousands owed. While rows read earlier wait to be sent, new work is read
// again at most this often; with none left, at once.
const BATCH_PER_LANE = 50;
const NEW_WORK_MS = 25;
const IDLE_READ_MS = 1;

/**
 * The one sender of everything owed to Slack (db/slack-outbox). One process
 * holds its lease; another waits and takes over when it lapses. It takes
 * rows in their order at Slack's pace (slack-pace.ts), renders each from the
 * state at that moment (slack-deliveries.ts), makes its call once (slack-calls.ts)
 * and settles the row with what the call made.
 * A card may go into its channel's surge thread (slack-surge.ts).
 */
export class SlackSender {
  private readonly pace: SlackPace;
  private readonly surgeBacklog: number;
  private readonly holder = randomUUID();
  private readonly deliveries: ReturnType<typeof createDeliveries>;
  private readonly inFlight = new Map<number, Promise<void>>();
  private batch: OutboxRow[] = [];
  private fetchedAt = 0;
  // Something may have been owed since the last read: a commit's notice, or a send that owed more.
  private owedSince = true;
  // Rows settled while a read was under way, which that read may still list.
  private settledDuringRead = new Set<number>();
  private readonly calls: SlackCalls;
  // A wake that comes while a pass runs is kept, so the rest after it is skipped.
  private woken = false;
  private resolveRest: (() => void) | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly deps: SenderDeps) {
    this.pace = new SlackPace({ ...deps, maxInFlight: CONCURRENCY });
    this.surgeBacklog = Math.max(1, deps.surgeBacklog ?? 30);
    this.deliveries = createDeliveries(deps, (lane) => surgeOf(deps.db, lane));
    this.calls = new SlackCalls(deps);
  }

  readonly wake = (): void => {
    this.woken = true;
    this.resolveRest?.();
  };

  private readonly owed = (): void => {
    this.owedSince = true;
    this.wake();
  };

  async start(): Promise<void> {
    this.unsubscribe = await this.deps.onOwed?.(this.owed);
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    await Promise.all(this.inFlight.values());
    await this.unsubscribe?.();
    await releaseLease(this.deps.db, LEASE, this.holder).catch(() => undefined);
  }

  /** Sends until nothing is due: for tests and scripts, with no lease. */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.pass();
      // Rows whose channel is at its pace wait for it; none due at all means done.
      if (started === 0 && this.inFlight.size === 0 && !this.owedSince) {
        if ((await listSendable(this.deps.db, this.deps.now(), 1)).length === 0) return;
        this.owedSince = true; // due, but not in the batch: read again
      }
      await this.rest(this.nextLook());
    }
  }

  private channelOf(lane: string): string {
    return lane === 'main' ? this.deps.channelId : lane;
  }

  private async loop(): Promise<void> {
    let leaseUntil = 0;
    while (!this.stopped) {
      try {
        if (leaseUntil - Date.now() < LEASE_MS / 2) {
          const held = await holdLease(this.deps.db, LEASE, this.holder, this.deps.now(), LEASE_MS);
          leaseUntil = held ? Date.now() + LEASE_MS : 0;
        }
        if (leaseUntil === 0) {
          await this.rest(LEASE_MS / 3);
          continue;
        }
        await this.pass();
      } catch (error) {
        this.deps.logger.error({ err: (error as Error).message }, 'Slack sender pass failed');
      }
      await this.rest(this.nextLook());
    }
  }

  private async rest(ms: number): Promise<void> {
    if (!this.woken) {
      const abort = new AbortController();
      await Promise.race([
        sleep(ms, undefined, { signal: abort.signal }).catch(() => undefined),
        new Promise<void>((resolve) => {
          this.resolveRest = resolve;
        }),
      ]);
      abort.abort();
    }
    this.woken = false;
  }

  /** Starts what may be sent now, within the pace; returns how many rows it started. */
  private async pass(): Promise<number> {
    const sinceRead = Date.now() - this.fetchedAt;
    const readEvery = this.batch.length > 0 ? NEW_WORK_MS : IDLE_READ_MS;
    if (sinceRead >= IDLE_LOOK_MS || (this.owedSince && sinceRead >= readEvery)) await this.read();
    let started = 0;
    const left: OutboxRow[] = [];
    for (const row of this.batch) {
      const channel = row.lane === 'none' ? undefined : this.channelOf(row.lane);
      if (this.inFlight.size >= CONCURRENCY || !this.pace.take(channel, Date.now())) {
        left.push(row);
        continue;
      }
      const running = this.send(row, channel)
        .catch((error: Error) =>
          this.deps.logger.error({ key: row.key, err: error.message }, 'Slack sender error'),
        )
        .finally(() => {
          this.inFlight.delete(row.id);
          this.settledDuringRead.add(row.id);
          this.pace.done(channel);
          this.owed(); // what it recorded may have owed more
        });
      this.inFlight.set(row.id, running);
      started++;
    }
    this.batch = left;
    return started;
  }

  /** How long to rest: until the pace frees a slot, or new work may be read, or the idle look. */
  private nextLook(): number {
    const readEvery = this.batch.length > 0 ? NEW_WORK_MS : IDLE_READ_MS;
    return this.pace.nextIn(Date.now(), this.owedSince ? readEvery : IDLE_LOOK_MS);
  }

  /** Reads what may be sent now, in order, leaving out what is in hand or was settled meanwhile. */
  private async read(): Promise<void> {
    this.owedSince = false;
    this.fetchedAt = Date.now();
    const settled = new Set<number>();
    this.settledDuringRead = settled;
    const rows = await listSendable(this.deps.db, this.deps.now(), BATCH_PER_LANE);
    this.batch = rows.filter((row) => !this.inFlight.has(row.id) && !settled.has(row.id));
  }

  /** Renders, calls and settles one row; a failure is retried later, or settled as failed for good. */
  private async send(row: OutboxRow, channel: string | undefined): Promise<void> {
    const { deps } = this;
    try {
      const parsed = SlackWorkSchema.safeParse(row.work);
      // Written by an older version in a shape this one cannot read: it can never be sent.
      if (!parsed.success) throw new AppError('outbox.unreadable', parsed.error.message);
      let delivery = await this.deliveries.render(row, parsed.data, (lane) => this.channelOf(lane));
      if (delivery.call === 'post' && delivery.card) {
        const thread = await surgeThread(deps, row.lane, this.channelOf(row.lane), this.surgeBacklog);
        if (thread === 'wait') return this.pace.unused(channel);
        if (thread) delivery = { ...delivery, threadTs: thread };
      }
      // A row that comes to no call (a redraw made redundant, a story folded away) leaves its slot.
      if (delivery.call === 'none') this.pace.unused(channel);
      const ts = delivery.call === 'none' ? '' : await this.calls.make(row, delivery);
      if (ts === undefined) return;
      const { superseded, shows, recorded } = delivery;
      const outcome = delivery.call === 'none' ? 'skipped' : 'sent';
      const settle = (db: Executor) =>
        settleRow(db, row.id, { outcome, at: deps.now(), superseded, shows, ...(ts ? { ts } : {}) });
      // A statement of its own when nothing else is recorded: most cards, under a surge.
      if (!recorded) await settle(deps.db);
      else await deps.db.transaction(async (tx) => recorded(tx, ts || undefined, await settle(tx)));
    } catch (error) {
      await this.failed(row, channel, error);
    }
  }

  private async failed(row: OutboxRow, channel: string | undefined, error: unknown): Promise<void> {
    const { deps } = this;
    const failure = toAppError(error);
    // Not ready before any call (its thread not in Slack yet): Slack's pace was not spent.
    if (failure.code === NOT_READY) this.pace.unused(channel);
    const retryAt = retryAtOf(failure);
    if (retryAt && channel) this.pace.holdBack(channel, retryAt.getTime());
    deps.logger.warn({ key: row.key, code: failure.code, err: failure.message }, 'Slack delivery failed');
    if (!failure.retryable) {
      await settleRow(deps.db, row.id, { outcome: 'failed', at: deps.now(), error: failure.code });
      return;
    }
    const backoff = Math.min(300_000, 500 * 2 ** Math.min(row.attempts, 10));
    const until = retryAt ?? new Date(deps.now().getTime() + backoff);
    const posted = (error as { posted?: boolean }).posted === false ? 'no' : 'maybe';
    await postponeRow(deps.db, row.id, until, failure.code, posted);
  }
}
