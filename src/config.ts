import { z } from 'zod';

/** The only module that reads `process.env`. Everything else receives a Config. */
const optionalUrl = z.url().optional();
const blankAsUndefined = (value: unknown) => (value === '' ? undefined : value);

/** What one process does: everything (the default), or one stage, so a large team can run several of each. */
export const ROLES = ['all', 'ingest', 'router', 'bot'] as const;
export type Role = (typeof ROLES)[number];

const DatabaseEnvSchema = z.object({
  DATABASE_URL: z.preprocess(blankAsUndefined, optionalUrl),
  DATA_DIR: z.string().min(1).default('./data'),
});

/** Just the database settings, for tools (migrations) that need nothing else. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): Config['database'] {
  const parsed = DatabaseEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`));
  }
  return { url: parsed.data.DATABASE_URL, dataDir: parsed.data.DATA_DIR };
}

const SlackApiEnvSchema = z.object({
  SLACK_BOT_TOKEN: z.string().min(1),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
});
const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** Just the bot token and API URL, for tools (team:init) that need nothing else. */
export function loadSlackApiConfig(env: NodeJS.ProcessEnv = process.env): {
  botToken: string;
  apiUrl: string;
} {
  const parsed = SlackApiEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return env[name] === undefined ? `${name} is required` : `${name}: ${issue.message}`;
      }),
    );
  }
  return { botToken: parsed.data.SLACK_BOT_TOKEN, apiUrl: withSlash(parsed.data.SLACK_API_URL) };
}

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    // /metrics, /readyz and /admin/queues live on their own port, on loopback unless said otherwise.
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9091),
    OPS_HOST: z.string().min(1).default('127.0.0.1'),
    OPS_TOKEN: z.preprocess(blankAsUndefined, z.string().min(16, 'at least 16 characters').optional()),
    ...DatabaseEnvSchema.shape,
    // Unset: the app starts a private redis-server of its own (see src/ops/embedded-redis.ts).
    REDIS_URL: z.preprocess(blankAsUndefined, optionalUrl),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default('firsthand'),
    FIRSTHAND_ROLE: z.enum(ROLES).default('all'),
    ADMIN_PASSWORD: z.preprocess(blankAsUndefined, z.string().min(12, 'at least 12 characters').optional()),
    ...SlackApiEnvSchema.shape,
    SLACK_SIGNING_SECRET: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    SLACK_APP_TOKEN: z.preprocess(blankAsUndefined, z.string().startsWith('xapp-').optional()),
    SLACK_CHANNEL_ID: z.string().regex(/^[CGD][A-Z0-9]+$/, 'a Slack channel id such as C0123ABCD'),
    // Slack allows about one message a second a channel and a few calls a second in all; raise them only for a stand-in.
    SLACK_CHANNEL_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(1),
    SLACK_CALLS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(10),
    SLACK_SURGE_BACKLOG: z.coerce.number().int().min(1).default(30),
    INGEST_TOKEN: z.string().min(16, 'at least 16 characters'),
    TEAM_FILE: z.string().min(1).default('examples/team.yaml'),
    POLICY_FILE: z.string().min(1).default('examples/policy.yaml'),
    QUEUE_SWEEP_SECONDS: z.coerce.number().int().min(1).default(60),
    // A newly connected account's first poll takes this much history, not months of it.
    POLL_FIRST_LOOKBACK_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 30)
      .default(24),
    MASTODON_URL: z.preprocess(blankAsUndefined, optionalUrl),
    MASTODON_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    MASTODON_POLL_SECONDS: z.coerce.number().int().min(0).default(30),
    X_API_URL: z.url().default('https://api.x.com'),
    X_BEARER_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    X_USER_ID: z.preprocess(
      blankAsUndefined,
      z
        .string()
        .regex(/^\d{1,19}$/, 'a numeric X user id')
        .optional(),
    ),
    X_CONSUMER_SECRET: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    X_POLL_SECONDS: z.coerce.number().int().min(0).default(60),
    META_GRAPH_URL: z.url().default('https://graph.facebook.com/v21.0'),
    META_APP_SECRET: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    META_VERIFY_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    FACEBOOK_PAGE_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    INSTAGRAM_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    INSTAGRAM_USER_ID: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    BLUESKY_SERVICE: z.url().default('https://bsky.social'),
    BLUESKY_IDENTIFIER: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    BLUESKY_PASSWORD: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    BLUESKY_POLL_SECONDS: z.coerce.number().int().min(0).default(30),
    GENERIC_WEBHOOK_SECRET: z.preprocess(
      blankAsUndefined,
      z.string().min(16, 'at least 16 characters').optional(),
    ),
    GENERIC_REPLY_URL: z.preprocess(blankAsUndefined, optionalUrl),
    // The optional model triage: an OpenAI-compatible chat completions endpoint, off unless a URL is set.
    TRIAGE_LLM_URL: z.preprocess(blankAsUndefined, optionalUrl),
    TRIAGE_LLM_MODEL: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    TRIAGE_LLM_API_KEY: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    TRIAGE_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4000),
    TRIAGE_LLM_DAILY_BUDGET: z.coerce.number().int().min(1).default(2000),
  })
  .superRefine((env, ctx) => {
    // HTTP mode verifies every request with the signing secret; Socket Mode does not use it.
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'required unless SLACK_APP_TOKEN (Socket Mode) is set',
      });
    }
    if (Boolean(env.MASTODON_URL) !== Boolean(env.MASTODON_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.MASTODON_URL ? 'MASTODON_TOKEN' : 'MASTODON_URL'],
        message: 'MASTODON_URL and MASTODON_TOKEN go together',
      });
    }
    // A network is on when any of its trigger variables is set; then every variable it needs must be set too.
    const groups: [label: string, needs: string[], triggers?: string[]][] = [
      ['X', ['X_BEARER_TOKEN', 'X_USER_ID']],
      ['X webhook', ['X_BEARER_TOKEN', 'X_USER_ID'], ['X_CONSUMER_SECRET']],
      ['Meta webhook', ['META_APP_SECRET', 'META_VERIFY_TOKEN']],
      ['Facebook', ['META_APP_SECRET', 'META_VERIFY_TOKEN'], ['FACEBOOK_PAGE_TOKEN']],
      [
        'Instagram',
        ['INSTAGRAM_TOKEN', 'INSTAGRAM_USER_ID', 'META_APP_SECRET', 'META_VERIFY_TOKEN'],
        ['INSTAGRAM_TOKEN', 'INSTAGRAM_USER_ID'],
      ],
      ['Bluesky', ['BLUESKY_IDENTIFIER', 'BLUESKY_PASSWORD']],
      ['generic replies', ['GENERIC_WEBHOOK_SECRET'], ['GENERIC_REPLY_URL']],
      // A key alone is a half-made setting, not a reason to send posts anywhere: it asks for the rest.
      [
        'model triage',
        ['TRIAGE_LLM_URL', 'TRIAGE_LLM_MODEL'],
        ['TRIAGE_LLM_URL', 'TRIAGE_LLM_MODEL', 'TRIAGE_LLM_API_KEY'],
      ],
    ];
    const values = env as Record<string, unknown>;
    const reported = new Set<string>();
    for (const [label, needs, triggers = needs] of groups) {
      const trigger = triggers.find((name) => values[name]);
      if (!trigger) continue;
      for (const name of needs) {
        if (values[name] || reported.has(name)) continue;
        reported.add(name);
        ctx.addIssue({ code: 'custom', path: [name], message: `required with ${trigger} (${label})` });
      }
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  port: number;
  /** The operations port: /metrics, /readyz, /admin/queues; `token`, when set, is asked of every request but /healthz. */
  ops: { port: number; host: string; token: string | undefined };
  role: Role;
  /** The BullMQ dashboard at /admin/queues is served only when this is set. */
  adminPassword: string | undefined;
  database: { url: string | undefined; dataDir: string };
  /** url undefined: the embedded redis-server. */
  redis: { url: string | undefined; prefix: string };
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    channelId: string;
    channelMessagesPerSecond: number;
    callsPerSecond: number;
    surgeBacklog: number;
  };
  ingestToken: string;
  teamFile: string;
  policyFile: string;
  /** How often the router looks again at waiting and covered conversations. */
  queueSweepSeconds: number;
  /** How far back the first poll of an account (no stored position yet) takes mentions. */
  pollFirstLookbackHours: number;
  mastodon: { url: string; token: string; pollSeconds: number } | undefined;
  x:
    | {
        apiUrl: string;
        token: string;
        userId: string;
        consumerSecret: string | undefined;
        pollSeconds: number;
      }
    | undefined;
  meta: { graphUrl: string; appSecret: string; verifyToken: string } | undefined;
  facebook: { pageToken: string } | undefined;
  instagram: { token: string; userId: string } | undefined;
  bluesky: { service: string; identifier: string; password: string; pollSeconds: number } | undefined;
  generic: { secret: string; replyUrl: string | undefined } | undefined;
  /** The optional model triage; undefined (the default) keeps every post on this machine. */
  triage:
    | { url: string; model: string; apiKey: string | undefined; timeoutMs: number; dailyBudget: number }
    | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return issue.code === 'invalid_type' && env[name] === undefined
          ? `${name} is required`
          : `${name}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    ops: { port: e.OPS_PORT, host: e.OPS_HOST, token: e.OPS_TOKEN },
    role: e.FIRSTHAND_ROLE,
    adminPassword: e.ADMIN_PASSWORD,
    database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: withSlash(e.SLACK_API_URL),
      channelId: e.SLACK_CHANNEL_ID,
      channelMessagesPerSecond: e.SLACK_CHANNEL_MESSAGES_PER_SECOND,
      callsPerSecond: e.SLACK_CALLS_PER_SECOND,
      surgeBacklog: e.SLACK_SURGE_BACKLOG,
    },
    ingestToken: e.INGEST_TOKEN,
    teamFile: e.TEAM_FILE,
    policyFile: e.POLICY_FILE,
    queueSweepSeconds: e.QUEUE_SWEEP_SECONDS,
    pollFirstLookbackHours: e.POLL_FIRST_LOOKBACK_HOURS,
    mastodon:
      e.MASTODON_URL && e.MASTODON_TOKEN
        ? { url: e.MASTODON_URL, token: e.MASTODON_TOKEN, pollSeconds: e.MASTODON_POLL_SECONDS }
        : undefined,
    x:
      e.X_BEARER_TOKEN && e.X_USER_ID
        ? {
            apiUrl: e.X_API_URL,
            token: e.X_BEARER_TOKEN,
            userId: e.X_USER_ID,
            consumerSecret: e.X_CONSUMER_SECRET,
            pollSeconds: e.X_POLL_SECONDS,
          }
        : undefined,
    meta:
      e.META_APP_SECRET && e.META_VERIFY_TOKEN
        ? { graphUrl: e.META_GRAPH_URL, appSecret: e.META_APP_SECRET, verifyToken: e.META_VERIFY_TOKEN }
        : undefined,
    facebook: e.FACEBOOK_PAGE_TOKEN ? { pageToken: e.FACEBOOK_PAGE_TOKEN } : undefined,
    instagram:
      e.INSTAGRAM_TOKEN && e.INSTAGRAM_USER_ID
        ? { token: e.INSTAGRAM_TOKEN, userId: e.INSTAGRAM_USER_ID }
        : undefined,
    bluesky:
      e.BLUESKY_IDENTIFIER && e.BLUESKY_PASSWORD
        ? {
            service: e.BLUESKY_SERVICE,
            identifier: e.BLUESKY_IDENTIFIER,
            password: e.BLUESKY_PASSWORD,
            pollSeconds: e.BLUESKY_POLL_SECONDS,
          }
        : undefined,
    generic: e.GENERIC_WEBHOOK_SECRET
      ? { secret: e.GENERIC_WEBHOOK_SECRET, replyUrl: e.GENERIC_REPLY_URL }
      : undefined,
    triage:
      e.TRIAGE_LLM_URL && e.TRIAGE_LLM_MODEL
        ? {
            url: e.TRIAGE_LLM_URL,
            model: e.TRIAGE_LLM_MODEL,
            apiKey: e.TRIAGE_LLM_API_KEY,
            timeoutMs: e.TRIAGE_LLM_TIMEOUT_MS,
            dailyBudget: e.TRIAGE_LLM_DAILY_BUDGET,
          }
        : undefined,
  };
}
