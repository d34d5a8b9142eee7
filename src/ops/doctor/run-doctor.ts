import type { Config } from '../../config.js';
import { slackWebCall } from '../slack-web-call.js';
import type { CheckResult } from './check.js';
import { checkFiles } from './files.checks.js';
import { checkNetworks } from './networks.checks.js';
import { checkPostgres } from './postgres.checks.js';
import { checkRedis } from './redis.checks.js';
import { checkSlack, manifestBotScopes } from './slack.checks.js';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

/** One check as printed: a mark, the name and what was found, and for anything wrong a `fix:` line under it. */
export function formatResult(result: CheckResult): string {
  const line = `${MARK[result.status]} ${result.name}: ${result.detail}`;
  return result.fix ? `${line}\n    fix: ${result.fix}` : line;
}

export const exitCode = (results: CheckResult[]): number =>
  results.some((result) => result.status === 'fail') ? 1 : 0;

/**
 * Every check, area by area, each area's lines handed to `print` as soon as
 * they are known. Read-only: nothing is migrated, posted or changed.
 */
export async function runDoctor(
  config: Config,
  print: (line: string) => void,
  manifestScopes: string[] = manifestBotScopes(),
): Promise<CheckResult[]> {
  const all: CheckResult[] = [];
  const report = (results: CheckResult[]) => {
    for (const result of results) print(formatResult(result));
    all.push(...results);
  };
  const files = checkFiles(config.teamFile, config.policyFile);
  report(files.results);
  const team = files.team;
  report(
    await checkSlack({
      call: slackWebCall(config.slack.apiUrl, config.slack.botToken),
      appCall: config.slack.appToken ? slackWebCall(config.slack.apiUrl, config.slack.appToken) : undefined,
      appToken: config.slack.appToken,
      channelId: config.slack.channelId,
      teamChannels: Object.entries(files.policy?.file.teams ?? {}).flatMap(([team, { channel }]) =>
        channel ? [{ team, channel }] : [],
      ),
      roster: team && [team.owner, ...team.staff].map(({ id, name }) => ({ id, name })),
      manifestScopes,
    }),
  );
  report(await checkNetworks(config));
  report(await checkPostgres(config.database.url, config.database.dataDir));
  report(await checkRedis(config.redis.url));
  return all;
}
