import type { Mention } from '../contract/mention.js';
import type { Policy } from './compiled-policy.js';
import type { RoutingSnapshot } from './snapshot.js';
import type { Understanding } from './understand/index.js';
import { firstMatch } from './understand/matcher.js';

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

/**
 * The owner lane: what only the owner can answer. Returns one reason per
 * trigger that fired, or none. VIPs are checked separately, before spam.
 */
export function escalationReasons(
  policy: Policy,
  mention: Mention,
  u: Understanding,
  snapshot: RoutingSnapshot,
  identities: readonly string[],
): string[] {
  const reasons: string[] = [];
  for (const trigger of policy.triggers) {
    if (identities.some((key) => trigger.authors.has(key))) {
      reasons.push(`${trigger.reason}: @${mention.author.handle} is on the policy's list`);
      continue;
    }
    const matched = firstMatch(trigger.matcher, u.text);
    if (matched !== undefined) reasons.push(`${trigger.reason} ("${matched}")`);
  }
  const angry = policy.file.escalation.angryInfluencer;
  if (angry && u.sentiment.score <= angry.maxSentiment) {
    const reach = u.influence.followers >= angry.minFollowers;
    const verified = angry.verifiedCounts && u.influence.verified;
    if (reach || verified) {
      const who = reach ? `${u.influence.followers.toLocaleString('en-GB')} followers` : 'a verified account';
      reasons.push(`an angry customer with real influence (${who})`);
    }
  }
  const repeat = policy.file.escalation.repeatComplaints;
  if (repeat && u.intent.all.includes('complaint')) {
    const nth = snapshot.recentComplaints + 1;
    if (nth >= repeat.count) {
      reasons.push(
        `the ${ORDINALS[nth - 1] ?? `${nth}th`} complaint from @${mention.author.handle} in ${repeat.withinDays} days`,
      );
    }
  }
  return reasons;
}
