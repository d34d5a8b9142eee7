import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { channelOnHandover, teamChannelsOf } from '../../../src/routing/team-channels.js';

const policy = compilePolicy(
  PolicyFileSchema.parse({
    teams: {
      workshop: { members: ['U0SAM0001'], channel: 'C0WORKSHOP' },
      accounts: { skills: ['billing'], channel: 'C0ACCOUNTS' },
      floor: { members: ['U0LUCIA01'] },
    },
  }),
);

describe('team channels', () => {
  it("names the channels of a person's teams, by membership or skills, null for the main channel", () => {
    expect(teamChannelsOf(policy, { id: 'U0SAM0001', skills: [] })).toEqual(['C0WORKSHOP']);
    expect(teamChannelsOf(policy, { id: 'U0JANE001', skills: ['billing'] })).toEqual(['C0ACCOUNTS']);
    expect(teamChannelsOf(policy, { id: 'U0LUCIA01', skills: [] })).toEqual([null]);
    expect(teamChannelsOf(policy, { id: 'U0TOM0001', skills: [] })).toEqual([]);
  });

  it('moves a handed-over conversation only to a team channel it is not already in', () => {
    expect(channelOnHandover('C0WORKSHOP', ['C0ACCOUNTS'])).toBe('C0ACCOUNTS');
    expect(channelOnHandover('C0WORKSHOP', [null])).toBeNull();
    expect(channelOnHandover(null, ['C0WORKSHOP'])).toBe('C0WORKSHOP');
    expect(channelOnHandover('C0WORKSHOP', ['C0ACCOUNTS', 'C0WORKSHOP'])).toBeUndefined();
    expect(channelOnHandover('C0WORKSHOP', [])).toBeUndefined();
  });

  it('refuses a team channel that is not a Slack channel id', () => {
    expect(PolicyFileSchema.safeParse({ teams: { workshop: { channel: '#workshop' } } }).success).toBe(false);
  });
});
