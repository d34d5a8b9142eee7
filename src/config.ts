import { z } from 'zod';

/** The only module that reads `process.env`. Everything else receives a Config. */
const optionalUrl = z.url().optional();
const blankAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.preprocess(blankAsUndefined, optionalUrl),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: z.preprocess(blankAsUndefined, z.url().default('redis://127.0.0.1:6379')),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default('firsthand'),
    SLACK_BOT_TOKEN: z.string().min(1),
    SLACK_SIGNING_SECRET: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    SLACK_APP_TOKEN: z.preprocess(blankAsUndefined, z.string().startsWith('xapp-').optional()),
    SLACK_API_URL: z.url().default('https://slack.com/api/'),
    SLACK_CHANNEL_ID: z.string().regex(/^[CGD][A-Z0-9]+$/, 'a Slack channel id such as C0123ABCD'),
    INGEST_TOKEN: z.string().min(16, 'at least 16 characters'),
    TEAM_FILE: z.string().min(1).default('examples/team.yaml'),
    MASTODON_URL: z.preprocess(blankAsUndefined, optionalUrl),
    MASTODON_TOKEN: z.preprocess(blankAsUndefined, z.string().min(1).optional()),
    MASTODON_POLL_SECONDS: z.coerce.number().int().min(0).default(30),
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
  });

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  port: number;
  database: { url: string | undefined; dataDir: string };
  redis: { url: string; prefix: string };
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    channelId: string;
  };
  ingestToken: string;
  teamFile: string;
  mastodon: { url: string; token: string; pollSeconds: number } | undefined;
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
    database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      channelId: e.SLACK_CHANNEL_ID,
    },
    ingestToken: e.INGEST_TOKEN,
    teamFile: e.TEAM_FILE,
    mastodon:
      e.MASTODON_URL && e.MASTODON_TOKEN
        ? { url: e.MASTODON_URL, token: e.MASTODON_TOKEN, pollSeconds: e.MASTODON_POLL_SECONDS }
        : undefined,
  };
}
