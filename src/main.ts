import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { oweNextDigest } from './bot/digest/weekly-digest.js';
import { oweDailySpamCount } from './bot/filtered-mentions.js';
import { registerListeners } from './bot/listeners.js';
import { recoverQueuedReplies } from './bot/recover-replies.js';
import { startRepliesWorker } from './bot/replies.worker.js';
import { createSlackApp, type SlackApp } from './bot/slack-app.js';
import { SlackSender } from './bot/slack-sender.js';
import { slackTransport } from './bot/slack-transport.js';
import { loadResponseFigures } from './bot/team-views.js';
import { type Config, ConfigError, loadConfig, ROLES, type Role } from './config.js';
import type { Network } from './contract/mention.js';
import { alertWork } from './contract/slack-work.js';
import { type Database, type DatabaseHandle, openDatabase } from './db/client.js';
import { tidyOutbox } from './db/slack-outbox-queries.repository.js';
import { OUTBOX_WAKE, oweSlack } from './db/slack-owed.repository.js';
import { upsertRoster } from './db/staff.repository.js';
import { createHttpServer, type Route, sendJson } from './http-server.js';
import { ingestMentionsHandler } from './ingest/ingest.http.js';
import { startPoller } from './ingest/poller.js';
import { createLogger } from './logger.js';
import type { NetworkConnector } from './network/connector.js';
import type { NetworkParts } from './network/parts.js';
import { configuredNetworks } from './network/registry.js';
import { ADMIN_BASE_PATH, adminBoard, mountPrefix } from './ops/admin-board.js';
import { type EmbeddedRedis, startEmbeddedRedis } from './ops/embedded-redis.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { createOpsServer, isLoopback } from './ops/ops-server.js';
import { type Check, databaseCheck, readinessHandler, redisCheck, slackCheck } from './ops/readiness.js';
import { repeatWithoutOverlap } from './ops/repeat.js';
import { statsRoute } from './ops/stats-route.js';
import { openQueues, type QueueSettings, type Queues } from './queue/queues.js';
import { closeQuietConversations, startClocks, sweepClockSteps } from './routing/clock-sweep.js';
import type { Policy } from './routing/compiled-policy.js';
import { assignWaitingConversations, handBackCoveredConversations } from './routing/drain-waiting.js';
import { startMentionsWorker } from './routing/mentions.worker.js';
import { loadPolicyFile } from './routing/policy-file.js';
import { recoverStalled } from './routing/recover-stalled.js';
import { StormWatch } from './routing/storm/storm-watch.js';
import { channelOnHandover as handoverChannel, teamChannelsOf } from './routing/team-channels.js';
import { loadTeamFile, rosterEntries, type TeamFile } from './routing/team-file.js';
import { createLlmTriage, type Triage } from './routing/triage/llm-triage.js';
import { FileError } from './routing/yaml-file.js';

const STORM_LOOK_MS = 5000;
// A step of a response clock fires within this long of its time.
const CLOCK_SWEEP_MS = 15_000;

/** What a run on a clock of its own changes: the demo moves `now` forward and sweeps often. */
export interface StartOptions {
  /** How often the router looks at response clocks (default 15 s of real time). */
  clockSweepMs?: number;
}

export interface Running {
  port: number;
  /** The operations port: /metrics, /readyz, /admin/queues. */
  opsPort: number;
  stop(): Promise<void>;
}

/** What the roles share, built once from config. */
interface Dependencies {
  now: () => Date;
  logger: Logger;
  team: TeamFile;
  policy: Policy;
  database: DatabaseHandle;
  db: Database;
  /** Every role runs where asked; `all` (the default) runs them in one process. */
  runs: (role: Exclude<Role, 'all'>) => boolean;
  metrics: Metrics;
  embeddedRedis: EmbeddedRedis | undefined;
  queueSettings: QueueSettings;
  queues: Queues;
  slackApp: SlackApp | undefined;
  slack: WebClient;
  networks: Required<NetworkParts>;
  connectors: Map<Network, NetworkConnector>;
  /** The router's view of storms: the routing worker places mentions by it, a sweep keeps it measured. */
  storm: StormWatch | undefined;
}

type Repeating = ReturnType<typeof repeatWithoutOverlap>;

/** What the roles started, empty or undefined where a role does not run. */
interface Roles {
  workers: Worker[];
  sender: SlackSender | undefined;
  pollers: Repeating[];
}

/** The repeating sweeps, undefined where their role does not run. */
interface Sweeps {
  recovery: Repeating | undefined;
  queueSweep: Repeating | undefined;
  clockSweep: Repeating | undefined;
  stormLook: Repeating | undefined;
  botSweep: Repeating | undefined;
  dailySpamCount: Repeating | undefined;
  outboxTidy: Repeating | undefined;
}

interface Servers {
  server: Server;
  opsServer: Server;
}

/** The composition root: parse once, build dependencies, start every role, stop them in reverse. */
export async function startFirsthand(
  config: Config,
  now: () => Date = () => new Date(),
  options: StartOptions = {},
): Promise<Running> {
  const deps = await buildDependencies(config, now);
  const roles = await startRoles(config, deps);
  const sweeps = startSweeps(config, deps, options);
  let ready = false;
  const servers = await startServers(config, deps, () => ready);
  await deps.slackApp?.start();
  ready = true;
  const port = (servers.server.address() as AddressInfo).port;
  const opsPort = (servers.opsServer.address() as AddressInfo).port;
  deps.logger.info(
    {
      port,
      opsPort,
      role: config.role,
      database: deps.database.driver,
      redis: deps.embeddedRedis ? 'embedded' : 'external',
      slack: config.slack.appToken ? 'socket' : 'http',
      staff: deps.team.staff.length,
    },
    'Firsthand is ready',
  );

  return {
    port,
    opsPort,
    async stop() {
      ready = false;
      await stopInReverse(deps, roles, sweeps, servers);
    },
  };
}

async function buildDependencies(config: Config, now: () => Date): Promise<Dependencies> {
  const logger = createLogger({ level: config.logLevel, pretty: config.env === 'development' });
  const team = loadTeamFile(config.teamFile);
  const policy = loadPolicyFile(config.policyFile);
  const database = await openDatabase(config.database);
  const { db } = database;
  await upsertRoster(db, rosterEntries(team));

  const runs = (role: Exclude<Role, 'all'>) => config.role === 'all' || config.role === role;
  const metrics = createMetrics();
  // No REDIS_URL: a private redis-server, as PGlite is for the database. It stops last.
  let embeddedRedis: EmbeddedRedis | undefined;
  try {
    embeddedRedis = config.redis.url
      ? undefined
      : await startEmbeddedRedis({ dataDir: config.database.dataDir });
  } catch (error) {
    await database.close();
    throw error;
  }
  const redisUrl = config.redis.url ?? embeddedRedis!.url;
  const queueSettings = { redisUrl, prefix: config.redis.prefix };
  const queues = openQueues(queueSettings);
  metrics.watchQueues([queues.mentions, queues.replies]);
  metrics.watchOutbox(db);
  const slackApp = runs('bot') ? await createSlackApp(config.slack) : undefined;
  // The sender and workers own retries: the client fails fast and a 429 is waited out, never lost or doubled.
  const slack = metrics.slackClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    fetch: slackTransport(),
  });

  const alertOwner = (kind: string, text: string) =>
    oweSlack(db, [alertWork(kind, text, now())]).catch((error: Error) =>
      logger.error({ err: error.message, kind }, 'could not owe an owner alert'),
    );
  const networks = configuredNetworks(config, { alertOwner });
  const connectors = new Map<Network, NetworkConnector>(
    networks.connectors.map((connector) => [connector.network, metrics.meterConnector(connector)]),
  );
  return {
    now,
    logger,
    team,
    policy,
    database,
    db,
    runs,
    storm: runs('router') ? new StormWatch({ db, now, policy, logger }) : undefined,
    metrics,
    embeddedRedis,
    queueSettings,
    queues,
    slackApp,
    slack,
    networks,
    connectors,
  };
}

/** Slack listeners, workers, the Slack sender and pollers, each where its role runs. */
async function startRoles(config: Config, deps: Dependencies): Promise<Roles> {
  const { now, logger, policy, database, db, runs, metrics, queueSettings, queues, slackApp, slack } = deps;
  // A conversation handed to someone of another team follows them to that team's channel.
  const channelOnHandover = (current: string | null, person: { id: string; skills: readonly string[] }) =>
    handoverChannel(current, teamChannelsOf(policy, person));
  if (slackApp) registerListeners(slackApp.app, { db, queues, now, logger, channelOnHandover });
  // Off unless TRIAGE_LLM_URL is set; then each new post's text and network go to that endpoint.
  let triage: Triage | undefined;
  if (runs('router') && config.triage) {
    triage = createLlmTriage(config.triage, { logger, now });
    const { model, url } = config.triage;
    logger.info({ model, host: new URL(url).host }, 'model triage is on: post texts are sent to this host');
  }
  const workers = [
    runs('router') &&
      startMentionsWorker({ db, queues, logger, now, policy, triage, storm: deps.storm }, queueSettings),
    runs('bot') && startRepliesWorker({ db, connectors: deps.connectors, logger, now }, queueSettings),
  ].filter((worker): worker is Worker => worker !== false);
  for (const worker of workers) metrics.watchWorker(worker);
  // Everything owed to Slack leaves through one sender; of several bot processes, one holds its lease.
  const sender = runs('bot')
    ? new SlackSender({
        db,
        slack,
        channelId: config.slack.channelId,
        channelMessagesPerSecond: config.slack.channelMessagesPerSecond,
        callsPerSecond: config.slack.callsPerSecond,
        surgeBacklog: config.slack.surgeBacklog,
        logger,
        now,
        onOwed: (wake) => database.listen(OUTBOX_WAKE, wake),
      })
    : undefined;
  await sender?.start();
  const pollDeps = {
    db,
    queues,
    logger,
    now,
    firstLookbackHours: config.pollFirstLookbackHours,
    onQuarantined: metrics.countQuarantined,
  };
  const pollers = runs('ingest')
    ? deps.networks.pollers.map(({ connector, everySeconds }) =>
        startPoller(pollDeps, metrics.meterConnector(connector), everySeconds),
      )
    : [];
  return { workers, sender, pollers };
}

function startSweeps(config: Config, deps: Dependencies, options: StartOptions): Sweeps {
  const { now, logger, policy, db, runs, queues } = deps;
  const recovery = runs('router')
    ? repeatWithoutOverlap(
        60_000,
        async () => {
          await recoverStalled({ db, queues, now });
        },
        (error) => logger.warn({ err: error.message }, 'recovery sweep failed'),
      )
    : undefined;
  // The waiting queue and covered conversations are looked at again as the team changes (shifts, returns, load).
  const queueSweep = runs('router')
    ? repeatWithoutOverlap(
        config.queueSweepSeconds * 1000,
        async () => {
          const drain = { db, queues, now, policy };
          const assigned = await assignWaitingConversations(drain);
          const handedBack = await handBackCoveredConversations(drain);
          if (assigned + handedBack > 0) logger.info({ assigned, handedBack }, 'queue sweep');
        },
        (error) => logger.warn({ err: error.message }, 'queue sweep failed'),
      )
    : undefined;

  // Response clocks: started for conversations someone holds, and their steps (reminder, hand-over,
  // owner) taken when due, by their time in PostgreSQL.
  const clockSweep = runs('router')
    ? repeatWithoutOverlap(
        options.clockSweepMs ?? CLOCK_SWEEP_MS,
        async () => {
          const clocks = { db, now, policy };
          const started = await startClocks(clocks);
          const steps = await sweepClockSteps(clocks);
          const closed = await closeQuietConversations(clocks);
          if (started + steps.fired + steps.missed + closed > 0)
            logger.info({ started, ...steps, closed }, 'clock sweep');
        },
        (error) => logger.warn({ err: error.message }, 'clock sweep failed'),
      )
    : undefined;

  // Storms start as mentions arrive (routing looks every second), but end, and keep the owner told,
  // while few or none do.
  const storm = deps.storm;
  const stormLook = storm
    ? repeatWithoutOverlap(
        STORM_LOOK_MS,
        () => storm.look(),
        (error) => logger.warn({ err: error.message }, 'storm look failed'),
      )
    : undefined;

  // Replies Redis could not take or lost: sent again, or handed back to their writer.
  const botSweep = runs('bot')
    ? repeatWithoutOverlap(
        30_000,
        async () => {
          const replies = await recoverQueuedReplies({ db, queues, now });
          if (replies.requeued + replies.failed > 0)
            logger.warn(replies, 'reply sweep found replies not posted');
        },
        (error) => logger.warn({ err: error.message }, 'bot sweep failed'),
      )
    : undefined;
  // The day's count of mentions filtered as spam, in the team channel once from 08:00 UTC, and the
  // owner's weekly digest (each claimed or keyed in the database, so every bot process may ask, at
  // start and every minute).
  const dailySpamCount = runs('bot')
    ? repeatWithoutOverlap(
        60_000,
        async () => {
          await oweDailySpamCount({ db, now, channelId: config.slack.channelId });
          // The owner's next weekly digest, owed for its Monday morning.
          await oweNextDigest({ db, now });
        },
        (error) => logger.warn({ err: error.message }, 'daily spam count failed'),
        { immediately: true },
      )
    : undefined;
  // Settled Slack work kept a week, for the admin board and for looking into what was sent.
  const outboxTidy = runs('bot')
    ? repeatWithoutOverlap(
        600_000,
        () => tidyOutbox(db, now(), new Date(now().getTime() - 7 * 86_400_000)),
        (error) => logger.warn({ err: error.message }, 'outbox tidy failed'),
      )
    : undefined;
  return { recovery, queueSweep, clockSweep, stormLook, botSweep, dailySpamCount, outboxTidy };
}

/** The public port and the operations port, listening once this resolves. */
async function startServers(config: Config, deps: Dependencies, isReady: () => boolean): Promise<Servers> {
  const { logger, db, runs, metrics, queues, slackApp } = deps;
  const readiness: Record<string, Check> = {
    database: databaseCheck(db),
    redis: redisCheck(queues.mentions),
  };
  if (runs('bot')) readiness.slack = slackCheck(deps.slack);
  const ingestDeps = { db, queues, onQuarantined: metrics.countQuarantined };
  const healthz: Route = (_req, res) => {
    const ready = isReady();
    sendJson(res, ready ? 200 : 503, { ok: ready });
  };
  // The public port: Slack, ingest and a liveness probe, nothing an outsider could learn the system from.
  const server = createHttpServer(
    {
      'GET /healthz': healthz,
      'POST /ingest/mentions': runs('ingest')
        ? ingestMentionsHandler({ ...ingestDeps, ingestToken: config.ingestToken })
        : undefined,
      ...(runs('ingest') ? deps.networks.routes({ ...ingestDeps, now: deps.now }) : {}),
    },
    slackApp?.httpListener,
    logger,
  );
  const opsServer = createOpsServer(
    {
      healthz,
      readyz: readinessHandler(readiness, isReady),
      metrics: (req, res) => metrics.handler(req, res),
      stats: statsRoute((period) => loadResponseFigures({ db, now: deps.now }, period)),
    },
    config.ops.token,
    logger,
  );
  if (config.adminPassword) {
    mountPrefix(
      opsServer,
      ADMIN_BASE_PATH,
      adminBoard([queues.mentions, queues.replies], config.adminPassword),
    );
  }
  if (!isLoopback(config.ops.host) && !config.ops.token) {
    logger.warn(
      { host: config.ops.host },
      'the operations port (/metrics, /readyz) is reachable beyond this machine without OPS_TOKEN',
    );
  }
  server.listen(config.port, '0.0.0.0');
  opsServer.listen(config.ops.port, config.ops.host);
  await Promise.all([once(server, 'listening'), once(opsServer, 'listening')]);
  return { server, opsServer };
}

/** What brings work in stops first (sweeps, ports, pollers, Slack), then what works on it, then the stores. */
async function stopInReverse(
  deps: Dependencies,
  roles: Roles,
  sweeps: Sweeps,
  { server, opsServer }: Servers,
): Promise<void> {
  await sweeps.recovery?.stop();
  await sweeps.queueSweep?.stop();
  await sweeps.clockSweep?.stop();
  await sweeps.stormLook?.stop();
  await sweeps.botSweep?.stop();
  await sweeps.dailySpamCount?.stop();
  await sweeps.outboxTidy?.stop();
  const closed = [server, opsServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
  server.closeAllConnections();
  opsServer.closeAllConnections();
  await Promise.all(closed);
  await Promise.all(roles.pollers.map((poller) => poller.stop()));
  await deps.slackApp?.stop();
  // Workers finish the jobs in hand before closing, then the sender what it has in hand.
  await Promise.all(roles.workers.map((worker) => worker.close()));
  await roles.sender?.stop();
  await deps.queues.close();
  await deps.database.close();
  await deps.embeddedRedis?.stop();
}

async function run(): Promise<void> {
  let config: Config;
  try {
    // `--role ingest|router|bot` on the command line wins over FIRSTHAND_ROLE.
    const flag = process.argv.indexOf('--role');
    const role = flag >= 0 ? process.argv[flag + 1] : undefined;
    if (flag >= 0 && !ROLES.includes(role as Role))
      throw new ConfigError([`--role: one of ${ROLES.join(', ')}`]);
    config = loadConfig(role ? { ...process.env, FIRSTHAND_ROLE: role } : process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  let running: Running;
  try {
    running = await startFirsthand(config);
  } catch (error) {
    console.error(error instanceof FileError ? error.message : error);
    process.exit(1);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.stop().then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
