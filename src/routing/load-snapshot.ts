import type { Mention } from '../contract/mention.js';
import type { Executor } from '../db/client.js';
import { type FactWindows, type RoutingFacts, readRoutingFacts } from '../db/routing.repository.js';
import { linkedIdentities, type Policy } from './compiled-policy.js';
import { parseIdentity } from './identity.js';
import type { RoutingSnapshot } from './snapshot.js';
import { isComplaint } from './understand/index.js';

const DAY = 86_400_000;

/** How far back the router looks: relationships, repeated complaints, copy-paste campaigns. */
export function factWindows(policy: Policy, now: Date): FactWindows {
  const repeat = policy.file.escalation.repeatComplaints;
  return {
    contactsSince: new Date(now.getTime() - policy.file.routing.relationshipDays * DAY),
    ...(repeat ? { textsSince: new Date(now.getTime() - repeat.withinDays * DAY) } : {}),
    sameTextSince: new Date(now.getTime() - DAY),
  };
}

/**
 * What decide() needs to know from the database about the team and this
 * customer. Facts already read with the mention (under its own handle) are
 * used as they are, unless the policy links the customer to other handles.
 */
export async function loadSnapshot(
  db: Executor,
  policy: Policy,
  mention: Mention & { id: string },
  now: Date,
  ownFacts?: RoutingFacts,
): Promise<{ snapshot: RoutingSnapshot; sameTextElsewhere: number; vouched: boolean }> {
  const identities = linkedIdentities(policy, mention.network, mention.author.handle);
  const windows = factWindows(policy, now);
  const facts =
    ownFacts && identities.length === 1
      ? ownFacts
      : await readRoutingFacts(db, {
          identities: identities.map((key) => {
            const { network, handle } = parseIdentity(key);
            return { network, handle };
          }),
          author: { network: mention.network, authorId: mention.author.id },
          contactsSince: windows.contactsSince,
          ...(windows.textsSince
            ? { texts: { since: windows.textsSince, exceptMentionId: mention.id } }
            : {}),
          sameText: { text: mention.text, since: windows.sameTextSince },
        });
  // Past complaints are read with the same rules as the mention in hand, so the count and the trigger agree.
  const recentComplaints = facts.texts.filter(isComplaint).length;
  return {
    snapshot: { staff: facts.staff, history: facts.contacts, recentComplaints },
    // Short texts ("thanks!") repeat innocently; only longer ones are a campaign.
    sameTextElsewhere: mention.text.length >= 20 ? facts.sameTextElsewhere : 0,
    vouched: facts.vouched,
  };
}
