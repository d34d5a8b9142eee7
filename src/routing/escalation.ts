import type { Mention } from '../contract/mention.js';
import type { Policy } from './compiled-policy.js';
import type { RoutingSnapshot } from './snapshot.js';
import type { Understanding } from './understand/index.js';
import { firstMatch } from './understand/matcher.js';
import { describeOwnerSignal, triggerStands } from './understand/owner-lane.js';
import { fold } from './understand/text.js';

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
  const reasons: string[] = u.owner.map(describeOwnerSignal);
  for (const trigger of policy.triggers) {
    if (identities.some((key) => trigger.authors.has(key))) {
      reasons.push(`${trigger.reason}: @${mention.author.handle} is on the policy's list`);
      continue;
    }
    const matched = firstMatch(trigger.matcher, u.text);
    // A word the built-in reading already quoted is not said twice.
    const quoted = u.owner.some((signal) =>
      signal.evidence.some((e) => fold(e).includes(fold(matched ?? ''))),
    );
    if (matched !== undefined && !quoted && triggerStands(matched, u.text, u.model)) {
      reasons.push(`${trigger.reason} ("${matched}")`);
    }
  }
  const angry = policy.file.escalation.angryInfluencer;
  // Plainly angry by the words' score, or by the model's tone when the words score only mildly.
  const tone = u.model.tone;
  const angryTone =
    tone.probabilities.angry >= 0.5 ||
    (tone.probabilities.angry + tone.probabilities.complaint >= 0.75 &&
      (u.sentiment.label === 'negative' || u.intent.all.includes('complaint')));
  if (angry && (u.sentiment.score <= angry.maxSentiment || angryTone)) {
    const reach = u.influence.followers >= angry.minFollowers;
    const verified = angry.verifiedCounts && u.influence.verified;
    if (reach || verified) {
      const who = reach ? `${u.influence.followers.toLocaleString('en-GB')} followers` : 'a verified account';
      const how =
        u.sentiment.score <= angry.maxSentiment
          ? `sentiment ${u.sentiment.score}`
          : `tone ${tone.label} ${tone.confidence.toFixed(2)}`;
      reasons.push(`an angry customer with real influence (${who}; ${how})`);
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
