import type { Policy } from './compiled-policy.js';

/**
 * The channels of the teams a person belongs to (named in `members`, or holding all of a team's
 * `skills`), in the policy's order; null stands for a team without a channel of its own (the main
 * channel). Empty: the person is on no team.
 */
export function teamChannelsOf(
  policy: Policy,
  person: { id: string; skills: readonly string[] },
): (string | null)[] {
  const channels: (string | null)[] = [];
  for (const team of Object.values(policy.file.teams)) {
    const member =
      team.members.includes(person.id) ||
      (team.skills.length > 0 && team.skills.every((skill) => person.skills.includes(skill)));
    if (member) channels.push(team.channel ?? null);
  }
  return channels;
}

/**
 * Where a conversation in `current` (null: the main channel) goes when handed to a person of these
 * team channels: it stays where any of the person's teams already is, and otherwise moves to their
 * first team's channel. A person on no team takes it where it is. Undefined: it stays.
 */
export function channelOnHandover(
  current: string | null,
  personChannels: readonly (string | null)[],
): string | null | undefined {
  if (personChannels.length === 0 || personChannels.includes(current)) return undefined;
  return personChannels[0];
}
