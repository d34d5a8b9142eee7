import { identityKey, parseIdentity } from './identity.js';
import { list, type PolicyFile, type PolicyRule, type Priority } from './policy.js';
import { OWNER_CATEGORIES, type OwnerCategory } from './understand/categories.js';
import { compileMatcher, isEmptyMatcher, type Matcher } from './understand/matcher.js';
import type { OwnerLaneSettings } from './understand/owner-lane.js';

export interface CompiledTopic {
  name: string;
  matcher: Matcher;
  team: string | undefined;
  skills: string[];
}

export interface CompiledRule {
  name: string;
  rule: PolicyRule;
  keywords: Matcher | undefined;
  authors: Set<string> | undefined;
}

export interface Customer {
  name: string;
  identities: string[];
  vip: boolean;
}

/** The policy ready for matching: regexes compiled, identities indexed. Built once at start. */
export interface Policy {
  file: PolicyFile;
  topics: CompiledTopic[];
  triggers: { reason: string; matcher: Matcher; authors: Set<string> }[];
  rules: CompiledRule[];
  vip: Set<string>;
  /** Every linked identity key to its customer: how Jane on X and Jane on Bluesky are known as one. */
  customers: Map<string, Customer>;
  responseTargets: Record<Priority, number>;
  /** The built-in owner-lane categories this policy keeps on, and the words it adds to them. */
  ownerLane: OwnerLaneSettings;
}

export function compilePolicy(file: PolicyFile): Policy {
  const customers = new Map<string, Customer>();
  const vip = new Set(file.vip.map((written) => parseIdentity(written).key));
  for (const entry of file.customers) {
    const customer = {
      name: entry.name,
      identities: entry.identities.map((written) => parseIdentity(written).key),
      vip: entry.vip,
    };
    for (const key of customer.identities) {
      customers.set(key, customer);
      if (customer.vip) vip.add(key);
    }
  }
  return {
    file,
    topics: Object.entries(file.topics).map(([name, topic]) => ({
      name,
      matcher: compileMatcher(topic),
      team: topic.team,
      skills: topic.skills,
    })),
    triggers: file.escalation.triggers.map((trigger) => ({
      reason: trigger.reason,
      matcher: compileMatcher(trigger),
      authors: new Set(trigger.authors.map((written) => parseIdentity(written).key)),
    })),
    rules: file.rules.map((rule) => ({
      name: rule.name,
      rule,
      keywords: rule.when.keywords ? compileMatcher({ phrases: rule.when.keywords }) : undefined,
      authors: rule.when.author
        ? new Set(list(rule.when.author).map((written) => parseIdentity(written).key))
        : undefined,
    })),
    vip,
    customers,
    responseTargets: file.responseTargets,
    ownerLane: compileOwnerLane(file),
  };
}

/** All the identity keys a mention's author is known under, this one first. */
export function linkedIdentities(policy: Policy, network: string, handle: string): string[] {
  const own = identityKey(network, handle);
  const customer = policy.customers.get(own);
  return customer ? [own, ...customer.identities.filter((key) => key !== own)] : [own];
}

function compileOwnerLane(file: PolicyFile): OwnerLaneSettings {
  const enabled = new Set<OwnerCategory>();
  const added = new Map<OwnerCategory, Matcher>();
  for (const category of OWNER_CATEGORIES) {
    const settings = file.escalation.categories[category];
    if (settings?.enabled === false) continue;
    enabled.add(category);
    const matcher = settings ? compileMatcher(settings) : undefined;
    if (matcher && !isEmptyMatcher(matcher)) added.set(category, matcher);
  }
  return { enabled, added };
}
