import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { CheckResult } from '../../src/ops/doctor/check.js';
import { exitCode, runDoctor } from '../../src/ops/doctor/run-doctor.js';
import { startBlueskyStandin } from '../standins/bluesky.standin.js';
import { startMastodonStandin } from '../standins/mastodon.standin.js';
import { type MetaStandinOptions, startMetaStandin } from '../standins/meta.standin.js';
import { type SlackStandinOptions, startSlackStandin } from '../standins/slack.standin.js';
import { startXStandin } from '../standins/x.standin.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_REDIS_URL } from '../support/redis.js';

const CHANNEL = 'C0TEAM001';
const BOT = 'U0BOT0001';
const PEOPLE = [
  { id: 'U0OWNER01', name: 'rosa', realName: 'Rosa Almeida', tz: 'Europe/Lisbon' },
  { id: 'U0SAM0001', name: 'sam', realName: 'Sam Okafor', tz: 'Europe/London' },
];

const dir = mkdtempSync(join(tmpdir(), 'fh-doctor-'));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function teamFile(staffIds: string[]): string {
  const path = join(dir, `team-${staffIds.join('-')}.yaml`);
  const staff = staffIds.map((id) => `  - { id: ${id}, name: Someone }`).join('\n');
  writeFileSync(path, `business: Shop\nowner: { id: U0OWNER01, name: Rosa }\nstaff:\n${staff}\n`);
  return path;
}

/** Runs the doctor against fresh stand-ins, with whatever mistake `slack` and `env` inject. */
async function doctor(
  options: {
    slack?: Partial<SlackStandinOptions>;
    meta?: Partial<MetaStandinOptions>;
    env?: Record<string, string>;
    staff?: string[];
  } = {},
) {
  const slack = await startSlackStandin({
    token: 'xoxb-good',
    users: PEOPLE,
    channelMembers: { [CHANNEL]: [BOT, ...PEOPLE.map((p) => p.id)] },
    ...options.slack,
  });
  const mastodon = await startMastodonStandin({ token: 'masto-good' });
  const x = await startXStandin({ token: 'x-good', account: { id: '1500', username: 'harbourbikes' } });
  const meta = await startMetaStandin({
    tokens: ['page-good', 'ig-good'],
    pages: { 'page-good': '555' },
    instagramAccounts: { '1784': 'harbourbikes' },
    ...options.meta,
  });
  const bluesky = await startBlueskyStandin({ handle: 'harbourbikes.bsky.social', password: 'app-password' });
  closers.push(slack.close, mastodon.close, x.close, meta.close, bluesky.close);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-good',
    SLACK_SIGNING_SECRET: 'signing-secret',
    SLACK_API_URL: slack.apiUrl,
    SLACK_CHANNEL_ID: CHANNEL,
    INGEST_TOKEN: 'ingest-token-0123456789',
    TEAM_FILE: teamFile(options.staff ?? ['U0SAM0001']),
    POLICY_FILE: 'examples/policy.yaml',
    MASTODON_URL: mastodon.url,
    MASTODON_TOKEN: 'masto-good',
    X_API_URL: x.apiUrl,
    X_BEARER_TOKEN: 'x-good',
    X_USER_ID: '1500',
    META_GRAPH_URL: meta.graphUrl,
    META_APP_SECRET: 'meta-secret',
    META_VERIFY_TOKEN: 'meta-verify',
    FACEBOOK_PAGE_TOKEN: 'page-good',
    INSTAGRAM_TOKEN: 'ig-good',
    INSTAGRAM_USER_ID: '1784',
    BLUESKY_SERVICE: bluesky.service,
    BLUESKY_IDENTIFIER: 'harbourbikes.bsky.social',
    BLUESKY_PASSWORD: 'app-password',
    ...options.env,
  });
  const lines: string[] = [];
  const results = await runDoctor(config, (line) => lines.push(line));
  return { results, output: lines.join('\n'), code: exitCode(results) };
}

const named = (results: CheckResult[], name: string) => results.find((r) => r.name.startsWith(name));

describe('npm run doctor against the stand-ins', () => {
  it('passes a correct configuration, one ok line per check', async () => {
    const { results, output, code } = await doctor();
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    for (const name of [
      'Team file',
      'Policy file',
      'Slack token',
      'Slack scopes',
      'Slack channel',
      'Slack roster',
    ]) {
      expect(output).toContain(`✓ ${name}:`);
    }
    expect(output).toContain('✓ X: users/me: @harbourbikes (1500)');
    expect(output).toContain('✓ Mastodon: verify_credentials');
    expect(output).toContain('✓ Facebook: Graph /me');
    expect(output).toContain('✓ Facebook webhooks: the Page 555 is subscribed to feed and messages');
    expect(output).toContain('✓ Instagram: Graph /1784');
    expect(output).toContain('✓ Bluesky: session for harbourbikes.bsky.social');
  });

  it('fails a token missing a scope of the manifest, and says to reinstall', async () => {
    const { output, code } = await doctor({ slack: { missingScopes: ['im:write'] } });
    expect(output).toContain('✗ Slack scopes: the token lacks im:write');
    expect(output).toMatch(/fix: .*OAuth & Permissions.*Reinstall to Workspace/);
    expect(code).toBe(1);
  });

  it('fails when the bot was not invited to the channel, and names the /invite', async () => {
    const { output, code } = await doctor({
      slack: { channelMembers: { [CHANNEL]: PEOPLE.map((p) => p.id) } },
    });
    expect(output).toContain(`✗ Slack channel: the bot is not a member of ${CHANNEL}`);
    expect(output).toContain('fix: in that channel, type /invite @firsthand');
    expect(code).toBe(1);
  });

  it("checks the bot is in every team's own channel the policy names", async () => {
    const policy = join(dir, 'policy-team-channels.yaml');
    writeFileSync(
      policy,
      'teams:\n  workshop:\n    members: [U0SAM0001]\n    channel: C0WORKSHOP\n  accounts:\n    channel: C0ACCOUNTS\n',
    );
    const { results, output, code } = await doctor({
      env: { POLICY_FILE: policy },
      slack: {
        channelMembers: {
          [CHANNEL]: [BOT, ...PEOPLE.map((p) => p.id)],
          C0WORKSHOP: [BOT],
          C0ACCOUNTS: ['U0SAM0001'],
        },
      },
    });
    expect(named(results, 'Slack channel of team workshop')?.status).toBe('ok');
    expect(output).toContain('✗ Slack channel of team accounts: the bot is not a member of C0ACCOUNTS');
    expect(code).toBe(1);
  });

  it('fails a roster id that is unknown, deactivated or a bot, one line each', async () => {
    const { results, output, code } = await doctor({
      slack: {
        users: [
          ...PEOPLE,
          { id: 'U0GONE001', name: 'gone', deleted: true },
          { id: 'U0ZAPIER1', name: 'zap', isBot: true },
        ],
      },
      staff: ['U0SAM0001', 'U0GHOST01', 'U0GONE001', 'U0ZAPIER1'],
    });
    expect(output).toContain(
      '✗ Slack roster U0GHOST01: U0GHOST01 (Someone in the team file) is not a user of this workspace',
    );
    expect(output).toContain('fix: fix the id in the team file: their Slack profile → ⋯ → Copy member ID');
    expect(named(results, 'Slack roster U0GONE001')?.detail).toMatch(/deactivated/);
    expect(named(results, 'Slack roster U0ZAPIER1')?.detail).toMatch(/is a bot/);
    expect(named(results, 'Slack roster U0SAM0001')).toBeUndefined();
    expect(code).toBe(1);
  });

  it('fails a rejected bot token before anything else about Slack', async () => {
    const { results, output } = await doctor({ env: { SLACK_BOT_TOKEN: 'xoxb-revoked' } });
    expect(output).toContain('✗ Slack token: auth.test: invalid_auth');
    expect(output).toMatch(/fix: copy the Bot User OAuth Token/);
    expect(named(results, 'Slack scopes')).toBeUndefined();
  });

  it('fails a bad network token with how to get a new one', async () => {
    const { output, code } = await doctor({
      env: { MASTODON_TOKEN: 'masto-revoked', X_BEARER_TOKEN: 'x-revoked' },
    });
    expect(output).toMatch(/✗ Mastodon: verify_credentials on .*: HTTP 401: The access token is invalid/);
    expect(output).toMatch(/fix: create an access token .* MASTODON_TOKEN/);
    expect(output).toMatch(/✗ X: users\/me: HTTP 401/);
    expect(output).toMatch(/fix: issue a new OAuth 2 user token .* X_BEARER_TOKEN/);
    expect(code).toBe(1);
  });

  it('fails bad Meta and Bluesky credentials, and a Page that sends the app no messages', async () => {
    const bad = await doctor({
      env: {
        FACEBOOK_PAGE_TOKEN: 'page-old',
        INSTAGRAM_TOKEN: 'ig-old',
        BLUESKY_PASSWORD: 'account-password',
      },
    });
    expect(bad.output).toMatch(
      /✗ Facebook: Graph \/me: Error validating access token.*\(code 190\)\n {4}fix: generate a Page access token/,
    );
    expect(bad.output).toMatch(/✗ Instagram: Graph \/1784: .*\n {4}fix: check INSTAGRAM_USER_ID/);
    expect(bad.output).toMatch(
      /✗ Bluesky: createSession for harbourbikes.bsky.social: HTTP 401.*\n {4}fix: .*App passwords/,
    );
    const unsubscribed = await doctor({ meta: { pageSubscriptions: { '555': ['feed'] } } });
    expect(unsubscribed.output).toContain('✗ Facebook webhooks: the Page 555 sends no messages events');
    expect(unsubscribed.output).toContain(
      'fix: subscribe the app to the Page: POST /555/subscribed_apps?subscribed_fields=feed,messages',
    );
  });

  it('fails an X token that belongs to another account than X_USER_ID', async () => {
    const { output } = await doctor({ env: { X_USER_ID: '999' } });
    expect(output).toContain('✗ X: the token belongs to @harbourbikes (1500), not X_USER_ID 999');
    expect(output).toContain('fix: set X_USER_ID=1500');
  });

  it('checks Socket Mode’s app token when one is set', async () => {
    const good = await doctor({ slack: { appToken: 'xapp-good' }, env: { SLACK_APP_TOKEN: 'xapp-good' } });
    expect(good.output).toContain('✓ Slack events: Socket Mode');
    const bad = await doctor({ slack: { appToken: 'xapp-good' }, env: { SLACK_APP_TOKEN: 'xapp-old' } });
    expect(bad.output).toContain('✗ Slack events: Socket Mode: apps.connections.open: invalid_auth');
    expect(bad.output).toMatch(/fix: .*App-Level Tokens/);
  });

  it('names the file and line of a broken team file', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'business: Shop\nowner: { id: rosa, name: Rosa }\n');
    const { output, code } = await doctor({ env: { TEAM_FILE: path } });
    expect(output).toContain(`✗ Team file: ${path}:2: owner.id: a Slack user id such as U0123ABCD`);
    expect(code).toBe(1);
  });
});

describe('npm run doctor against the real PostgreSQL and Redis', () => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.destroy());

  it('reports the versions, the applied migrations, the eviction policy and persistence', async () => {
    const { results, output } = await doctor({
      env: { DATABASE_URL: database?.url ?? '', REDIS_URL: TEST_REDIS_URL },
    });
    expect(named(results, 'PostgreSQL version')?.detail).toMatch(/^PostgreSQL \d+\.\d+/);
    expect(output).toMatch(/✓ PostgreSQL migrations: all \d+ applied/);
    expect(named(results, 'Redis version')?.detail).toMatch(/^Redis \d+\.\d+/);
    // The local server's policy is the machine's, not the test's: the line is there either way.
    expect(output).toMatch(/[✓✗] Redis eviction: maxmemory-policy \S+/);
    expect(output).toMatch(/[✓!] Redis persistence: /);
  });

  it('fails an unreachable Redis with what to check', async () => {
    const { output } = await doctor({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(output).toMatch(/✗ Redis: cannot reach REDIS_URL: .*\n {4}fix: check REDIS_URL/);
  });
});
