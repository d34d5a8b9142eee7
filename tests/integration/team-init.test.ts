import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { slackWebCall } from '../../src/ops/slack-web-call.js';
import { initTeamFile } from '../../src/ops/team-init.js';
import { loadTeamFile } from '../../src/routing/team-file.js';
import { type SlackStandinOptions, startSlackStandin } from '../standins/slack.standin.js';

const CHANNEL = 'C0TEAM001';
const dir = mkdtempSync(join(tmpdir(), 'fh-team-init-'));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const people: NonNullable<SlackStandinOptions['users']> = [
  { id: 'U0OWNER01', name: 'rosa', realName: 'Rosa Almeida', tz: 'Europe/Lisbon' },
  { id: 'U0SAM0001', name: 'sam', realName: 'Sam "Spanner" Okafor', tz: 'Europe/London' },
  { id: 'U0NOTZ001', name: 'kim' },
  { id: 'U0GONE001', name: 'gone', deleted: true },
  { id: 'U0ZAPIER1', name: 'zapier', isBot: true },
];

async function slack(options: Partial<SlackStandinOptions> = {}) {
  const standin = await startSlackStandin({
    token: 'xoxb-good',
    users: people,
    channelMembers: { [CHANNEL]: ['U0BOT0001', ...people.map((p) => p.id)] },
    ...options,
  });
  closers.push(standin.close);
  return { standin, call: slackWebCall(standin.apiUrl, 'xoxb-good') };
}

let files = 0;
const freshPath = () => join(dir, `team-${++files}.yaml`);

describe('npm run team:init', () => {
  it('writes a team file from the channel’s people: ids, names and time zones, skills left to fill in', async () => {
    const { call } = await slack();
    const path = freshPath();
    await initTeamFile({
      call,
      channel: CHANNEL,
      path,
      business: 'Harbour Street Bikes',
      ownerId: undefined,
    });
    const team = loadTeamFile(path);
    expect(team.business).toBe('Harbour Street Bikes');
    expect(team.owner).toMatchObject({
      id: 'U0OWNER01',
      name: 'Rosa Almeida',
      timezone: 'Europe/Lisbon',
      skills: [],
    });
    expect(team.staff.map((p) => [p.id, p.name, p.timezone])).toEqual([
      ['U0SAM0001', 'Sam "Spanner" Okafor', 'Europe/London'],
      ['U0NOTZ001', 'kim', 'UTC'],
    ]);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('skills: [] # fill in: the topics they handle');
    expect(text).toContain('languages: [en] # fill in: the languages they answer in');
    expect(text).toContain('timezone: UTC # no time zone in their Slack profile');
  });

  it('makes the named member the owner', async () => {
    const { call } = await slack();
    const path = freshPath();
    await initTeamFile({ call, channel: CHANNEL, path, business: 'Shop', ownerId: 'U0SAM0001' });
    const team = loadTeamFile(path);
    expect(team.owner.id).toBe('U0SAM0001');
    expect(team.staff.map((p) => p.id)).toEqual(['U0OWNER01', 'U0NOTZ001']);
  });

  it('never overwrites an existing file, and asks Slack nothing then', async () => {
    const { standin, call } = await slack();
    const path = freshPath();
    writeFileSync(path, 'business: Mine\n');
    await expect(
      initTeamFile({ call, channel: CHANNEL, path, business: 'Shop', ownerId: undefined }),
    ).rejects.toMatchObject({
      message: `${path} exists; it is never overwritten`,
      fix: expect.stringContaining('--out'),
    });
    expect(readFileSync(path, 'utf8')).toBe('business: Mine\n');
    expect(standin.calls).toEqual([]);
  });

  it('says which scope to add when the token cannot list the channel', async () => {
    const { call } = await slack({ missingScopes: ['channels:read'] });
    const attempt = initTeamFile({
      call,
      channel: CHANNEL,
      path: freshPath(),
      business: 'Shop',
      ownerId: undefined,
    });
    await expect(attempt).rejects.toMatchObject({
      message: 'conversations.members: the token lacks channels:read',
      fix: expect.stringContaining('Reinstall to Workspace'),
    });
  });

  it('waits out Slack’s rate limit instead of giving up', async () => {
    const { standin, call } = await slack();
    standin.rateLimitNext('users.info', 1, 1);
    const path = freshPath();
    await initTeamFile({ call, channel: CHANNEL, path, business: 'Shop', ownerId: undefined });
    expect(loadTeamFile(path).staff).toHaveLength(2);
  });

  it('pages through a large channel', async () => {
    const many = Array.from({ length: 450 }, (_, i) => ({
      id: `U0P${String(i).padStart(5, '0')}`,
      name: `p${i}`,
      tz: 'UTC',
    }));
    const { standin, call } = await slack({
      users: many,
      channelMembers: { [CHANNEL]: many.map((p) => p.id) },
    });
    const path = freshPath();
    await initTeamFile({ call, channel: CHANNEL, path, business: 'Shop', ownerId: undefined });
    expect(loadTeamFile(path).staff).toHaveLength(449);
    expect(standin.callsTo('conversations.members')).toHaveLength(3);
  });
});
