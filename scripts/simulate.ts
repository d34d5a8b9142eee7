import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeIssues, MentionSchema } from '../src/contract/mention.js';
import { loadPolicyFile } from '../src/routing/policy-file.js';
import { Simulator } from '../src/routing/simulator.js';
import type { StaffSnapshot } from '../src/routing/snapshot.js';
import { loadTeamFile, rosterEntries } from '../src/team-file.js';
import { FileError } from '../src/yaml-file.js';

/**
 * A dry run before going live: routes a JSONL file of normalized mentions in
 * memory, without PostgreSQL or Redis. One JSON decision per input line on
 * stdout; a summary on stderr.
 *
 *   npm run simulate -- --team examples/team.yaml --policy examples/policy.yaml \
 *     --input examples/mentions.jsonl [--now 2025-05-06T10:00:00Z]
 *
 * Without --now each mention is routed at its own createdAt, as it would
 * have been live; with --now, all of them at that instant.
 */
function main(): number {
  const { values } = parseArgs({
    options: {
      team: { type: 'string' },
      policy: { type: 'string' },
      input: { type: 'string' },
      now: { type: 'string' },
    },
  });
  if (!values.team || !values.policy || !values.input) {
    console.error('usage: npm run simulate -- --team FILE --policy FILE --input FILE.jsonl [--now ISO-8601]');
    return 2;
  }
  const fixedNow = values.now ? new Date(values.now) : undefined;
  if (fixedNow && Number.isNaN(fixedNow.getTime())) {
    console.error(`--now: "${values.now}" is not an ISO-8601 date and time`);
    return 2;
  }
  const team = loadTeamFile(values.team);
  const policy = loadPolicyFile(values.policy);
  const staff: StaffSnapshot[] = rosterEntries(team).map((p) => ({
    id: p.id,
    name: p.name,
    role: p.role,
    skills: p.skills,
    languages: p.languages,
    timezone: p.timezone,
    capacity: p.capacity,
    openConversations: 0,
    awayUntil: p.awayUntil ?? null,
    workingHours: p.workingHours ?? null,
  }));
  const simulator = new Simulator(staff, policy);
  let failed = 0;
  readFileSync(values.input, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let parsed: ReturnType<typeof MentionSchema.safeParse>;
      try {
        parsed = MentionSchema.safeParse(JSON.parse(line));
      } catch (error) {
        console.error(`${values.input}:${index + 1}: not JSON (${(error as Error).message})`);
        failed++;
        return;
      }
      if (!parsed.success) {
        console.error(`${values.input}:${index + 1}: ${describeIssues(parsed.error)}`);
        failed++;
        return;
      }
      const mention = parsed.data;
      const decision = simulator.route(mention, fixedNow ?? new Date(mention.createdAt));
      process.stdout.write(`${JSON.stringify(decision)}\n`);
    });
  console.error(simulator.summary());
  if (failed > 0) console.error(`${failed} line(s) could not be read`);
  return failed > 0 ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof FileError ? error.message : error);
  process.exitCode = 1;
}
