import type { IncomingMessage, ServerResponse } from 'node:http';
import { type WebAPICallResult, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Job, Queue, Worker } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import { outboxFigures } from '../db/slack-outbox-queries.repository.js';
import type { NetworkConnector } from '../network/connector.js';

/** Prometheus metrics for one process: its own registry, so tests and roles never share counters. */
export interface Metrics {
  registry: Registry;
  /** Counts completions and failures, and times wait and run, of every job this worker handles. */
  watchWorker(worker: Worker): void;
  /** Reports each queue's depth at scrape time. */
  watchQueues(queues: Queue[]): void;
  /** Reports what is owed to Slack and not sent yet, and the age of the oldest, at scrape time. */
  watchOutbox(db: Database): void;
  /** A Slack Web API client whose failed calls are counted by method and error. */
  slackClient(token: string | undefined, options: WebClientOptions): WebClient;
  /** The same connector, with its failed network calls counted. */
  meterConnector<C extends NetworkConnector>(connector: C): C;
  /** Counts items quarantined instead of stored, by source. */
  countQuarantined(source: string, count: number): void;
  handler(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

function errorCode(error: unknown): string {
  const e = error as { code?: unknown; data?: { error?: unknown } };
  // Slack puts its platform error (ratelimited, channel_not_found) under data.error; the rest use code.
  if (typeof e?.data?.error === 'string') return e.data.error;
  if (typeof e?.code === 'string') return e.code;
  return 'unknown';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'firsthand_' });

  const watchWorker = jobMetrics(registry);
  const externalErrors = new Counter({
    name: 'firsthand_external_call_errors_total',
    help: 'Failed calls to Slack and the social networks, by service, method and error',
    labelNames: ['service', 'method', 'error'],
    registers: [registry],
  });
  const quarantined = new Counter({
    name: 'firsthand_quarantined_items_total',
    help: 'Items kept in quarantine instead of stored as mentions (they broke the contract or the database refused them), by source',
    labelNames: ['source'],
    registers: [registry],
  });
  const watchQueues = queueDepthGauge(registry);
  const watchOutbox = outboxGauges(registry);
  const MeteredWebClient = meteredWebClientClass(externalErrors);

  return {
    registry,
    watchWorker,
    watchQueues,
    watchOutbox,
    slackClient: (token, clientOptions) => new MeteredWebClient(token, clientOptions),
    meterConnector: (connector) => meteredConnector(connector, externalErrors),
    countQuarantined(source, count) {
      // The network part only (poll:x, webhook:generic): a generic webhook's source is named by the sender.
      quarantined.inc({ source: source.split(':').slice(0, 2).join(':') }, count);
    },
    async handler(_req, res) {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    },
  };
}

/** Completions, failed attempts and latency of jobs; returns how a worker is watched. */
function jobMetrics(registry: Registry): Metrics['watchWorker'] {
  const processed = new Counter({
    name: 'firsthand_jobs_processed_total',
    help: 'Jobs completed, by queue',
    labelNames: ['queue'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'firsthand_jobs_failed_total',
    help: 'Job attempts that failed, by queue (a retried job counts each failed attempt)',
    labelNames: ['queue'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'firsthand_job_latency_seconds',
    help: 'Time a job spent waiting in its queue (wait), being handled (run), and both (total)',
    labelNames: ['queue', 'phase'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const observe = (queue: string, job: Job) => {
    if (!job.processedOn || !job.finishedOn) return;
    latency.observe({ queue, phase: 'wait' }, Math.max(0, job.processedOn - job.timestamp) / 1000);
    latency.observe({ queue, phase: 'run' }, Math.max(0, job.finishedOn - job.processedOn) / 1000);
    latency.observe({ queue, phase: 'total' }, Math.max(0, job.finishedOn - job.timestamp) / 1000);
  };
  return (worker) => {
    worker.on('completed', (job) => {
      processed.inc({ queue: worker.name });
      observe(worker.name, job);
    });
    worker.on('failed', () => failed.inc({ queue: worker.name }));
  };
}

/** Each watched queue's jobs by state, counted at scrape time; returns how queues are added to it. */
function queueDepthGauge(registry: Registry): Metrics['watchQueues'] {
  const watched: Queue[] = [];
  new Gauge({
    name: 'firsthand_queue_jobs',
    help: 'Jobs in each queue, by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(watched.map((queue) => queue.getJobCounts(...JOB_STATES)));
      watched.forEach((queue, index) => {
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[index]?.[state] ?? 0);
      });
    },
  });
  return (queues) => {
    watched.push(...queues);
  };
}

/** What is owed to Slack, read at scrape time; returns how the database to read it from is given. */
function outboxGauges(registry: Registry): Metrics['watchOutbox'] {
  let outboxDb: Database | undefined;
  const outboxAge = new Gauge({
    name: 'firsthand_slack_outbox_oldest_seconds',
    help: 'How long the oldest message, redraw or DM due to Slack has waited to be sent',
    registers: [registry],
  });
  new Gauge({
    name: 'firsthand_slack_outbox_pending',
    help: 'Messages, redraws and DMs due to Slack and not sent yet (work owed for later, such as a snooze or the weekly digest, counts from its time)',
    registers: [registry],
    async collect() {
      if (!outboxDb) return;
      const figures = await outboxFigures(outboxDb);
      this.set(figures.pending);
      outboxAge.set(figures.oldestSeconds);
    },
  });
  return (db) => {
    outboxDb = db;
  };
}

function meteredWebClientClass(externalErrors: Counter) {
  // Subclassing reaches every method: the client binds chat.postMessage and the rest to apiCall at construction.
  return class MeteredWebClient extends WebClient {
    override async apiCall(method: string, callOptions?: Record<string, unknown>): Promise<WebAPICallResult> {
      try {
        return await super.apiCall(method, callOptions);
      } catch (error) {
        externalErrors.inc({ service: 'slack', method, error: errorCode(error) });
        throw error;
      }
    }
  };
}

function meteredConnector<C extends NetworkConnector>(connector: C, externalErrors: Counter): C {
  // A proxy keeps whatever else a connector offers (its stand-in hooks, its limits) untouched.
  return new Proxy(connector, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if ((property !== 'reply' && property !== 'poll') || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (error) {
          externalErrors.inc({ service: target.network, method: property, error: errorCode(error) });
          throw error;
        }
      };
    },
  });
}
