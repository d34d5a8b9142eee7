import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { SlackAnswer, SlackWebCall } from '../slack-web-call.js';
import { type CheckResult, errorText, fail, ok, warn } from './check.js';

export const MANIFEST_PATH = fileURLToPath(new URL('../../../slack/manifest.yaml', import.meta.url));
const REINSTALL =
  'api.slack.com/apps → your app → OAuth & Permissions: add the scopes from slack/manifest.yaml, then Reinstall to Workspace and copy the new xoxb- token into SLACK_BOT_TOKEN';

const ManifestSchema = z.object({
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
});

/** The bot scopes slack/manifest.yaml asks for: what an installed token must hold. */
export function manifestBotScopes(path = MANIFEST_PATH): string[] {
  return ManifestSchema.parse(parse(readFileSync(path, 'utf8'))).oauth_config.scopes.bot;
}

export function judgeAuth(answer: SlackAnswer): CheckResult {
  const name = 'Slack token';
  if (answer.body.ok) {
    return ok(name, `auth.test: ${String(answer.body.user)} in ${String(answer.body.team)}`);
  }
  const error = answer.body.error ?? 'unknown_error';
  if (error === 'not_allowed_token_type') {
    return fail(
      name,
      'auth.test: not_allowed_token_type',
      'SLACK_BOT_TOKEN must be the Bot User OAuth Token (xoxb-…), not the app-level xapp- token',
    );
  }
  return fail(
    name,
    `auth.test: ${error}`,
    'copy the Bot User OAuth Token (xoxb-…) from api.slack.com/apps → your app → OAuth & Permissions into SLACK_BOT_TOKEN',
  );
}

export function judgeScopes(granted: string[] | undefined, wanted: string[]): CheckResult {
  const name = 'Slack scopes';
  if (!granted) {
    return warn(name, 'Slack did not name the token’s scopes (no x-oauth-scopes header)', REINSTALL);
  }
  const missing = wanted.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) return fail(name, `the token lacks ${missing.join(', ')}`, REINSTALL);
  return ok(name, `all ${wanted.length} scopes of slack/manifest.yaml granted`);
}

/** conversations.history needs only a history scope and answers not_in_channel when the bot was not invited. */
export function judgeChannel(
  answer: SlackAnswer,
  channelId: string,
  botName: string,
  team?: string,
): CheckResult {
  const name = team ? `Slack channel of team ${team}` : 'Slack channel';
  const where = team ? `the channel of team ${team} in the policy file` : 'SLACK_CHANNEL_ID';
  if (answer.body.ok) return ok(name, `the bot is a member of ${channelId}`);
  switch (answer.body.error) {
    case 'not_in_channel':
      return fail(
        name,
        `the bot is not a member of ${channelId}`,
        `in that channel, type /invite @${botName}`,
      );
    case 'channel_not_found':
      return fail(
        name,
        `${channelId} not found`,
        `check ${where} (channel → name → About → Channel ID); a private channel must invite @${botName} first`,
      );
    case 'missing_scope':
      return fail(name, `cannot read ${channelId}: missing ${answer.body.needed ?? 'a scope'}`, REINSTALL);
    default:
      return fail(name, `conversations.history: ${answer.body.error}`, `check ${where}`);
  }
}

export interface RosterPerson {
  id: string;
  name: string;
}

/** One person of team.yaml against users.info: undefined when all is well. */
export function judgeRosterPerson(person: RosterPerson, answer: SlackAnswer): CheckResult | undefined {
  const name = `Slack roster ${person.id}`;
  const who = `${person.id} (${person.name} in the team file)`;
  if (!answer.body.ok) {
    if (answer.body.error === 'user_not_found') {
      return fail(
        name,
        `${who} is not a user of this workspace`,
        'fix the id in the team file: their Slack profile → ⋯ → Copy member ID',
      );
    }
    return fail(name, `users.info ${person.id}: ${answer.body.error}`, 'check the id in the team file');
  }
  const user = answer.body.user as { deleted?: boolean; is_bot?: boolean } | undefined;
  if (user?.deleted) {
    return fail(name, `${who} is deactivated`, 'remove them from the team file, or reactivate the account');
  }
  if (user?.is_bot) {
    return fail(name, `${who} is a bot`, 'list people only: replace the id with a person’s member ID');
  }
  return undefined;
}

export function judgeEvents(appToken: string | undefined, answer: SlackAnswer | undefined): CheckResult {
  const name = 'Slack events';
  if (!appToken) {
    return ok(
      name,
      'HTTP mode: Slack posts to <your public URL>/slack/events, verified with SLACK_SIGNING_SECRET (Slack checks the URL when it is saved)',
    );
  }
  if (answer?.body.ok) return ok(name, 'Socket Mode: apps.connections.open accepted SLACK_APP_TOKEN');
  const error = answer?.body.error ?? 'no answer';
  return fail(
    name,
    `Socket Mode: apps.connections.open: ${error}`,
    'api.slack.com/apps → your app → Basic Information → App-Level Tokens: create one with connections:write, put it in SLACK_APP_TOKEN, and turn Socket Mode on',
  );
}

export interface SlackCheckInput {
  call: SlackWebCall;
  /** Calls made with the app-level token; present in Socket Mode. */
  appCall: SlackWebCall | undefined;
  appToken: string | undefined;
  channelId: string;
  /** The channels teams of the policy file name for their conversations. */
  teamChannels?: { team: string; channel: string }[];
  /** Undefined when the team file could not be read (its own check says why). */
  roster: RosterPerson[] | undefined;
  manifestScopes: string[];
}

/** A call that cannot throw: a dropped connection or a non-JSON page becomes an error answer. */
const safely =
  (call: SlackWebCall): SlackWebCall =>
  (method, params) =>
    call(method, params).catch((error) => ({
      body: { ok: false, error: errorText(error) },
      scopes: undefined,
    }));

export async function checkSlack(input: SlackCheckInput): Promise<CheckResult[]> {
  let auth: SlackAnswer;
  try {
    auth = await input.call('auth.test');
  } catch (error) {
    return [
      fail('Slack token', `cannot reach Slack: ${errorText(error)}`, 'check SLACK_API_URL and the network'),
    ];
  }
  const results = [judgeAuth(auth)];
  if (!auth.body.ok) return results;
  const call = safely(input.call);
  results.push(judgeScopes(auth.scopes, input.manifestScopes));
  const botName = String(auth.body.user ?? 'firsthand');
  results.push(
    judgeChannel(
      await call('conversations.history', { channel: input.channelId, limit: '1' }),
      input.channelId,
      botName,
    ),
  );
  // Each team's own channel is posted to as the main one is: the bot must be in every one.
  for (const { team, channel } of input.teamChannels ?? []) {
    if (channel === input.channelId) continue;
    results.push(
      judgeChannel(await call('conversations.history', { channel, limit: '1' }), channel, botName, team),
    );
  }
  if (input.roster) {
    const problems: CheckResult[] = [];
    for (const person of input.roster) {
      const answer = await call('users.info', { user: person.id });
      if (!answer.body.ok && answer.body.error === 'missing_scope') {
        problems.push(fail('Slack roster', 'cannot look people up: the token lacks users:read', REINSTALL));
        break;
      }
      const problem = judgeRosterPerson(person, answer);
      if (problem) problems.push(problem);
    }
    results.push(
      ...(problems.length > 0
        ? problems
        : [ok('Slack roster', `all ${input.roster.length} people of the team file are active users`)]),
    );
  }
  const connection = input.appCall && (await safely(input.appCall)('apps.connections.open'));
  results.push(judgeEvents(input.appToken, connection));
  return results;
}
