/**
 * npm run team:init -- --channel C0123ABCD [--out team.yaml] [--owner U…] [--business "Name"]
 * Writes a starting team file from the channel's members; never overwrites one.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadSlackApiConfig } from '../src/config.js';
import { slackWebCall } from '../src/ops/slack-web-call.js';
import { initTeamFile, TeamInitError } from '../src/ops/team-init.js';

const USAGE =
  'usage: npm run team:init -- --channel C0123ABCD [--out team.yaml] [--owner U0123ABCD] [--business "Name"]';

try {
  const { values } = parseArgs({
    options: {
      channel: { type: 'string' },
      out: { type: 'string', default: 'team.yaml' },
      owner: { type: 'string' },
      business: { type: 'string', default: 'Your business' },
    },
  });
  if (!values.channel || !/^[CG][A-Z0-9]+$/.test(values.channel)) {
    console.error(USAGE);
    process.exit(2);
  }
  const slack = loadSlackApiConfig();
  const people = await initTeamFile({
    call: slackWebCall(slack.apiUrl, slack.botToken),
    channel: values.channel,
    path: values.out,
    business: values.business,
    ownerId: values.owner,
  });
  console.log(
    `wrote ${values.out}: ${people.length} people; fill in skills and languages, then set TEAM_FILE=${values.out}`,
  );
} catch (error) {
  if (error instanceof TeamInitError) {
    console.error(`✗ ${error.message}\n    fix: ${error.fix}`);
    process.exit(1);
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}
