import { existsSync, writeFileSync } from 'node:fs';
import { TeamFileSchema } from '../routing/team-file.js';
import { parseYamlText } from '../routing/yaml-file.js';
import type { SlackAnswer, SlackWebCall } from './slack-web-call.js';

/** A channel member as Slack's profile describes them. */
export interface ChannelPerson {
  id: string;
  name: string;
  /** An IANA zone, or undefined when the profile has none Intl knows. */
  timezone: string | undefined;
}

export class TeamInitError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'TeamInitError';
  }
}

const REINSTALL =
  'api.slack.com/apps → your app → OAuth & Permissions: add the scopes from slack/manifest.yaml (users:read, channels:read, groups:read), then Reinstall to Workspace';

function refuse(method: string, answer: SlackAnswer, channel: string): never {
  const error = answer.body.error ?? 'unknown_error';
  if (error === 'missing_scope') {
    throw new TeamInitError(`${method}: the token lacks ${answer.body.needed ?? 'a scope'}`, REINSTALL);
  }
  if (error === 'channel_not_found' || error === 'not_in_channel') {
    throw new TeamInitError(
      `${method}: ${channel}: ${error}`,
      'check the channel id (channel → name → About → Channel ID); a private channel must invite the bot first',
    );
  }
  if (error === 'invalid_auth' || error === 'not_authed') {
    throw new TeamInitError(
      `${method}: ${error}`,
      'set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…)',
    );
  }
  throw new TeamInitError(`${method}: ${error}`, 'try again; if it persists, run npm run doctor');
}

const knownTimeZone = (tz: unknown): string | undefined => {
  if (typeof tz !== 'string' || tz === '') return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
};

/** The channel's people, in Slack's order, without bots, deactivated accounts or Slackbot. */
export async function channelPeople(call: SlackWebCall, channel: string): Promise<ChannelPerson[]> {
  const ids: string[] = [];
  let cursor = '';
  do {
    const answer = await call('conversations.members', {
      channel,
      limit: '200',
      ...(cursor ? { cursor } : {}),
    });
    if (!answer.body.ok) refuse('conversations.members', answer, channel);
    ids.push(...((answer.body.members as string[] | undefined) ?? []));
    cursor = (answer.body.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '';
  } while (cursor);
  const people: ChannelPerson[] = [];
  for (const id of ids) {
    const answer = await call('users.info', { user: id });
    if (!answer.body.ok) refuse('users.info', answer, channel);
    const user = answer.body.user as {
      id: string;
      name?: string;
      real_name?: string;
      tz?: string;
      deleted?: boolean;
      is_bot?: boolean;
      profile?: { real_name?: string; display_name?: string };
    };
    if (user.deleted || user.is_bot || user.id === 'USLACKBOT') continue;
    const name =
      user.real_name || user.profile?.real_name || user.profile?.display_name || user.name || user.id;
    people.push({ id: user.id, name, timezone: knownTimeZone(user.tz) });
  }
  return people;
}

const quoted = (text: string) => JSON.stringify(text);

function personLines(person: ChannelPerson, indent: string, first: string): string[] {
  return [
    `${first}id: ${person.id}`,
    `${indent}name: ${quoted(person.name)}`,
    person.timezone
      ? `${indent}timezone: ${person.timezone}`
      : `${indent}timezone: UTC # no time zone in their Slack profile: set theirs`,
    `${indent}skills: [] # fill in: the topics they handle, as the policy file names them`,
    `${indent}languages: [en] # fill in: the languages they answer in`,
  ];
}

/**
 * A starting team file: the owner first, then the staff. Ids, names and time
 * zones are Slack's; skills and languages are the owner's to fill in.
 */
export function teamYaml(input: {
  business: string;
  channel: string;
  owner: ChannelPerson;
  staff: ChannelPerson[];
}): string {
  const lines = [
    `# Written by npm run team:init from the members of ${input.channel}.`,
    '# Ids, names and time zones come from Slack profiles. Fill in what Slack cannot know:',
    '#   skills     the topics each person handles, as the policy file names them, e.g. [billing, repairs]',
    '#   languages  the languages they answer in (ISO 639-1), e.g. [en, pt]',
    '# Optional per person: capacity (open conversations at once, default 10) and',
    '# hours in their time zone, e.g. hours: { mon-fri: "09:00-17:30" }.',
    `business: ${quoted(input.business)}`,
    '# The owner gets escalations and the surge threads. Make sure it is the right person.',
    'owner:',
    ...personLines(input.owner, '  ', '  '),
  ];
  if (input.staff.length === 0) lines.push('staff: []');
  else {
    lines.push('staff:');
    for (const person of input.staff) lines.push(...personLines(person, '    ', '  - '));
  }
  return `${lines.join('\n')}\n`;
}

export interface TeamInitOptions {
  call: SlackWebCall;
  channel: string;
  path: string;
  business: string;
  /** The owner's Slack id; the first member of the channel when absent. */
  ownerId: string | undefined;
}

/** Writes the starting team file; never replaces one that exists. Returns the people written. */
export async function initTeamFile(options: TeamInitOptions): Promise<ChannelPerson[]> {
  const refuseExisting = () =>
    new TeamInitError(
      `${options.path} exists; it is never overwritten`,
      'edit it, or move it away and run again (or choose another file with --out)',
    );
  if (existsSync(options.path)) throw refuseExisting();
  const people = await channelPeople(options.call, options.channel);
  const owner = options.ownerId ? people.find((p) => p.id === options.ownerId) : people[0];
  if (!owner) {
    throw new TeamInitError(
      options.ownerId
        ? `${options.ownerId} is not a person in ${options.channel}`
        : `${options.channel} has no people in it, only bots`,
      'invite the team to the channel, or pass --owner with a member’s id',
    );
  }
  const text = teamYaml({
    business: options.business,
    channel: options.channel,
    owner,
    staff: people.filter((p) => p !== owner),
  });
  // What is written must load: the app reads it with this schema at start.
  parseYamlText(text, TeamFileSchema, options.path);
  try {
    // 'wx' fails if the file appeared meanwhile: the refusal holds without a race.
    writeFileSync(options.path, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw refuseExisting();
    throw error;
  }
  return people;
}
