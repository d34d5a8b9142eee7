import { describe, expect, it } from 'vitest';
import { loadTeamFile, rosterEntries, TeamFileSchema } from '../../src/routing/team-file.js';
import { FileError, parseYamlText } from '../../src/routing/yaml-file.js';

describe('the team roster file', () => {
  it('reads the shipped example: one owner and staff with Slack ids', () => {
    const team = loadTeamFile('examples/team.yaml');
    const roster = rosterEntries(team);
    expect(roster.filter((p) => p.role === 'owner')).toHaveLength(1);
    expect(roster.filter((p) => p.role === 'staff').length).toBeGreaterThanOrEqual(3);
    expect(roster.every((p) => /^U[A-Z0-9]+$/.test(p.id))).toBe(true);
  });

  it('names the line and the field of a mistake', () => {
    const source = [
      'business: Shop',
      'owner:',
      '  id: U0OWNER01',
      '  name: Ann',
      'staff:',
      '  - id: sam',
      '    name: Sam',
    ].join('\n');
    expect(() => parseYamlText(source, TeamFileSchema, 'team.yaml')).toThrow(
      new FileError('team.yaml:6: staff.0.id: a Slack user id such as U0123ABCD'),
    );
  });

  it('refuses the same person twice and an unknown time zone', () => {
    const source = [
      'business: Shop',
      'owner: { id: U0OWNER01, name: Ann }',
      'staff:',
      '  - { id: U0OWNER01, name: Ann again }',
      '  - { id: U0SAM0001, name: Sam, timezone: Mars/Olympus }',
    ].join('\n');
    expect(() => parseYamlText(source, TeamFileSchema, 'team.yaml')).toThrow(
      /staff\.0\.id: U0OWNER01 is listed twice/,
    );
    expect(() => parseYamlText(source, TeamFileSchema, 'team.yaml')).toThrow(
      /team\.yaml:5: staff\.1\.timezone/,
    );
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => parseYamlText('business: [unclosed\nowner: x', TeamFileSchema, 't.yaml')).toThrow(
      /^t\.yaml:\d+: /,
    );
  });
});
