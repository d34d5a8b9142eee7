import { parseArgs } from 'node:util';
import { loadPolicyFile } from '../src/routing/policy-file.js';
import { Simulator } from '../src/routing/simulator.js';
import { loadTeamFile } from '../src/routing/team-file.js';
import { FileError } from '../src/routing/yaml-file.js';
import { readMentionsFile } from './lib/mentions-file.js';
import { startingRoster } from './lib/roster.js';

/**
 * A dry run before going live: routes a JSONL file of normalized mentions in
 * memory, without PostgreSQL or Redis. One JSON decision per input line on
 * stdout, in time order; a summary on stderr.
 *
 *   npm run simulate -- --team examples/team.yaml --policy examples/policy.yaml \
 *     --input examples/mentions.jsonl [--now 2025-05-06T10:00:00Z] [--handle-minutes 60]
 *
 * Without --now each mention is routed at its own createdAt, as it would
 * have been live; with --now, all of them at that instant. A conversation
 * closes --handle-minutes after someone takes it, or as long after as the
 * history took to answer when a line carries `repliedAt`.
 */
function main(): number {
  const { values } = parseArgs({
    options: {
      team: { type: 'string' },
      policy: { type: 'string' },
      input: { type: 'string' },
      now: { type: 'string' },
      'handle-minutes': { type: 'string', default: '60' },
    },
  });
  if (!values.team || !values.policy || !values.input) {
    console.error(
      'usage: npm run simulate -- --team FILE --policy FILE --input FILE.jsonl [--now ISO-8601] [--handle-minutes N]',
    );
    return 2;
  }
  const fixedNow = values.now ? new Date(values.now) : undefined;
  if (fixedNow && Number.isNaN(fixedNow.getTime())) {
    console.error(`--now: "${values.now}" is not an ISO-8601 date and time`);
    return 2;
  }
  const handleMinutes = Number(values['handle-minutes']);
  if (!Number.isFinite(handleMinutes) || handleMinutes < 0) {
    console.error(`--handle-minutes: "${values['handle-minutes']}" is not a number of minutes`);
    return 2;
  }
  const simulator = new Simulator(startingRoster(loadTeamFile(values.team)), loadPolicyFile(values.policy), {
    handleMinutes,
  });
  const { inputs, problems } = readMentionsFile(values.input);
  for (const problem of problems) console.error(problem);
  for (const { mention, repliedAt } of inputs) {
    const decision = simulator.route(mention, fixedNow ?? new Date(mention.createdAt), repliedAt);
    process.stdout.write(`${JSON.stringify(decision)}\n`);
  }
  console.error(simulator.summary());
  if (problems.length > 0) console.error(`${problems.length} line(s) could not be read`);
  return problems.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof FileError ? error.message : error);
  process.exitCode = 1;
}
