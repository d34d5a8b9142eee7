import type { Mention } from '../contract/mention.js';
import type { Executor } from '../db/client.js';
import { type IdentityRef, readRoutingFacts } from '../db/routing.repository.js';
import { linkedIdentities, type Policy } from './compiled-policy.js';
import { parseIdentity } from './identity.js';
import type { RoutingSnapshot } from './snapshot.js';
import { readIntent } from './understand/intent.js';
import { readSentiment } from './understand/sentiment.js';
import { fold } from './understand/text.js';

const DAY = 86_400_000;

/** What decide() needs to know from the database about the team and this customer. */
export async function loadSnapshot(
  db: Executor,
  policy: Policy,
  mention: Mention & { id: string },
  now: Date,
): Promise<{ snapshot: RoutingSnapshot; sameTextElsewhere: number }> {
  const identities: IdentityRef[] = linkedIdentities(policy, mention.network, mention.author.handle).map(
    (key) => {
      const { network, handle } = parseIdentity(key);
      return { network, handle };
    },
  );
  const repeat = policy.file.escalation.repeatComplaints;
  const { staff, contacts, texts, sameTextElsewhere } = await readRoutingFacts(db, {
    identities,
    author: { network: mention.network, authorId: mention.author.id },
    contactsSince: new Date(now.getTime() - policy.file.routing.relationshipDays * DAY),
    ...(repeat
      ? { texts: { since: new Date(now.getTime() - repeat.withinDays * DAY), exceptMentionId: mention.id } }
      : {}),
    // Short texts ("thanks!") repeat innocently; only longer ones are a campaign.
    ...(mention.text.length >= 20
      ? { sameText: { text: mention.text, since: new Date(now.getTime() - DAY) } }
      : {}),
  });
  // Past complaints are read with the same rules as the mention in hand, so the count and the trigger agree.
  const recentComplaints = texts.filter((text) => {
    const folded = fold(text);
    return readIntent(folded, readSentiment(folded)).all.includes('complaint');
  }).length;
  return {
    snapshot: {
      staff,
      history: contacts,
      recentComplaints,
    },
    sameTextElsewhere,
  };
}
