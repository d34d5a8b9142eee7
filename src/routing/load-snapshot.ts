import type { Mention } from '../contract/mention.js';
import type { Executor } from '../db/client.js';
import {
  countSameTextElsewhere,
  type IdentityRef,
  listCustomerContacts,
  listCustomerTexts,
} from '../db/routing.repository.js';
import { listRosterWithLoad } from '../db/staff.repository.js';
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
  const author = { network: mention.network, authorId: mention.author.id };
  const relationshipSince = new Date(now.getTime() - policy.file.routing.relationshipDays * DAY);
  const repeat = policy.file.escalation.repeatComplaints;
  // One after another: inside a transaction they share one connection, which runs one query at a time anyway.
  const staff = await listRosterWithLoad(db);
  const contacts = await listCustomerContacts(db, identities, author, relationshipSince);
  const texts = repeat
    ? await listCustomerTexts(
        db,
        identities,
        author,
        new Date(now.getTime() - repeat.withinDays * DAY),
        mention.id,
      )
    : [];
  // Short texts ("thanks!") repeat innocently; only longer ones are a campaign.
  const sameTextElsewhere =
    mention.text.length >= 20
      ? await countSameTextElsewhere(db, mention.text, mention.author.id, new Date(now.getTime() - DAY))
      : 0;
  // Past complaints are read with the same rules as the mention in hand, so the count and the trigger agree.
  const recentComplaints = texts.filter((text) => {
    const folded = fold(text);
    return readIntent(folded, readSentiment(folded)).all.includes('complaint');
  }).length;
  return {
    snapshot: {
      staff: staff.map((p) => ({
        id: p.id,
        name: p.name,
        role: p.role,
        skills: p.skills,
        languages: p.languages,
        timezone: p.timezone,
        capacity: p.capacity,
        openConversations: p.openConversations,
        awayUntil: p.awayUntil,
        workingHours: p.workingHours,
      })),
      history: contacts,
      recentComplaints,
    },
    sameTextElsewhere,
  };
}
