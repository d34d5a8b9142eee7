import type { Policy } from '../../routing/compiled-policy.js';
import { loadPolicyFile } from '../../routing/policy-file.js';
import { loadTeamFile, type TeamFile } from '../../routing/team-file.js';
import { type CheckResult, errorText, fail, ok } from './check.js';

export interface FileChecks {
  results: CheckResult[];
  /** The parsed team file, for the roster check; undefined when it did not parse. */
  team: TeamFile | undefined;
  /** The parsed policy, for the team channels' check; undefined when it did not parse. */
  policy: Policy | undefined;
}

export function checkFiles(teamFile: string, policyFile: string): FileChecks {
  const results: CheckResult[] = [];
  let team: TeamFile | undefined;
  let policy: Policy | undefined;
  try {
    team = loadTeamFile(teamFile);
    results.push(ok('Team file', `${teamFile}: owner ${team.owner.name} and ${team.staff.length} staff`));
  } catch (error) {
    results.push(
      fail(
        'Team file',
        errorText(error),
        `correct ${teamFile} at the line named (TEAM_FILE picks the file; npm run team:init -- --channel C… writes a first one)`,
      ),
    );
  }
  try {
    policy = loadPolicyFile(policyFile);
    results.push(ok('Policy file', `${policyFile} is valid`));
  } catch (error) {
    results.push(
      fail(
        'Policy file',
        errorText(error),
        `correct ${policyFile} at the line named (POLICY_FILE picks the file; npm run policy:schema writes its JSON schema for editors)`,
      ),
    );
  }
  return { results, team, policy };
}
